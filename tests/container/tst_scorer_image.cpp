// The scorer's container image and compose cluster, built and run here with podman from
// Debian's packages (docker/Dockerfile, docker/compose.yaml): the image's runtime settings, its
// shared libraries, two replicas serving the host's fraudctl, the compose Prometheus scraping
// them with the project's rules, the compose load generator reaching them by name, a drain on
// `podman stop` with no failed call, and the throughput of a containerized replica against the
// same scorer run natively. Prints the image's size and build time.
//
// Slow (labels `slow`, `container`): it builds images. Podman runs rootful, with runc and
// explicit ulimits (crun refuses this host's hybrid cgroups); without systemd, health checks
// run only when asked (`podman healthcheck run`).
#include <unistd.h>

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "ChildProcess.h"
#include "HttpGet.h"
#include "Podman.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"

using namespace fraudops::test;
using namespace std::chrono_literals;

namespace {

const QString kScorerImage = QStringLiteral("localhost/fraudops/scorer:0.1.0");
const QString kPrometheusImage = QStringLiteral("localhost/fraudops/prometheus:0.1.0");
const QString kRedisImage = QStringLiteral("localhost/fraudops/redis:0.1.0");

}  // namespace

class ScorerImageTest : public QObject {
    Q_OBJECT

    QTemporaryDir work_;
    Podman podman_{work_.path()};
    QString project_ = QStringLiteral("fraudops-test-%1").arg(::getpid());
    int scorer1Port_ = 0, scorer2Port_ = 0, prometheusPort_ = 0;
    bool composeUp_ = false;

    Finished run(const QString& program, const QStringList& args,
                 std::chrono::seconds timeout = 120s) {
        return runCommand(program, args, podman_.environment(), FRAUDOPS_SOURCE_DIR, timeout);
    }
    Finished podman(const QStringList& args, std::chrono::seconds timeout = 120s) {
        return podman_.run(args, timeout);
    }
    Finished compose(const QStringList& args, std::chrono::seconds timeout = 300s) {
        return run(
            "podman-compose",
            QStringList{"-p", project_, "-f", FRAUDOPS_SOURCE_DIR "/docker/compose.yaml"} + args,
            timeout);
    }
    QString container(const QString& service) const {
        return QStringLiteral("%1_%2_1").arg(project_, service);
    }
    QJsonArray prometheusVector(const QString& query) {
        const auto r = httpGet(QStringLiteral("http://127.0.0.1:%1/api/v1/query?query=%2")
                                   .arg(prometheusPort_)
                                   .arg(QString::fromUtf8(QUrl::toPercentEncoding(query))),
                               5s);
        return QJsonDocument::fromJson(r.body).object()["data"].toObject()["result"].toArray();
    }
    // The value of each series of `query` by its `replica` label.
    QMap<QString, double> byReplica(const QString& query) {
        QMap<QString, double> values;
        for (const auto& s : prometheusVector(query)) {
            const auto o = s.toObject();
            values[o["metric"].toObject()["replica"].toString()] =
                o["value"].toArray().at(1).toString().toDouble();
        }
        return values;
    }
    // fraud-loadgen's JSON report of a closed-loop run against `target`.
    QJsonObject closedLoop(const QString& target, int seconds, const QString& prefix) {
        const auto f = run(loadgenBinary(),
                           {"--target", target, "--mode", "closed", "--concurrency", "16",
                            "--warmup", "1", "--duration", QString::number(seconds), "--cards",
                            "20000", "--card-prefix", prefix, "--json", "--quiet"},
                           std::chrono::seconds(seconds + 60));
        if (f.exitCode != 0)
            qWarning().noquote() << "fraud-loadgen:" << f.text();
        return QJsonDocument::fromJson(f.out).object();
    }

private slots:
    void initTestCase() {
        if (::geteuid() != 0)
            QSKIP("rootful podman needs root (the README's test command runs as root)");
        QVERIFY(work_.isValid());
        QString error;
        QVERIFY2(podman_.prepare(&error), qPrintable(error));

        QElapsedTimer t;
        t.start();
        const auto scorer =
            podman_.build({"-f", FRAUDOPS_SOURCE_DIR "/docker/Dockerfile", "--target", "scorer",
                           "-t", kScorerImage, FRAUDOPS_SOURCE_DIR},
                          900s);
        QVERIFY2(scorer.exitCode == 0, qPrintable(scorer.text().right(4000)));
        const double scorerSeconds = t.restart() / 1000.0;
        const auto prom = podman_.build({"-f", FRAUDOPS_SOURCE_DIR "/docker/Dockerfile", "--target",
                                         "prometheus", "-t", kPrometheusImage, FRAUDOPS_SOURCE_DIR},
                                        600s);
        QVERIFY2(prom.exitCode == 0, qPrintable(prom.text().right(4000)));
        const auto redis =
            podman_.build({"-f", FRAUDOPS_SOURCE_DIR "/docker/Dockerfile", "--target", "redis",
                           "-t", kRedisImage, FRAUDOPS_SOURCE_DIR},
                          600s);
        QVERIFY2(redis.exitCode == 0, qPrintable(redis.text().right(4000)));
        const auto size = podman({"image", "inspect", "--format", "{{.Size}}", kScorerImage});
        const auto base = podman({"image", "inspect", "--format", "{{.Size}}", Podman::kBaseImage});
        qInfo(
            "scorer image: %.0f MB (base %.0f MB), built in %.0f s; Prometheus image built in "
            "%.0f s",
            size.out.trimmed().toDouble() / 1e6, base.out.trimmed().toDouble() / 1e6, scorerSeconds,
            t.elapsed() / 1000.0);
    }

    void theImageRunsAsItsUserWithAHealthCheck() {
        const auto f = podman({"image", "inspect", kScorerImage});
        QCOMPARE(f.exitCode, 0);
        const auto image = QJsonDocument::fromJson(f.out).array().at(0).toObject();
        const auto config = image["Config"].toObject();
        QCOMPARE(config["User"].toString(), QStringLiteral("10001:10001"));
        const auto ports = config["ExposedPorts"].toObject();
        QVERIFY(ports.contains("50051/tcp"));
        QVERIFY(ports.contains("9464/tcp"));
        QVERIFY(config["Volumes"].toObject().contains("/var/lib/fraudops/registry"));
        // Docker's format keeps HEALTHCHECK (the OCI format drops it).
        const auto health = image["Healthcheck"].toObject();
        const auto test = health["Test"].toArray();
        QVERIFY2(test.contains(QJsonValue("/usr/local/bin/fraud-scorer")) &&
                     test.contains(QJsonValue("probe")),
                 qPrintable(QJsonDocument(health).toJson()));
        QStringList env;
        for (const auto& e : config["Env"].toArray())
            env << e.toString();
        QVERIFY(env.contains("FRAUD_SCORER_LISTEN=0.0.0.0:50051"));
        QVERIFY(env.contains("FRAUD_SCORER_REGISTRY=/var/lib/fraudops/registry"));
    }

    void everySharedLibraryComesFromAnInstalledPackage() {
        // ldd in the runtime image, then dpkg -S for each library it resolved: a library copied
        // in by hand, or one missing, fails.
        const auto f = podman(
            {"run", "--rm", "--entrypoint", "/bin/sh", kScorerImage, "-c",
             "set -e; for b in /usr/local/bin/fraud-scorer /usr/local/bin/fraud-train "
             "/usr/local/bin/fraud-loadgen; do ldd $b; done > /tmp/ldd; "
             "if grep 'not found' /tmp/ldd; then exit 1; fi; "
             "n=0; for p in $(sed -n 's/.*=> \\(\\/[^ ]*\\).*/\\1/p' /tmp/ldd | sort -u); do "
             "n=$((n+1)); dpkg -S \"$p\" >/dev/null 2>&1 || dpkg -S \"$(readlink -f $p)\" "
             ">/dev/null 2>&1 || { echo \"UNOWNED $p\"; exit 1; }; done; echo \"$n\""});
        QVERIFY2(f.exitCode == 0, qPrintable(f.text()));
        QVERIFY2(f.out.trimmed().toInt() > 10, qPrintable(f.text()));
        qInfo().noquote() << "runtime image:" << f.out.trimmed()
                          << "shared libraries, each from a package";
    }

    void composeStartsTheCluster() {
        scorer1Port_ = freeLoopbackPort();
        scorer2Port_ = freeLoopbackPort();
        prometheusPort_ = freeLoopbackPort();
        podman_.environment().insert("FRAUDOPS_SCORER1_GRPC_PORT", QString::number(scorer1Port_));
        podman_.environment().insert("FRAUDOPS_SCORER1_METRICS_PORT",
                                     QString::number(freeLoopbackPort()));
        podman_.environment().insert("FRAUDOPS_SCORER2_GRPC_PORT", QString::number(scorer2Port_));
        podman_.environment().insert("FRAUDOPS_SCORER2_METRICS_PORT",
                                     QString::number(freeLoopbackPort()));
        podman_.environment().insert("FRAUDOPS_PROMETHEUS_PORT", QString::number(prometheusPort_));
        // A small model and live traffic at once: this test is about the containers.
        podman_.environment().insert("FRAUDOPS_TRAIN_TRANSACTIONS", "40000");
        podman_.environment().insert("FRAUDOPS_TRAIN_ROUNDS", "60");
        podman_.environment().insert("FRAUDOPS_LOAD_RATE", "40");
        podman_.environment().insert("FRAUDOPS_LOAD_CARDS", "35000");
        podman_.environment().insert("FRAUDOPS_LOAD_HISTORY_HOURS", "0");
        const auto up = compose({"up", "-d"});
        composeUp_ = true;
        QVERIFY2(up.exitCode == 0, qPrintable(up.text().right(4000)));

        // Healthy: the image's HEALTHCHECK (fraud-scorer probe) passes in each replica. Until
        // the trainer has seeded the registry the replicas wait, and the check fails.
        for (const QString service : {"scorer-1", "scorer-2"}) {
            QElapsedTimer t;
            t.start();
            Finished check;
            while ((check = podman({"healthcheck", "run", container(service)})).exitCode != 0 &&
                   t.elapsed() < 300'000)
                betweenPolls(1000ms);
            QVERIFY2(check.exitCode == 0,
                     qPrintable(service + " not healthy: " + check.text() + "\n" +
                                podman({"logs", container(service)}).text().right(3000) +
                                podman({"logs", container("trainer")}).text().right(2000)));
        }
        const auto trainer =
            podman({"inspect", "--format", "{{.State.ExitCode}}", container("trainer")});
        QCOMPARE(trainer.out.trimmed(), QByteArray("0"));
        // The registry volume belongs to the image's fixed UID, and the replicas write nowhere
        // else: their root filesystems are read-only.
        const auto owner = podman({"run", "--rm", "-v", project_ + "_registry:/r", "--entrypoint",
                                   "/usr/bin/stat", kScorerImage, "-c", "%u %g", "/r"});
        QCOMPARE(owner.out.trimmed(), QByteArray("10001 10001"));
        for (const QString service : {"scorer-1", "scorer-2"}) {
            const auto readOnly = podman(
                {"inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", container(service)});
            QCOMPARE(readOnly.out.trimmed(), QByteArray("true"));
        }
    }

    void prometheusScrapesBothReplicasWithTheRules() {
        QTRY_VERIFY_WITH_TIMEOUT(byReplica("up{job=\"fraud-scorer\"}") ==
                                     (QMap<QString, double>{{"scorer-1", 1}, {"scorer-2", 1}}),
                                 120'000);
        const auto rules =
            httpGet(QStringLiteral("http://127.0.0.1:%1/api/v1/rules").arg(prometheusPort_));
        QVERIFY2(rules.body.contains("\"name\":\"fraudops-slo\""),
                 rules.body.left(500).constData());
        QVERIFY(rules.body.contains("\"health\":\"ok\""));
        QVERIFY(!rules.body.contains("\"health\":\"err\""));
    }

    void theLoadGeneratorReachesBothReplicasByName() {
        // The compose load generator resolves scorer-1 and scorer-2 on the compose network.
        const QString query =
            "sum by (replica) (fraud_scorer_request_duration_seconds_count"
            "{job=\"fraud-scorer\",method=\"Score\"})";
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto v = byReplica(query);
                return v.value("scorer-1") >= 50 && v.value("scorer-2") >= 50;
            }(),
            180'000);
        // Both keep card history in the compose Redis.
        QTRY_VERIFY_WITH_TIMEOUT(
            byReplica("fraud_scorer_card_history_up{job=\"fraud-scorer\",store=\"redis\"}") ==
                (QMap<QString, double>{{"scorer-1", 1}, {"scorer-2", 1}}),
            60'000);
        const auto keys = podman({"exec", container("redis"), "redis-cli", "-a", "fraudops-demo",
                                  "--no-auth-warning", "DBSIZE"});
        QVERIFY2(keys.out.trimmed().toInt() > 10, qPrintable(keys.text()));
    }

    void fraudctlOnTheHostScoresThroughBothReplicas() {
        const QString lines = work_.filePath("transactions.jsonl");
        const auto generated = run(trainerBinary(), {"generate", "--count", "20", "--seed", "5"});
        QCOMPARE(generated.exitCode, 0);
        QFile out(lines);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(generated.out);
        out.close();
        for (const int port : {scorer1Port_, scorer2Port_}) {
            const auto scored = run(
                fraudctlBinary(),
                {"score", "--endpoint", QStringLiteral("127.0.0.1:%1").arg(port), "--file", lines});
            QVERIFY2(scored.exitCode == 0, qPrintable(scored.text()));
            QVERIFY2(scored.out.contains("20 scored") && scored.out.contains("0 failed"),
                     qPrintable(scored.text()));
        }
    }

    void podmanStopDrainsWithoutAFailedCall() {
        // Load on scorer-1 from the host; once it flows, `podman stop`: the replica turns
        // NOT_SERVING and keeps answering for its drain (5 s), then stops with code 0.
        const QString status = work_.filePath("drain-status.json");
        ChildProcess load;
        load.start(loadgenBinary(), {"--target", QStringLiteral("127.0.0.1:%1").arg(scorer1Port_),
                                     "--mode", "closed", "--concurrency", "8", "--warmup", "0",
                                     "--duration", "3", "--cards", "5000", "--card-prefix", "drain",
                                     "--status-file", status, "--json", "--quiet"});
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                QFile f(status);
                if (!f.open(QIODevice::ReadOnly))
                    return false;
                return QJsonDocument::fromJson(f.readAll()).object()["completed"].toDouble() > 0;
            }(),
            30'000);
        ChildProcess stop;
        stop.start("podman", {"stop", "-t", "20", container("scorer-1")});
        // Health says so at once, while calls still succeed.
        QTRY_VERIFY_WITH_TIMEOUT(
            run(scorerBinary(),
                {"probe", "--listen", QStringLiteral("127.0.0.1:%1").arg(scorer1Port_)}, 10s)
                .out.contains("NOT_SERVING"),
            5'000);
        QVERIFY(load.waitForExit(60s));
        const auto report =
            QJsonDocument::fromJson(load.process().readAllStandardOutput()).object();
        const auto codes = report["measured"].toObject()["codes"].toObject();
        QVERIFY2(codes.keys() == QStringList{"OK"}, qPrintable(QJsonDocument(report).toJson()));
        QVERIFY(codes["OK"].toDouble() > 0);
        QVERIFY(stop.waitForExit(60s));
        QCOMPARE(podman({"inspect", "--format", "{{.State.ExitCode}}", container("scorer-1")})
                     .out.trimmed(),
                 QByteArray("0"));
        const auto logs = podman({"logs", container("scorer-1")}).text();
        QVERIFY2(logs.contains("draining for 5000 ms") && logs.contains("] stopped"),
                 qPrintable(logs.right(2000)));
        qInfo("drain: %.0f calls answered during the stop, none failed", codes["OK"].toDouble());
    }

    void aContainerizedReplicaAgainstTheSameScorerNative() {
        // The same registry, the same binary's sources, the same load, one after the other:
        // what the container costs (port forwarding, namespaces) on these two cores.
        QCOMPARE(podman({"stop", "-t", "20", container("loadgen")}).exitCode, 0);
        const auto mount =
            podman({"volume", "inspect", "--format", "{{.Mountpoint}}", project_ + "_registry"});
        QCOMPARE(mount.exitCode, 0);
        const QString registry = work_.filePath("registry");
        QCOMPARE(run("cp", {"-a", QString::fromUtf8(mount.out.trimmed()), registry}).exitCode, 0);
        QString error;
        const auto native = ScorerProcess::start(registry, {}, &error);
        QVERIFY2(native, qPrintable(error));
        const auto nativeReport = closedLoop(native->grpcAddress(), 5, "native");
        const auto containerReport =
            closedLoop(QStringLiteral("127.0.0.1:%1").arg(scorer2Port_), 5, "container");
        const auto measured = [](const QJsonObject& r) { return r["measured"].toObject(); };
        // 16 calls in flight on two workers keep admission control's queue full: when the VM
        // stalls (the hypervisor's steal), the predicted wait passes --max-queue-wait-ms and a
        // few calls are refused, as designed. Refusals beyond 1 %, or any other failure, fail.
        for (const auto& r : {nativeReport, containerReport}) {
            const auto codes = measured(r)["codes"].toObject();
            const QString said =
                QString::fromUtf8(QJsonDocument(codes).toJson(QJsonDocument::Compact));
            const double ok = codes["OK"].toDouble();
            const double refused = codes["RESOURCE_EXHAUSTED"].toDouble();
            QVERIFY2(ok > 0, qPrintable(said));
            QVERIFY2(double(codes.size()) == 1 + (refused > 0), qPrintable(said));
            QVERIFY2(refused <= 0.01 * (ok + refused), qPrintable(said));
        }
        // Calls answered, refusals left out: a refusal costs a fraction of a Score.
        const double nativeRate = measured(nativeReport)["goodput_per_second"].toDouble();
        const double containerRate = measured(containerReport)["goodput_per_second"].toDouble();
        QVERIFY(nativeRate > 0 && containerRate > 0);
        qInfo(
            "closed loop, 16 in flight, 5 s: native %.0f/s (p99 %.2f ms), container %.0f/s "
            "(p99 %.2f ms): %.2fx",
            nativeRate, measured(nativeReport)["latency_ms"].toObject()["p99"].toDouble(),
            containerRate, measured(containerReport)["latency_ms"].toObject()["p99"].toDouble(),
            containerRate / nativeRate);
    }

    void cleanupTestCase() {
        if (!composeUp_)
            return;
        // podman-compose 1.0.3's down -v removes the named volumes only: the anonymous ones
        // (the image's VOLUME in containers that mount nothing there) are looked up first.
        QStringList anonymous;
        for (const QString service : {"loadgen", "prometheus", "redis"}) {
            const auto mounts = podman(
                {"inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}", container(service)});
            for (const auto& name : QString::fromUtf8(mounts.out).split(' ', Qt::SkipEmptyParts)) {
                if (!name.startsWith(project_))
                    anonymous << name;
            }
        }
        const auto down = compose({"down", "-t", "20", "-v"});
        if (down.exitCode != 0)
            qWarning().noquote() << "podman-compose down:" << down.text().right(2000);
        if (!anonymous.isEmpty())
            podman(QStringList{"volume", "rm", "-f"} + anonymous);
    }
};

QTEST_GUILESS_MAIN(ScorerImageTest)
#include "tst_scorer_image.moc"
