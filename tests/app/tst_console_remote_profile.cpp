// The console on a cluster it did not start, as an SRE would point it at a real one: two
// scorers serving only TLS and requiring a token for the Control API, a Prometheus that
// scrapes them under its own job name with a `replica` label, and a profile saying so whose
// token lives in the system keychain (a real Secret Service: GNOME Keyring on a private
// D-Bus session). Without the token the replicas refuse; with it they are Up with their
// names, versions and rates; the token survives a restart of the console; a killed replica
// shows as Down; when every replica is gone the charts say their data is stale; forgetting
// the token takes it out of the keychain.
#include <signal.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "ConsoleProbe.h"
#include "PrometheusProcess.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "SecretService.h"
#include "TestCertificates.h"
#include "TestEnvironment.h"
#include "charts/TimeSeriesChart.h"
#include "cluster/ClusterPage.h"
#include "overview/OverviewPage.h"
#include "profiles/ProfileDialog.h"
#include "scoring/ScoringClient.h"
#include "shell/ConnectionStatus.h"
#include "shell/ConsoleWindow.h"
#include "tiles/StatTile.h"

using namespace fraudops;
using namespace fraudops::test;

namespace {

const QString kProfile = "staging";
const QString kJob = "fraud-scoring-staging";
const char* kViewerToken = "viewer-token-for-the-console";

}  // namespace

class ConsoleRemoteProfileTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<SecretService> secrets_;
    std::vector<std::unique_ptr<ScorerProcess>> scorers_;
    std::unique_ptr<PrometheusProcess> prometheus_;
    std::unique_ptr<ConsoleWindow> window_;
    // Traffic: a worker scoring over TLS, about a hundred transactions a second.
    std::thread traffic_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopTraffic_ = false;
    std::atomic<int> scored_{0};

    const ReplicaRow* row(const QString& name) const {
        return replicaRow(window_->page<ClusterPage>(), name);
    }
    void openConsole() {
        const auto profile = ProfileStore().find(kProfile);
        QVERIFY(profile);
        window_ = std::make_unique<ConsoleWindow>(*profile, nullptr);
        window_->setRefreshInterval(std::chrono::milliseconds(1000));
        window_->show();
    }
    bool bothUp() const {
        return row("remote-a") && row("remote-b") && row("remote-a")->health == ReplicaHealth::Up &&
               row("remote-b")->health == ReplicaHealth::Up;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QString error;
        // Before anything in this process talks to a session bus.
        secrets_ = SecretService::start(&error);
        QVERIFY2(secrets_, qPrintable(error));
        useOwnSettings(dir_.path(), "tst_console_remote_profile");

        QVERIFY2(makeTestCertificates(dir_.path(), &error), qPrintable(error));
        copyRegistry(transactionRegistry(), dir_.filePath("registry"));
        const QString tokens = dir_.filePath("tokens.json");
        writeTokensFile(tokens, {{kViewerToken, "sre-on-call", "viewer"}});
        std::vector<ScrapeTarget> targets;
        for (const QString name : {"remote-a", "remote-b"}) {
            auto s = ScorerProcess::start(
                dir_.filePath("registry"),
                {"--tls-cert", dir_.filePath("server.crt"), "--tls-key",
                 dir_.filePath("server.key"), "--tokens-file", tokens, "--replica-name", name},
                &error);
            QVERIFY2(s, qPrintable(error));
            targets.push_back(
                {QStringLiteral("127.0.0.1:%1").arg(s->metricsPort()), {{"replica", name}}});
            scorers_.push_back(std::move(s));
        }
        prometheus_ = PrometheusProcess::start(targets, kJob, &error);
        QVERIFY2(prometheus_, qPrintable(error));

        ConnectionProfile profile;
        profile.name = kProfile;
        for (const auto& s : scorers_)
            profile.scorerEndpoints << s->grpcAddress();
        profile.prometheusUrl = prometheus_->baseUrl();
        profile.scrapeJob = kJob;
        profile.scrapeIntervalSeconds = 1;  // PrometheusProcess scrapes every second
        profile.tls = true;
        profile.caFile = dir_.filePath("ca.crt");
        profile.latencySloMs = 10;
        profile.tokenInKeychain = true;
        ProfileStore().save(profile);

        std::vector<ScorerEndpoint> endpoints;
        for (const auto& address : profile.scorerEndpoints)
            endpoints.push_back(profile.endpoint(address, {}));
        traffic_ = std::thread([this, endpoints] {
            std::vector<std::unique_ptr<ScoringClient>> clients;
            for (const auto& e : endpoints)
                clients.push_back(std::make_unique<ScoringClient>(e));
            std::unique_lock lock(mutex_);
            for (int i = 0; !stopTraffic_; ++i) {
                lock.unlock();
                const auto tx =
                    validTransaction("tx-" + std::to_string(i), "card-" + std::to_string(i % 300));
                if (clients[static_cast<std::size_t>(i) % clients.size()]->score(tx, false).ok())
                    ++scored_;
                lock.lock();
                // Pacing, not synchronisation: the wait ends early when the test stops.
                wake_.wait_for(lock, std::chrono::milliseconds(10),
                               [this] { return stopTraffic_; });
            }
        });
        QTRY_VERIFY_WITH_TIMEOUT(scored_ > 50, 60'000);
    }

    void cleanupTestCase() {
        {
            std::lock_guard lock(mutex_);
            stopTraffic_ = true;
        }
        wake_.notify_all();
        if (traffic_.joinable())
            traffic_.join();
        window_.reset();
    }

    void withoutTheTokenTheReplicasRefuse() {
        openConsole();
        QTRY_COMPARE_WITH_TIMEOUT(window_->tokenSource(), QString("none"), 30'000);
        // Reachable over TLS (the profile's CA), but the Control API wants a token.
        QTRY_VERIFY_WITH_TIMEOUT(
            showCluster(*window_)->model().rows().size() == 2 &&
                std::all_of(showCluster(*window_)->model().rows().begin(),
                            showCluster(*window_)->model().rows().end(),
                            [](const ReplicaRow& r) { return r.health == ReplicaHealth::Refused; }),
            30'000);
        QVERIFY2(showCluster(*window_)->model().rows().front().note.contains("token"),
                 qPrintable(showCluster(*window_)->model().rows().front().note));
        QTRY_COMPARE_WITH_TIMEOUT(window_->connectionStatus().scorersText(),
                                  QString("Scorers: 0 of 2 up, 2 refuse the token"), 30'000);
    }

    void withTheKeychainTokenTheyAreUp() {
        window_->setKeychainToken(kViewerToken);
        QTRY_COMPARE_WITH_TIMEOUT(window_->tokenSource(), QString("keychain"), 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(bothUp(), 30'000);
        for (const QString name : {"remote-a", "remote-b"}) {
            const ReplicaRow* r = row(name);
            QVERIFY(r->generation >= 1);
            QCOMPARE(r->stableVersion, QString("v1"));
            QVERIFY(r->uptimeSeconds >= 0);
        }
        // Prometheus's series, found through the profile's job and the replica label.
        QTRY_VERIFY_WITH_TIMEOUT(row("remote-a")->scoresPerSecond.value_or(0) > 0 &&
                                     row("remote-b")->scoresPerSecond.value_or(0) > 0 &&
                                     row("remote-a")->memoryMb.value_or(0) > 0 &&
                                     row("remote-b")->cpuPercent.has_value(),
                                 120'000);
        QVERIFY(showsData(*window_, "Cluster"));
        QTRY_COMPARE_WITH_TIMEOUT(
            tileTitled(showOverview(*window_), "Replicas up / desired")->valueText(),
            QString("2 / 2"), 60'000);
        QTRY_VERIFY_WITH_TIMEOUT(
            tileTitled(showOverview(*window_), "Scores")->valueText().toDouble() > 0, 60'000);
        // Start / stop / scale belong to a cluster the console runs itself.
        for (auto* button : showCluster(*window_)->findChildren<QPushButton*>())
            QVERIFY2(!button->isEnabled(), qPrintable(button->text()));
    }

    // An SRE adds a profile in the dialog: a bad endpoint is refused naming the field,
    // "Test connection" shows what answers (refused without a token, up with one), and
    // Save keeps the profile in the settings and the token in the keychain.
    void aProfileMadeInTheDialogConnects() {
        ProfileDialog dialog(kProfile);
        QSignalSpy changed(&dialog, &ProfileDialog::profilesChanged);
        auto made = *ProfileStore().find(kProfile);
        made.name.clear();
        made.tokenInKeychain = false;
        dialog.setFormProfile(made);
        QTest::keyClicks(dialog.findChild<QLineEdit*>(), "dialog-made");  // the first: Name
        QCOMPARE(dialog.formProfile().name, QString("dialog-made"));

        auto broken = dialog.formProfile();
        broken.scorerEndpoints << "scorer-without-port";
        dialog.setFormProfile(broken);
        QVERIFY(!dialog.saveForm());
        QVERIFY2(dialog.errorText().contains("scorers: \"scorer-without-port\" is not host:port"),
                 qPrintable(dialog.errorText()));
        QVERIFY(!ProfileStore().find("dialog-made"));
        QCOMPARE(changed.size(), 0);
        broken.scorerEndpoints.removeLast();
        dialog.setFormProfile(broken);

        dialog.testConnection();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.checkRunning() && dialog.checkText() != "Testing…",
                                 30'000);
        QVERIFY2(dialog.checkText().count("UNAUTHENTICATED") == 2, qPrintable(dialog.checkText()));
        QVERIFY2(
            dialog.checkText().contains("Prometheus: 2 of 2 targets of job \"" + kJob + "\" up"),
            qPrintable(dialog.checkText()));

        dialog.setToken(kViewerToken);
        dialog.testConnection();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.checkRunning() && dialog.checkText() != "Testing…",
                                 30'000);
        QVERIFY2(dialog.checkText().contains("remote-a, generation") &&
                     dialog.checkText().contains("remote-b, generation") &&
                     !dialog.checkText().contains("✘"),
                 qPrintable(dialog.checkText()));

        QVERIFY2(dialog.saveForm(), qPrintable(dialog.errorText()));
        QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 30'000);  // once the keychain has it
        const auto saved = ProfileStore().find("dialog-made");
        QVERIFY(saved);
        QVERIFY(saved->tokenInKeychain);
        QCOMPARE(saved->scorerEndpoints, made.scorerEndpoints);
        QCOMPARE(saved->scrapeJob, kJob);
        KeychainTokens keychain;
        QSignalSpy read(&keychain, &KeychainTokens::finished);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                read.clear();
                keychain.read("dialog-made");
                return read.wait(10'000) &&
                       read.at(0).at(0).value<KeychainResult>().token == kViewerToken;
            }(),
            30'000);
        QSettings().sync();
        QFile ini(QSettings().fileName());
        QVERIFY(ini.open(QIODevice::ReadOnly));
        QVERIFY(!ini.readAll().contains(kViewerToken));

        // Opened again, nothing typed: the test uses the token the profile would use.
        ProfileDialog again("dialog-made");
        QCOMPARE(again.formProfile().name, QString("dialog-made"));
        again.testConnection();
        QTRY_VERIFY_WITH_TIMEOUT(!again.checkRunning(), 30'000);
        QVERIFY2(!again.checkText().contains("✘"), qPrintable(again.checkText()));
    }

    void theTokenStaysInTheKeychainAcrossRestarts() {
        window_.reset();
        QVERIFY(ProfileStore().find(kProfile)->tokenInKeychain);
        QSettings().sync();
        QFile ini(QSettings().fileName());
        QVERIFY(ini.open(QIODevice::ReadOnly));
        QVERIFY(!ini.readAll().contains(kViewerToken));  // never in the settings
        openConsole();
        QTRY_COMPARE_WITH_TIMEOUT(window_->tokenSource(), QString("keychain"), 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(bothUp(), 30'000);
    }

    void theSessionStreamsLiveDecisions() {
        // What the Decisions page will read: every replica's, over TLS with the profile's token.
        fraud::v1::WatchDecisionsRequest request;
        request.set_max_per_second(1000);
        request.set_explain(true);
        auto stream = window_->session().watchDecisions(request);
        QSignalSpy available(stream.get(), &DecisionStream::available);
        stream->start();
        QVERIFY(available.wait(30'000));
        std::set<std::string> replicas;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto& d : stream->take(1000, std::chrono::milliseconds(0))) {
                    replicas.insert(d.replica());
                    if (d.result().explanation().contributions_size() == 0)
                        return false;
                }
                return replicas.size() == 2;
            }(),
            30'000);
        const auto stats = stream->stats();
        QVERIFY(stats.connections[0].connected && stats.connections[1].connected);
    }

    void fraudctlReadsTheSameFiguresFromPrometheus() {
        // ScorerQueries' blocking form: what the Overview's tiles say, on a terminal.
        QTRY_VERIFY_WITH_TIMEOUT(
            tileTitled(showOverview(*window_), "Scores")->valueText().toDouble() > 0, 60'000);
        QProcess p;
        p.start(fraudctlBinary(), {"metrics", "--prometheus", prometheus_->baseUrl(), "--job", kJob,
                                   "--window", "10", "--json"});
        QVERIFY(p.waitForFinished(30'000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const auto figures = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        QCOMPARE(figures.value("replicas_up").toDouble(), 2.0);
        QVERIFY(figures.value("scores_per_second").toDouble() > 0);
        QVERIFY(figures.value("p99_ms").toDouble() > 0);
        QVERIFY(figures.contains("error_percent") && figures.contains("decline_percent"));
        // A Prometheus that is not there: a clear error and a failing exit code.
        p.start(fraudctlBinary(),
                {"metrics", "--prometheus", "http://127.0.0.1:1", "--deadline-ms", "2000"});
        QVERIFY(p.waitForFinished(30'000));
        QCOMPARE(p.exitCode(), 1);
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("not reachable"));
    }

    void aKilledReplicaShowsDown() {
        scorers_[1]->child().signal(SIGKILL);
        QVERIFY(scorers_[1]->child().waitForExit(std::chrono::seconds(10)));
        QTRY_COMPARE_WITH_TIMEOUT(row("remote-b")->health, ReplicaHealth::Down, 30'000);
        QVERIFY(!row("remote-b")->note.isEmpty());
        QCOMPARE(row("remote-a")->health, ReplicaHealth::Up);
        QTRY_COMPARE_WITH_TIMEOUT(
            tileTitled(showOverview(*window_), "Replicas up / desired")->valueText(),
            QString("1 / 2"), 60'000);
    }

    void whenEveryReplicaIsGoneTheChartsAreStale() {
        scorers_[0]->child().signal(SIGKILL);
        QVERIFY(scorers_[0]->child().waitForExit(std::chrono::seconds(10)));
        // Prometheus still answers; the series stopped (rate() reaches back a few scrapes).
        // After 30 s without samples the throughput chart says so instead of showing the
        // old line as current.
        const auto charts = showOverview(*window_)->findChildren<TimeSeriesChart*>();
        auto* throughput = *std::find_if(charts.begin(), charts.end(), [](auto* c) {
            return c->chart()->title() == "Throughput by variant";
        });
        QTRY_COMPARE_WITH_TIMEOUT(throughput->overlay(), TimeSeriesChart::Overlay::Stale, 90'000);
        // The page says so above itself too.
        QTRY_COMPARE_WITH_TIMEOUT(window_->page<OverviewPage>()->state().kind,
                                  PageState::Kind::Stale, 30'000);
        QVERIFY2(window_->bannerText().startsWith("No new samples since"),
                 qPrintable(window_->bannerText()));
        QTRY_COMPARE_WITH_TIMEOUT(row("remote-a")->health, ReplicaHealth::Down, 30'000);
    }

    void forgettingTheTokenRemovesIt() {
        window_->forgetKeychainToken();
        QTRY_COMPARE_WITH_TIMEOUT(window_->tokenSource(), QString("none"), 30'000);
        QVERIFY(!ProfileStore().find(kProfile)->tokenInKeychain);
        KeychainTokens keychain;
        QSignalSpy spy(&keychain, &KeychainTokens::finished);
        keychain.read(kProfile);
        QVERIFY(spy.wait(30'000));
        QCOMPARE(spy.at(0).at(0).value<KeychainResult>().outcome,
                 KeychainResult::Outcome::NotFound);
    }
};

QTEST_MAIN(ConsoleRemoteProfileTest)
#include "tst_console_remote_profile.moc"
