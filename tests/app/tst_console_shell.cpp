// The console's shell with nothing to talk to (Prometheus and the scorers on ports where
// nothing listens): only built pages are listed; pages are found by name whatever the case and
// by Ctrl+<n>; F5 refreshes; the range and refresh interval are kept per profile; a custom
// absolute range reaches the charts; what is down shows as down and the console keeps
// working; the Alerts page says when Prometheus has no rules.
#include <QAction>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include "ConsoleProbe.h"
#include "PrometheusProcess.h"
#include "alerts/AlertsPage.h"
#include "charts/TimeSeriesChart.h"
#include "cluster/ClusterPage.h"
#include "overview/OverviewPage.h"
#include "shell/ConnectionStatus.h"
#include "shell/ConsoleWindow.h"
#include "shell/ViewSettings.h"

using namespace fraudops;

namespace {

// A loopback port nothing listens on (the kernel's choice, closed again).
QString deadAddress() {
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return {};
    return QStringLiteral("127.0.0.1:%1").arg(probe.serverPort());
}

}  // namespace

class ConsoleShellTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<ConsoleWindow> window_;

    ConnectionProfile profile(const QString& name) const {
        ConnectionProfile p;
        p.name = name;
        p.scorerEndpoints = {deadAddress(), deadAddress()};
        p.prometheusUrl = "http://" + deadAddress();
        p.scrapeIntervalSeconds = 1;
        return p;
    }
    void open(const QString& name) {
        window_ = std::make_unique<ConsoleWindow>(*ProfileStore().find(name), nullptr);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        test::useOwnSettings(dir_.path(), "tst_console_shell");
        ProfileStore().save(profile("incident"));
        ProfileStore().save(profile("laptop"));
        open("incident");
    }

    void onlyBuiltPagesAreListed() {
        QCOMPARE(window_->pageTitles(),
                 QStringList({"Overview", "Cluster", "Decisions", "Drift", "Release", "Alerts"}));
        for (auto* label : window_->findChildren<QLabel*>())
            QVERIFY2(!label->text().contains("later issue"), qPrintable(label->text()));
    }

    void pagesAreFoundWhateverTheCase() {
        QVERIFY(window_->showPage("cluster"));
        QCOMPARE(window_->currentPage()->title(), QString("Cluster"));
        QVERIFY(window_->showPage("OVERVIEW"));
        QCOMPARE(window_->currentPage()->title(), QString("Overview"));
        QVERIFY(!window_->showPage("Rollouts"));  // not built yet
        QCOMPARE(window_->currentPage()->title(), QString("Overview"));
        QVERIFY(window_->page<ClusterPage>() == window_->page("CLUSTER"));
    }

    void shortcutsSwitchPagesAndRefresh() {
        window_->setRefreshInterval(std::chrono::milliseconds(0));  // only F5 refreshes
        window_->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window_.get()));
        QTest::keyClick(window_.get(), Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(window_->currentPage()->title(), QString("Cluster"));
        QTest::keyClick(window_.get(), Qt::Key_1, Qt::ControlModifier);
        QCOMPARE(window_->currentPage()->title(), QString("Overview"));
        // Each refresh asks every scorer once.
        QSignalSpy rounds(&window_->session().scorers(), &ReplicaStatusPoller::roundFinished);
        QVERIFY(rounds.wait(10'000) || rounds.count() > 0);  // the page switch's refresh
        rounds.clear();
        QTest::keyClick(window_.get(), Qt::Key_F5);
        QVERIFY(rounds.wait(10'000));
        QCOMPARE(rounds.count(), 1);
        rounds.clear();
        QTest::keyClick(window_.get(), Qt::Key_R, Qt::ControlModifier);
        QVERIFY(rounds.wait(10'000));
    }

    void whatIsDownShowsAsDown() {
        window_->setRefreshInterval(std::chrono::milliseconds(1000));
        QVERIFY(window_->showPage("Overview"));
        auto* overview = window_->page<OverviewPage>();
        QTRY_COMPARE_WITH_TIMEOUT(overview->state().kind, PageState::Kind::Error, 30'000);
        QVERIFY2(window_->bannerText().contains("Prometheus"), qPrintable(window_->bannerText()));
        QVERIFY(!window_->pageHasData("Overview"));
        QTRY_VERIFY_WITH_TIMEOUT(
            window_->connectionStatus().prometheusText().contains("not reachable"), 30'000);
        for (auto* chart : overview->findChildren<TimeSeriesChart*>())
            QTRY_COMPARE_WITH_TIMEOUT(chart->overlay(), TimeSeriesChart::Overlay::Error, 30'000);
        QTRY_COMPARE_WITH_TIMEOUT(window_->connectionStatus().scorersText(),
                                  QString("Scorers: 0 of 2 up"), 30'000);
        QVERIFY(window_->showPage("Cluster"));
        auto& rows = window_->page<ClusterPage>()->model();
        QTRY_VERIFY_WITH_TIMEOUT(
            rows.rowCount() == 2 &&
                std::all_of(rows.rows().begin(), rows.rows().end(),
                            [](const ReplicaRow& r) { return r.health == ReplicaHealth::Down; }),
            30'000);
        QTRY_VERIFY_WITH_TIMEOUT(window_->bannerText().contains("do not answer"), 30'000);
        QVERIFY(!window_->pageHasData("Cluster"));
        QVERIFY2(
            window_->page<ClusterPage>()->content().summary.startsWith("2 rows; 0 with a status"),
            qPrintable(window_->page<ClusterPage>()->content().summary));
        QVERIFY(window_->showPage("Overview"));
    }

    void aCustomAbsoluteRangeReachesTheCharts() {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const auto incident = TimeRange::between(now.addSecs(-3 * 3600), now.addSecs(-2 * 3600));
        QVERIFY(incident);
        QVERIFY(!TimeRange::between(now, now.addSecs(-60)));  // backwards: no range
        window_->setRange(*incident);
        QVERIFY(!window_->range().isRelative());
        auto* chart = window_->page<OverviewPage>()->findChildren<TimeSeriesChart*>().first();
        auto* axis = qobject_cast<QDateTimeAxis*>(chart->chart()->axes(Qt::Horizontal).first());
        QVERIFY(axis);
        QTRY_COMPARE_WITH_TIMEOUT(axis->min().toUTC().toSecsSinceEpoch(),
                                  incident->from().toSecsSinceEpoch(), 10'000);
        QCOMPARE(axis->max().toUTC().toSecsSinceEpoch(), incident->to().toSecsSinceEpoch());
        // The picker names it.
        auto* picker = window_->findChild<QComboBox*>("timeRange");
        QVERIFY(picker);
        QCOMPARE(picker->currentText(), incident->label());
        // A preset again: the window moves with the clock.
        window_->setRange(TimeRange::last(std::chrono::minutes(5)));
        QCOMPARE(picker->currentText(), QString("last 5 m"));
    }

    void rangeAndRefreshAreKeptPerProfile() {
        window_->setRange(TimeRange::last(std::chrono::hours(6)));
        window_->setRefreshInterval(std::chrono::seconds(30));
        QVERIFY(window_->selectProfile("laptop"));
        QCOMPARE(window_->profile().name, QString("laptop"));
        QCOMPARE(window_->range(), TimeRange::last(std::chrono::minutes(15)));  // the default
        QCOMPARE(window_->refreshInterval(), std::chrono::milliseconds(5000));
        window_->setRange(TimeRange::last(std::chrono::hours(24)));
        QVERIFY(window_->selectProfile("incident"));
        QCOMPARE(window_->range(), TimeRange::last(std::chrono::hours(6)));
        QCOMPARE(window_->refreshInterval(), std::chrono::milliseconds(30'000));
        // And across restarts of the console.
        open("laptop");
        QCOMPARE(window_->range(), TimeRange::last(std::chrono::hours(24)));
        const auto saved = ViewSettings::load("incident");
        QCOMPARE(saved.range, TimeRange::last(std::chrono::hours(6)));
        QVERIFY(!window_->selectProfile("no-such-profile"));
    }

    void anIntervalThatIsNoPresetIsKept() {
        window_->setRefreshInterval(std::chrono::milliseconds(1500));
        QCOMPARE(window_->refreshInterval(), std::chrono::milliseconds(1500));
        QCOMPARE(window_->findChild<QComboBox*>("refreshInterval")->currentText(),
                 QString("1500 ms"));
        window_->setRefreshInterval(std::chrono::milliseconds(0));
        QCOMPARE(window_->findChild<QComboBox*>("refreshInterval")->currentText(), QString("off"));
    }

    void aPrometheusWithoutRulesIsSaidOnTheAlertsPage() {
        // A real Prometheus that loads no rules file.
        QString error;
        auto prometheus = test::PrometheusProcess::start({}, "fraud-scorer", &error);
        QVERIFY2(prometheus, qPrintable(error));
        auto p = profile("no-rules");
        p.prometheusUrl = prometheus->baseUrl();
        ProfileStore().save(p);
        window_->reloadProfiles();
        QVERIFY(window_->selectProfile("no-rules"));
        window_->setRefreshInterval(std::chrono::milliseconds(500));
        QVERIFY(window_->showPage("alerts"));
        auto* alerts = window_->page<AlertsPage>();
        QTRY_COMPARE_WITH_TIMEOUT(alerts->state().kind, PageState::Kind::NoData, 30'000);
        QVERIFY2(window_->bannerText().contains("has no rules loaded"),
                 qPrintable(window_->bannerText()));
        QCOMPARE(alerts->model().rowCount(), 0);
        QCOMPARE(alerts->badge(), QString());
        // And a Prometheus that is gone is an error, not "no rules".
        prometheus.reset();
        QTRY_COMPARE_WITH_TIMEOUT(alerts->state().kind, PageState::Kind::Error, 30'000);
        QVERIFY2(window_->bannerText().contains("did not answer"),
                 qPrintable(window_->bannerText()));
        window_->setRefreshInterval(std::chrono::milliseconds(0));
        QVERIFY(window_->selectProfile("incident"));
    }

    void cleanupTestCase() { window_.reset(); }
};

QTEST_MAIN(ConsoleShellTest)
#include "tst_console_shell.moc"
