// Releases that follow a plan, on a real local cluster (LocalCluster: two scorer replicas on one
// registry, a real Prometheus scraping them every second, demo traffic), through the backend
// the Release page uses (RolloutActions, readRun) and the headless runner (fraudctl rollout run,
// which wraps RolloutRunner). Steps last about 20 s and the traffic is fast enough to decide
// within them:
//  - a good candidate (v1's model under a new name) goes from shadow through promotion, every
//    replica serves it as stable, and the audit log holds each step with its gate values;
//  - a bad canary (declining far more) fails its decline gate and is aborted by the runner,
//    while stable never stopped serving: no failed request;
//  - with the traffic turned down, the gate says not enough data and the step pauses at its
//    maximum duration;
//  - a runner killed in mid-step is replaced by another after the lease expires, which resumes
//    the same step with its evidence;
//  - two runners at once: only one drives.
#include <signal.h>

#include <QProcess>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

#include "ScorerClient.h"
#include "TestEnvironment.h"
#include "cluster/LocalCluster.h"
#include "common/FileIo.h"
#include "registry/ModelRegistry.h"
#include "rollout/RolloutRunner.h"

using namespace fraudops;
using namespace fraudops::rollout;
using namespace fraudops::test;

namespace {

const std::string kAdmin = "release-admin-7e21";
const std::string kViewer = "release-viewer-19ab";

// Short steps: each gate decides within seconds at the demo's rate. Plan files as reviewed.
const char* kGoodPlan = R"({
  "name": "test-good", "alpha": 0.05,
  "gates": {
    "errors": {"kind": "event_rate", "event": "error", "tolerance": 0.5, "floor": 0.02},
    "declines": {"kind": "event_rate", "event": "decline", "sides": "worse", "tolerance": 2.0},
    "flip_rate": {"kind": "flip_rate", "tolerance": 0.05},
    "score_distribution": {"kind": "score_distribution", "tolerance": 0.1}
  },
  "steps": [
    {"weight_percent": 20, "mode": "shadow", "min_duration": "8s", "max_duration": "3m",
     "gates": ["errors", "flip_rate"]},
    {"weight_percent": 20, "min_duration": "8s", "max_duration": "3m",
     "gates": ["errors", "declines", "score_distribution"]},
    {"weight_percent": 50, "min_duration": "8s", "max_duration": "3m",
     "gates": ["errors", "declines", "score_distribution"]},
    {"promote": true}
  ]
})";

// One long split step for the runner tests: it neither passes nor ends while they look.
const char* kLongPlan = R"({
  "name": "test-long", "alpha": 0.05,
  "gates": {"declines": {"kind": "event_rate", "event": "decline", "tolerance": 0.01}},
  "steps": [
    {"weight_percent": 20, "min_duration": "10m", "max_duration": "20m", "gates": ["declines"]},
    {"promote": true}
  ]
})";

// A step that needs far more data than slow traffic gives, with a short maximum duration.
const char* kStarvedPlan = R"({
  "name": "test-starved", "alpha": 0.05,
  "gates": {"declines": {"kind": "event_rate", "event": "decline", "tolerance": 0.05}},
  "steps": [
    {"weight_percent": 10, "min_duration": "2s", "max_duration": "15s", "gates": ["declines"]},
    {"promote": true}
  ]
})";

RolloutPlan planOf(const char* text) {
    std::string error;
    auto plan = parseRolloutPlan(text, &error);
    if (!plan)
        qFatal("test plan: %s", error.c_str());
    return *plan;
}

}  // namespace

class RolloutLocalClusterTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString registry_;
    std::unique_ptr<LocalCluster> cluster_;
    std::vector<std::unique_ptr<QProcess>> runners_;

    ReleaseTarget target(const std::string& token = kAdmin) const {
        ReleaseTarget t;
        t.control.address = cluster_->state().replicas.front().address.toStdString();
        t.control.bearerToken = token;
        t.control.deadline = std::chrono::milliseconds(10'000);
        t.prometheus.baseUrl = cluster_->state().prometheusUrl;
        return t;
    }
    RunView view() {
        ControlClient client(target().control);
        return readRun(client);
    }
    std::optional<RolloutProgress> progress() {
        auto v = view();
        return v.progress;
    }
    QString planFile(const QString& name, const char* text) {
        const QString path = dir_.filePath(name + ".json");
        fraud::writeFileAtomically(path.toStdString(), text);
        return path;
    }
    // fraudctl rollout run in the background.
    QProcess& startRunner(const QString& holder, const QStringList& extra = {}) {
        auto p = std::make_unique<QProcess>();
        p->setProcessChannelMode(QProcess::MergedChannels);
        const auto t = target();
        p->start(fraudctlBinary(),
                 QStringList{"rollout", "run", "--endpoint",
                             QString::fromStdString(t.control.address), "--token",
                             QString::fromStdString(kAdmin), "--prometheus", t.prometheus.baseUrl,
                             "--holder", holder, "--interval", "1", "--lease-ttl", "4"} +
                     extra);
        runners_.push_back(std::move(p));
        return *runners_.back();
    }
    // What a runner printed, who holds the lease and why the run is where it is: for failures.
    QString stateOf(QProcess& runner) {
        const auto v = view();
        return QStringLiteral("runner output: %1\nlease holder: %2\nprogress: %3\n")
            .arg(QString::fromUtf8(runner.readAll()),
                 QString::fromStdString(v.record.lease().holder()),
                 QString::fromStdString(v.progress ? v.progress->reason : v.error));
    }
    int finish(QProcess& p, int timeoutMs, QString* out) {
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished(5000);
            *out = QString::fromUtf8(p.readAll());
            return -1;
        }
        *out = QString::fromUtf8(p.readAll());
        return p.exitCode();
    }
    std::size_t looks(const RolloutProgress& p) {
        return p.evidence.is_object() ? p.evidence.value("looks", std::size_t{0}) : 0;
    }
    void addVersion(const std::string& name, double declineThreshold = -1) {
        fraud::ModelRegistry registry(registry_.toStdString());
        auto manifest = registry.readManifest("v1");
        const auto model = fraud::readFile(registry.versionDir("v1") / manifest.modelFile);
        manifest.version = name;
        if (declineThreshold > 0) {
            manifest.thresholds.decline = declineThreshold;
            manifest.thresholds.review = declineThreshold / 2;
        }
        registry.addVersion(manifest, model);
    }
    // Live requests the demo traffic saw fail since it started.
    qint64 failed() const { return cluster_->state().loadFailed; }

    int analyze(const std::string& token, QString* out, const QString& endpoint = {}) {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        const auto t = target();
        p.start(fraudctlBinary(),
                {"analyze", "--endpoint",
                 endpoint.isEmpty() ? QString::fromStdString(t.control.address) : endpoint,
                 "--token", QString::fromStdString(token), "--prometheus", t.prometheus.baseUrl,
                 "--deadline-ms", "3000"});
        p.waitForFinished(60'000);
        *out = QString::fromUtf8(p.readAll());
        return p.exitCode();
    }
    // fraudctl analyze with --profile and nothing else: the profiles live in settings of a
    // home of the test's own, as the console saves them.
    int analyzeWithProfile(const QString& profile, QString* out) {
        const QString config = dir_.filePath("config");
        {
            QSettings settings(config + "/FraudOps/fraudops-console.conf", QSettings::IniFormat);
            settings.setValue("profiles/local/work_dir", dir_.filePath("work"));
            const auto t = target();
            settings.setValue("profiles/staging/scorers",
                              QStringList{QString::fromStdString(t.control.address)});
            settings.setValue("profiles/staging/prometheus", t.prometheus.baseUrl);
            settings.setValue("profiles/staging/token_env", "STAGING_TOKEN");
        }
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_CONFIG_HOME", config);
        env.insert("FRAUDOPS_TOKEN", QString::fromStdString(kViewer));
        env.insert("STAGING_TOKEN", QString::fromStdString(kViewer));
        QProcess p;
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(fraudctlBinary(), {"analyze", "--profile", profile});
        p.waitForFinished(60'000);
        *out = QString::fromUtf8(p.readAll());
        return p.exitCode();
    }
    int fraudctl(const QStringList& args, QString* out) {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(fraudctlBinary(),
                args + QStringList{"--endpoint", QString::fromStdString(target().control.address)});
        p.waitForFinished(60'000);
        *out = QString::fromUtf8(p.readAll());
        return p.exitCode();
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        registry_ = dir_.filePath("registry");
        copyRegistry(transactionRegistry(), registry_);  // v1 stable, v2 archived
        addVersion("v3");                                // v1's model, a good candidate
        addVersion("v4", 0.003);                         // declines far more: a bad canary
        addVersion("v5");
        addVersion("v6");
        addVersion("v7");
        addVersion("v8", 0.003);
        const QString tokens = dir_.filePath("tokens.json");
        writeTokensFile(tokens, {{kAdmin, "release-bot", "admin"}, {kViewer, "sre", "viewer"}});
        LocalCluster::Config config;
        config.binDir = QFileInfo(scorerBinary()).absolutePath();
        config.registry = registry_;
        config.workDir = dir_.filePath("work");
        config.tokensFile = tokens;
        config.replicas = 2;
        config.loadRate = 400;
        config.historyHours = 0.25;
        config.scrapeInterval = std::chrono::seconds(1);
        cluster_ = std::make_unique<LocalCluster>(config);
        cluster_->start();
        QTRY_COMPARE_WITH_TIMEOUT(cluster_->state().upCount(), 2, 120'000);
        QTRY_VERIFY_WITH_TIMEOUT(cluster_->state().prometheusUp, 60'000);
        QTRY_VERIFY_WITH_TIMEOUT(cluster_->state().loadPhase == LocalClusterState::LoadPhase::Live,
                                 180'000);
        QTRY_VERIFY_WITH_TIMEOUT(cluster_->state().loadCompleted > 2000, 60'000);
    }

    void aGoodCandidateIsPromoted() {
        ControlClient client(target().control);
        RolloutActions actions(client);
        const auto started = actions.start(planOf(kGoodPlan), "v3", "release v3 (test)");
        QVERIFY2(started.ok, started.message.c_str());
        QVERIFY2(
            started.message.find("v3 from 0 % to 20 % of cards, shadow mode") != std::string::npos,
            started.message.c_str());
        const qint64 failedBefore = failed();
        QElapsedTimer clock;
        clock.start();
        QProcess& runner = startRunner("runner-good", {"--exit-when-blocked"});
        QString out;
        const int code = finish(runner, 600'000, &out);
        if (code != 0 && progress())
            qWarning("the gates: %s (%s)", progress()->results.dump(2).c_str(),
                     progress()->reason.c_str());
        QVERIFY2(code == 0, qPrintable(out.right(800)));
        qInfo("promoted in %.0f s:\n%s", clock.elapsed() / 1000.0, qPrintable(out));
        // Every replica serves v3 as stable.
        for (const auto& r : cluster_->state().replicas) {
            ScorerEndpoint e = target().control;
            e.address = r.address.toStdString();
            QTRY_VERIFY_WITH_TIMEOUT(ControlClient(e).status().value->stable_version() == "v3",
                                     20'000);
        }
        // The audit log holds each step, with its gate values.
        const auto audit = client.audit(10);
        QVERIFY(audit.ok());
        std::vector<std::string> steps;
        for (auto it = audit.value->entries().rbegin(); it != audit.value->entries().rend(); ++it) {
            const auto& e = *it;
            if (e.annotations().count("plan") && e.annotations().at("plan") == "test-good")
                steps.push_back(e.action() + " " + e.annotations().at("step"));
        }
        const std::vector<std::string> expected{
            "set_canary 1 of 4: shadow 20 %", "set_canary 2 of 4: split 20 %",
            "set_canary 3 of 4: split 50 %", "promote 4 of 4: promote"};
        QCOMPARE(steps, expected);
        const auto& promote = audit.value->entries(0);
        QCOMPARE(promote.action(), "promote");
        QCOMPARE(promote.annotations().at("passed"), "3 of 4: split 50 %");
        qInfo("promoted on: %s", promote.annotations().at("gates").c_str());
        const auto gates = nlohmann::json::parse(promote.annotations().at("gates"));
        QCOMPARE(gates.size(), std::size_t(3));
        QCOMPARE(gates[1]["name"], "declines");
        QCOMPARE(gates[1]["verdict"], "pass");
        QVERIFY(gates[1]["canary_exposure"].get<double>() > 0);
        QCOMPARE(gates[2]["name"], "score_distribution");
        QCOMPARE(gates[2]["verdict"], "pass");
        QVERIFY(gates[2]["canary_exposure"].get<double>() >= 200);  // scores judged
        QCOMPARE(failed(), failedBefore);
        const auto p = progress();
        QVERIFY(p);
        QCOMPARE(p->state, RolloutProgress::State::Promoted);
    }

    void aBadCanaryIsAbortedAndStableKeepsServing() {
        ControlClient client(target().control);
        RolloutActions actions(client);
        auto plan = planOf(kGoodPlan);
        const auto started = actions.start(plan, "v4", "release v4 (test: declines too much)");
        QVERIFY2(started.ok, started.message.c_str());
        const qint64 failedBefore = failed();
        QProcess& runner = startRunner("runner-bad");
        QString out;
        const int code = finish(runner, 600'000, &out);
        QVERIFY2(code == 1, qPrintable(out));
        const auto p = progress();
        QCOMPARE(p->state, RolloutProgress::State::Aborted);
        QVERIFY2(p->reason.find("gate failed: declines") != std::string::npos ||
                     p->reason.find("gate failed: flip_rate") != std::string::npos,
                 p->reason.c_str());
        qInfo("aborted at step %zu: %s", p->step + 1, p->reason.c_str());
        const auto status = client.status();
        QCOMPARE(status.value->stable_version(), "v3");
        QVERIFY(status.value->canary_version().empty());
        const auto audit = client.audit(1);
        QCOMPARE(audit.value->entries(0).action(), "abort_canary");
        QVERIFY(audit.value->entries(0).annotations().count("gates"));
        // Stable never stopped serving: not one request of the demo traffic failed.
        QCOMPARE(failed(), failedBefore);
    }

    void aStepShortOfDataPausesAtItsMaximum() {
        cluster_->setLoadRate(3);
        ControlClient client(target().control);
        RolloutActions actions(client);
        const auto started = actions.start(planOf(kStarvedPlan), "v5", "release v5 (test)");
        QVERIFY2(started.ok, started.message.c_str());
        QProcess& runner = startRunner("runner-starved", {"--exit-when-blocked"});
        // While it runs, the gate waits for data rather than passing.
        QTRY_VERIFY_WITH_TIMEOUT(progress() && looks(*progress()) >= 2, 30'000);
        QCOMPARE(progress()->state, RolloutProgress::State::Running);
        QVERIFY2(progress()->reason.find("not enough data") != std::string::npos ||
                     progress()->reason.find("minimum duration") != std::string::npos,
                 progress()->reason.c_str());
        QString out;
        const int code = finish(runner, 120'000, &out);
        QVERIFY2(code == 2, qPrintable(out));
        const auto p = progress();
        QCOMPARE(p->state, RolloutProgress::State::Paused);
        QVERIFY2(p->reason.starts_with("not enough data after the step's maximum duration (15s)"),
                 p->reason.c_str());
        // The canary stays where it was, for a person to decide.
        QCOMPARE(client.status().value->canary_version(), "v5");
        QVERIFY(actions.abort("test: enough").ok);
        cluster_->setLoadRate(400);
        QTRY_VERIFY_WITH_TIMEOUT(cluster_->state().loadPhase == LocalClusterState::LoadPhase::Live,
                                 180'000);
    }

    void aKilledRunnerIsReplacedAndTheStepResumes() {
        ControlClient client(target().control);
        RolloutActions actions(client);
        QVERIFY(actions.start(planOf(kLongPlan), "v6", "release v6 (test)").ok);
        QProcess& first = startRunner("runner-first");
        QTRY_VERIFY_WITH_TIMEOUT(progress() && looks(*progress()) >= 4, 60'000);
        ::kill(static_cast<pid_t>(first.processId()), SIGKILL);
        first.waitForFinished(5000);
        const auto before = *progress();
        const std::size_t looksBefore = looks(before);
        // Fail safe: the canary stays at its weight while nobody drives.
        QCOMPARE(client.status().value->rollout().canary_weight_bp(), 2000u);
        QProcess& second = startRunner("runner-second");
        // It takes over once the lease expired (4 s), and resumes the same step's evidence.
        QTRY_VERIFY_WITH_TIMEOUT(view().record.lease().holder() == "runner-second", 30'000);
        QTRY_VERIFY2_WITH_TIMEOUT(looks(*progress()) >= looksBefore + 3,
                                  qPrintable(stateOf(second)), 60'000);
        const auto after = *progress();
        QCOMPARE(after.step, before.step);
        QCOMPARE(after.stepGeneration, before.stepGeneration);
        QCOMPARE(after.stepStartedMs, before.stepStartedMs);
        const auto total = [](const RolloutProgress& p) {
            return p.evidence["tallies"]["cards/canary/scored"]["total"].get<double>();
        };
        QVERIFY(total(after) >= total(before));
        // 2: the step is short of data (its gate needs a ratio within 1 %).
        QString out;
        QCOMPARE(analyze(kViewer, &out), 2);
        QVERIFY2(out.contains("not enough data"), qPrintable(out));
        second.kill();
        second.waitForFinished(5000);
    }

    void twoRunnersOnlyOneDrives() {
        QProcess& a = startRunner("runner-a");
        QProcess& b = startRunner("runner-b");
        QTRY_VERIFY2_WITH_TIMEOUT(view().record.lease().holder() == "runner-a" ||
                                      view().record.lease().holder() == "runner-b",
                                  qPrintable(stateOf(a) + stateOf(b)), 30'000);
        const std::size_t start = looks(*progress());
        QTRY_VERIFY_WITH_TIMEOUT(looks(*progress()) >= start + 5, 60'000);
        const std::string holder = view().record.lease().holder();
        // Every look was written under the lease of the one that holds it: the other never
        // wrote (a write needs the lease), and holds nothing.
        const auto record = view().record;
        QCOMPARE(record.lease().holder(), holder);
        QVERIFY(a.state() == QProcess::Running && b.state() == QProcess::Running);
        // The waiting runner takes over when the driver stops.
        QProcess& driver = holder == "runner-a" ? a : b;
        driver.kill();
        driver.waitForFinished(5000);
        const std::string other = holder == "runner-a" ? "runner-b" : "runner-a";
        QTRY_VERIFY_WITH_TIMEOUT(view().record.lease().holder() == other, 30'000);
        ControlClient client(target().control);
        const auto aborted = RolloutActions(client).abort("test: done");
        QVERIFY2(aborted.ok, aborted.message.c_str());
        QProcess& waiting = holder == "runner-a" ? b : a;
        QString out;
        // It sees the abort, and exits.
        const int code = finish(waiting, 30'000, &out);
        QVERIFY2(code == 1, qPrintable(QStringLiteral("exit %1: %2").arg(code).arg(out)));
    }

    void analyzeExitsByVerdict() {
        QString out;
        // 3: it cannot evaluate (nothing runs: the last rollout was aborted; a wrong token; no
        // cluster there).
        QCOMPARE(analyze(kViewer, &out), 3);
        QVERIFY2(out.contains("the rollout is aborted"), qPrintable(out));
        QCOMPARE(analyze("wrong-token", &out), 3);
        QVERIFY2(out.contains("unknown token"), qPrintable(out));
        QCOMPARE(analyze(kViewer, &out, "127.0.0.1:1"), 3);
        QVERIFY2(out.contains("cannot evaluate"), qPrintable(out));

        // 0: a step that passed and waits for approval; a viewer can analyze, not approve.
        const QString waitPlan = planFile("wait", R"({
          "name": "test-wait",
          "gates": {"errors": {"kind": "event_rate", "event": "error", "floor": 0.02}},
          "steps": [{"weight_percent": 20, "min_duration": "5s", "max_duration": "3m",
                     "gates": ["errors"], "on_pass": "wait_for_approval"},
                    {"promote": true}]})");
        QCOMPARE(fraudctl({"rollout", "start", "--plan", waitPlan, "--version", "v7", "--reason",
                           "test", "--token", QString::fromStdString(kAdmin)},
                          &out),
                 0);
        QProcess& waiting = startRunner("runner-wait", {"--exit-when-blocked"});
        QCOMPARE(finish(waiting, 120'000, &out), 2);
        QCOMPARE(progress()->state, RolloutProgress::State::WaitingForApproval);
        QCOMPARE(analyze(kViewer, &out), 0);
        QVERIFY2(out.contains("errors") && out.contains("pass"), qPrintable(out));
        QCOMPARE(fraudctl({"rollout", "approve", "--reason", "looks good", "--token",
                           QString::fromStdString(kViewer)},
                          &out),
                 1);
        QVERIFY2(out.contains("viewer role"), qPrintable(out));
        QCOMPARE(fraudctl({"rollout", "approve", "--reason", "looks good", "--token",
                           QString::fromStdString(kAdmin)},
                          &out),
                 0);
        QVERIFY2(out.contains("v7 becomes stable"), qPrintable(out));
        QCOMPARE(ControlClient(target().control).status().value->stable_version(), "v7");

        // 1: a step whose gate failed, paused for a person instead of aborted.
        const QString pausePlan = planFile("pause", R"({
          "name": "test-pause",
          "gates": {"declines": {"kind": "event_rate", "event": "decline", "tolerance": 0.5}},
          "steps": [{"weight_percent": 30, "min_duration": "5s", "max_duration": "3m",
                     "gates": ["declines"], "on_fail": "pause"},
                    {"promote": true}]})");
        QCOMPARE(fraudctl({"rollout", "start", "--plan", pausePlan, "--version", "v8", "--reason",
                           "test", "--token", QString::fromStdString(kAdmin)},
                          &out),
                 0);
        QProcess& pausing = startRunner("runner-pause", {"--exit-when-blocked"});
        QCOMPARE(finish(pausing, 180'000, &out), 2);
        QCOMPARE(progress()->state, RolloutProgress::State::Paused);
        QVERIFY2(progress()->reason.starts_with("gate failed: declines"),
                 progress()->reason.c_str());
        QCOMPARE(analyze(kViewer, &out), 1);
        QVERIFY2(out.contains("fail"), qPrintable(out));
        // The same through connection profiles: `local` (the cluster this process runs, from
        // its cluster.json) and a saved one, each with its token from where it says.
        QCOMPARE(analyzeWithProfile("local", &out), 1);
        QVERIFY2(out.contains("fail"), qPrintable(out));
        QCOMPARE(analyzeWithProfile("staging", &out), 1);
        QVERIFY2(out.contains("fail"), qPrintable(out));
        QCOMPARE(analyzeWithProfile("nowhere", &out), 3);
        QVERIFY2(out.contains("no connection profile named 'nowhere'"), qPrintable(out));
        QCOMPARE(fraudctl({"rollout", "status", "--token", QString::fromStdString(kViewer)}, &out),
                 0);
        QVERIFY2(out.contains("v8: paused"), qPrintable(out));
        QCOMPARE(fraudctl({"rollout", "abort", "--reason", "declines", "--token",
                           QString::fromStdString(kAdmin)},
                          &out),
                 0);
    }

    void cleanupTestCase() {
        for (auto& r : runners_) {
            if (r->state() != QProcess::NotRunning) {
                r->kill();
                r->waitForFinished(5000);
            }
        }
        if (cluster_) {
            QSignalSpy stopped(cluster_.get(), &LocalCluster::stopped);
            cluster_->stop();
            stopped.wait(30'000);
        }
    }
};

QTEST_GUILESS_MAIN(RolloutLocalClusterTest)
#include "tst_rollout_local_cluster.moc"
