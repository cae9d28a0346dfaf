// The console end to end, offscreen, on its own LocalCluster: two replicas, Prometheus and
// traffic start; Overview shows throughput; a SIGKILLed replica is restarted and the Cluster
// page shows it; scaling to three brings a replica that gets traffic and appears in
// Prometheus; a frozen Prometheus turns the panels to errors while the event loop keeps
// answering, and they recover; stopping leaves no child process behind.
#include <signal.h>

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>
#include <cerrno>

#include "ConsoleProbe.h"
#include "TestEnvironment.h"
#include "charts/TimeSeriesChart.h"
#include "cluster/ClusterPage.h"
#include "cluster/LocalCluster.h"
#include "overview/OverviewPage.h"
#include "scoring/AsyncScoringClient.h"
#include "shell/ConsoleSession.h"
#include "shell/ConsoleWindow.h"
#include "tiles/StatTile.h"

using namespace fraudops;
using namespace fraudops::test;

namespace {

bool processExists(qint64 pid) {
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH);
}

}  // namespace

class ConsoleLocalClusterTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<LocalCluster> cluster_;
    std::unique_ptr<ConsoleWindow> window_;

    const ReplicaRow* row(const QString& name) const {
        return replicaRow(window_->page<ClusterPage>(), name);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        useOwnSettings(dir_.path(), "tst_console_local_cluster");
        // A trained registry, copied: the console's own training is LocalCluster's test.
        QVERIFY(QProcess::execute("cp", {"-r", transactionRegistry(), dir_.filePath("registry")}) ==
                0);
        LocalCluster::Config config;
        config.binDir = QFileInfo(scorerBinary()).absolutePath();
        config.registry = dir_.filePath("registry");
        config.workDir = dir_.filePath("work");
        config.replicas = 2;
        config.loadRate = 200;
        config.historyHours = 0.5;  // the warm-up and drift are tst_console_drift's
        config.scrapeInterval = std::chrono::seconds(1);
        cluster_ = std::make_unique<LocalCluster>(config);
        cluster_->start();
        window_ = std::make_unique<ConsoleWindow>(ProfileStore::local(), cluster_.get());
        window_->setRefreshInterval(std::chrono::milliseconds(1000));
        window_->show();
    }

    void overviewShowsThroughput() {
        QTRY_VERIFY_WITH_TIMEOUT(showsData(*window_, "Overview"), 120'000);
        auto* scores = tileTitled(showOverview(*window_), "Scores");
        QVERIFY(scores);
        QTRY_VERIFY_WITH_TIMEOUT(scores->valueText().toDouble() > 0, 60'000);
        // A healthy cluster sheds nothing, and says so (a value, not "no data").
        auto* shed = tileTitled(showOverview(*window_), "Shed (overload)");
        QVERIFY(shed);
        QTRY_VERIFY_WITH_TIMEOUT(shed->hasValue(), 60'000);
        QCOMPARE(shed->valueText().toDouble(), 0.0);
        QCOMPARE(shed->level(), StatTile::Level::Good);
        QTRY_COMPARE_WITH_TIMEOUT(
            tileTitled(showOverview(*window_), "Replicas up / desired")->valueText(),
            QString("2 / 2"), 60'000);
    }

    void aKilledReplicaIsRestartedAndShown() {
        QTRY_VERIFY_WITH_TIMEOUT(showsData(*window_, "Cluster"), 60'000);
        const auto pid = cluster_->state().replicas.at(0).pid;
        const auto oldAddress = cluster_->state().replicas.at(0).address.toStdString();
        const auto otherAddress = cluster_->state().replicas.at(1).address.toStdString();
        auto& session = window_->session();
        auto* other = session.scoringAt(otherAddress);
        QVERIFY(other && session.scoringAt(oldAddress));
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        QTRY_VERIFY_WITH_TIMEOUT(row("local-0") && row("local-0")->restarts == 1, 60'000);
        QTRY_COMPARE_WITH_TIMEOUT(row("local-0")->health, ReplicaHealth::Up, 60'000);
        // Back on a new port: the session has a client for it, and kept the other replica's
        // (remaking it would have waited, on the GUI thread, for its calls in flight).
        const auto newAddress = cluster_->state().replicas.at(0).address.toStdString();
        QTRY_VERIFY_WITH_TIMEOUT(session.scoringAt(newAddress), 30'000);
        if (newAddress != oldAddress)
            QVERIFY(!session.scoringAt(oldAddress));
        QCOMPARE(session.scoringAt(newAddress)->endpoint().address, newAddress);
        QCOMPARE(session.scoringAt(otherAddress), other);
    }

    void scalingToThreeBringsTraffic() {
        cluster_->scaleTo(3);
        QTRY_VERIFY_WITH_TIMEOUT(row("local-2") && row("local-2")->health == ReplicaHealth::Up,
                                 60'000);
        // In Prometheus (the Cluster page's rates come from it) and receiving traffic.
        QTRY_VERIFY_WITH_TIMEOUT(row("local-2")->scoresPerSecond.value_or(0) > 0, 120'000);
        QTRY_COMPARE_WITH_TIMEOUT(
            tileTitled(showOverview(*window_), "Replicas up / desired")->valueText(),
            QString("3 / 3"), 60'000);
    }

    void frozenPrometheusShowsErrorsAndRecovers() {
        const auto pid = cluster_->state().prometheusPid;
        QVERIFY(pid > 0);
        ::kill(static_cast<pid_t>(pid), SIGSTOP);
        // The event loop keeps answering: a zero-delay timer keeps firing while we wait.
        int ticks = 0;
        QTimer ticker;
        connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
        ticker.start(20);
        const auto charts = showOverview(*window_)->findChildren<TimeSeriesChart*>();
        QVERIFY(!charts.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(charts.begin(), charts.end(),
                        [](auto* c) { return c->overlay() == TimeSeriesChart::Overlay::Error; }),
            60'000);
        QVERIFY(ticks > 10);
        ::kill(static_cast<pid_t>(pid), SIGCONT);
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(charts.begin(), charts.end(),
                        [](auto* c) { return c->overlay() == TimeSeriesChart::Overlay::None; }),
            60'000);
    }

    void stoppingLeavesNoChildBehind() {
        std::vector<qint64> pids{cluster_->state().prometheusPid, cluster_->state().loadPid};
        for (const auto& r : cluster_->state().replicas)
            pids.push_back(r.pid);
        window_.reset();
        QSignalSpy stopped(cluster_.get(), &LocalCluster::stopped);
        cluster_->stop();
        QVERIFY(stopped.wait(30'000));
        for (qint64 pid : pids)
            QVERIFY2(!processExists(pid), qPrintable(QString::number(pid)));
    }
};

QTEST_MAIN(ConsoleLocalClusterTest)
#include "tst_console_local_cluster.moc"
