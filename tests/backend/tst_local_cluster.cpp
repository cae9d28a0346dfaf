// LocalCluster with real processes: it trains an empty registry, starts two replicas, a real
// Prometheus on file_sd targets and demo traffic, all nicer than itself; keeps the desired
// count when a replica is SIGKILLed (counting the restart); scales up (the new replica gets
// traffic and appears in Prometheus) and down; keeps card history in a supervised Redis shared
// by the replicas, or in each replica with its snapshot kept across restarts; and leaves no
// process behind when stopped.
#include <signal.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cerrno>

#include "HttpGet.h"
#include "TestEnvironment.h"
#include "cluster/LocalCluster.h"

using fraudops::LocalCluster;
using fraudops::LocalClusterState;
using fraudops::LocalReplica;
using fraudops::ReplicaHealth;
using namespace fraudops::test;

namespace {

bool processExists(qint64 pid) {
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH);
}

// fraud_scorer_requests_total{code="OK"} summed over methods, from a replica's /metrics.
double scoredBy(const LocalReplica& r) {
    const auto body =
        httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(r.metricsPort)).body;
    double total = 0;
    static const QRegularExpression line(
        R"(^fraud_scorer_requests_total\{[^}]*code="OK"[^}]*\} (\S+)$)");
    for (const auto& l : body.split('\n')) {
        const auto m = line.match(QString::fromUtf8(l));
        if (m.hasMatch())
            total += m.captured(1).toDouble();
    }
    return total;
}

// A process's nice value, from /proc/<pid>/stat (field 19, counted after the command's ')').
int niceOf(qint64 pid) {
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -100;
    const QByteArray text = stat.readAll();
    const auto fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 16 ? fields[16].toInt() : -100;
}

// How many scorer targets Prometheus reports up.
int targetsUp(const QString& prometheusUrl) {
    const auto body =
        httpGet(prometheusUrl + "/api/v1/query?query=sum(up%7Bjob%3D%22fraud-scorer%22%7D)").body;
    const auto result =
        QJsonDocument::fromJson(body).object()["data"].toObject()["result"].toArray();
    return result.isEmpty() ? 0 : result[0].toObject()["value"].toArray()[1].toString().toInt();
}

}  // namespace

class LocalClusterTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<LocalCluster> cluster_;

    const LocalClusterState& state() const { return cluster_->state(); }
    const LocalReplica* replica(int index) const {
        for (const auto& r : state().replicas) {
            if (r.slot == index)
                return &r;
        }
        return nullptr;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        LocalCluster::Config config;
        config.binDir = QFileInfo(scorerBinary()).absolutePath();
        config.registry = dir_.filePath("registry");  // empty: trained first
        config.workDir = dir_.filePath("work");
        config.replicas = 2;
        config.loadRate = 200;
        config.historyHours = 0.5;  // a short warm-up: its progress is seen all the same
        config.trainTransactions = 20'000;
        config.scrapeInterval = std::chrono::seconds(1);
        config.rulesFile = rulesFile();
        cluster_ = std::make_unique<LocalCluster>(config);
    }

    void trainsAnEmptyRegistryThenServes() {
        QSignalSpy changes(cluster_.get(), &LocalCluster::changed);
        cluster_->start();
        QCOMPARE(state().phase, LocalClusterState::Phase::Training);
        QVERIFY(state().message.contains("training v1"));
        QTRY_VERIFY_WITH_TIMEOUT(state().phase != LocalClusterState::Phase::Training, 300'000);
        QCOMPARE(state().phase, LocalClusterState::Phase::Running);
        QVERIFY(QFile::exists(dir_.filePath("registry/models/v2/manifest.json")));
        QTRY_COMPARE_WITH_TIMEOUT(state().upCount(), 2, 120'000);
        QTRY_VERIFY_WITH_TIMEOUT(state().prometheusUp, 60'000);
        QTRY_VERIFY_WITH_TIMEOUT(state().loadRunning, 60'000);
        QVERIFY(changes.count() > 3);
        // The demo traffic warms card histories first, then runs live, sized for its rate.
        QCOMPARE(state().loadCards, 200 * 86'400 / 100);
        QTRY_VERIFY_WITH_TIMEOUT(state().loadPhase == LocalClusterState::LoadPhase::Live, 120'000);
        const bool sawWarmup = std::any_of(changes.begin(), changes.end(), [](const auto& args) {
            return args.at(0).template value<LocalClusterState>().loadPhase ==
                   LocalClusterState::LoadPhase::WarmingUp;
        });
        QVERIFY(sawWarmup);
        // What the Cluster page shows as load is what the generator sends.
        QTRY_VERIFY_WITH_TIMEOUT(std::abs(state().loadSentPerSecond - 200) < 40, 30'000);
        // Prometheus scrapes both (file_sd), and both get traffic.
        QTRY_COMPARE_WITH_TIMEOUT(targetsUp(state().prometheusUrl), 2, 60'000);
        QTRY_VERIFY_WITH_TIMEOUT(scoredBy(*replica(0)) > 0 && scoredBy(*replica(1)) > 0, 60'000);
        // The configuration it wrote for its Prometheus passes promtool, rules included (the
        // project's other Prometheus configs are checked by k8s_manifests).
        QProcess promtool;
        promtool.start("promtool", {"check", "config", dir_.filePath("work/prometheus.yml")});
        QVERIFY(promtool.waitForFinished(60'000));
        const QByteArray said = promtool.readAllStandardOutput() + promtool.readAllStandardError();
        QVERIFY2(promtool.exitCode() == 0, said.constData());
        QVERIFY2(said.contains("SUCCESS: 1 rule files found"), said.constData());
    }

    void childrenRunNicerThanTheConsole() {
        // The console's window goes first on the cores it shares with its cluster.
        const int expected = std::min(19, niceOf(QCoreApplication::applicationPid()) + 10);
        QCOMPARE(cluster_->config().niceness, 10);
        QCOMPARE(niceOf(replica(0)->pid), expected);
        QCOMPARE(niceOf(replica(1)->pid), expected);
        QCOMPARE(niceOf(state().prometheusPid), expected);
        QCOMPARE(niceOf(state().loadPid), expected);
    }

    void aKilledReplicaIsRestartedAndCounted() {
        const qint64 pid = replica(0)->pid;
        QVERIFY(pid > 0);
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        QTRY_COMPARE_WITH_TIMEOUT(replica(0)->restarts, 1, 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(replica(0)->health == ReplicaHealth::Up, 60'000);
        QVERIFY(replica(0)->pid != pid);
        QCOMPARE(replica(0)->lastExit, QString("killed by a signal"));
        QCOMPARE(replica(1)->restarts, 0);
        QTRY_COMPARE_WITH_TIMEOUT(targetsUp(state().prometheusUrl), 2, 60'000);
    }

    void scalingUpAddsAReplicaThatGetsTraffic() {
        cluster_->scaleTo(3);
        QCOMPARE(state().desiredReplicas, 3);
        QTRY_COMPARE_WITH_TIMEOUT(state().upCount(), 3, 60'000);
        QTRY_COMPARE_WITH_TIMEOUT(targetsUp(state().prometheusUrl), 3, 60'000);
        QTRY_VERIFY_WITH_TIMEOUT(scoredBy(*replica(2)) > 0, 60'000);
    }

    void scalingDownStopsReplicas() {
        const qint64 gone = replica(2)->pid;
        cluster_->scaleTo(1);
        QTRY_COMPARE_WITH_TIMEOUT(int(state().replicas.size()), 1, 30'000);
        QCOMPARE(state().replicas[0].slot, 0);
        QTRY_VERIFY_WITH_TIMEOUT(!processExists(gone), 30'000);
        QTRY_COMPARE_WITH_TIMEOUT(targetsUp(state().prometheusUrl), 1, 60'000);
    }

    // The Cluster page's card-history switch: on, a Redis on a Unix socket in the work
    // directory, the replicas restarted onto it and filling it; off, Redis ended and each
    // replica back on its own history, saved to its slot's snapshot at every stop.
    void cardHistoryMovesBetweenReplicasAndRedis() {
        const auto metric = [](const LocalReplica& r, const QString& series) {
            return httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(r.metricsPort))
                .body.contains(series.toUtf8());
        };
        const auto redisKeys = [this] {
            QProcess cli;
            cli.start("redis-cli", {"-s", dir_.filePath("work/redis.sock"), "DBSIZE"});
            cli.waitForFinished(10'000);
            return cli.readAllStandardOutput().trimmed().toInt();
        };
        const qint64 before = replica(0)->pid;
        cluster_->setSharedCardHistory(true);
        QVERIFY(state().sharedCardHistory);
        QTRY_VERIFY_WITH_TIMEOUT(state().redisUp, 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(
            replica(0)->pid != before && replica(0)->health == ReplicaHealth::Up, 60'000);
        // Its snapshot was written as it stopped.
        QVERIFY(QFile::exists(dir_.filePath("work/local-0.cards")));
        QTRY_VERIFY_WITH_TIMEOUT(
            metric(*replica(0), "fraud_scorer_card_history_up{store=\"redis\"} 1"), 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(redisKeys() > 10, 60'000);
        const qint64 redisPid = state().redisPid;
        QVERIFY(processExists(redisPid));

        const qint64 onRedis = replica(0)->pid;
        cluster_->setSharedCardHistory(false);
        QTRY_VERIFY_WITH_TIMEOUT(!state().redisUp && !processExists(redisPid), 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(
            replica(0)->pid != onRedis && replica(0)->health == ReplicaHealth::Up, 60'000);
        QTRY_VERIFY_WITH_TIMEOUT(
            metric(*replica(0), "fraud_scorer_card_history_up{store=\"memory\"} 1"), 30'000);
    }

    void stoppingLeavesNoProcessBehind() {
        std::vector<qint64> pids{state().prometheusPid};
        for (const auto& r : state().replicas)
            pids.push_back(r.pid);
        for (qint64 pid : pids)
            QVERIFY(processExists(pid));
        if (state().loadPid > 0)  // between a load generator's exit and its restart: none
            pids.push_back(state().loadPid);
        QSignalSpy stopped(cluster_.get(), &LocalCluster::stopped);
        cluster_->stop();
        QVERIFY(stopped.wait(30'000));
        for (qint64 pid : pids)
            QVERIFY2(!processExists(pid), qPrintable(QString::number(pid)));
    }
};

QTEST_GUILESS_MAIN(LocalClusterTest)
#include "tst_local_cluster.moc"
