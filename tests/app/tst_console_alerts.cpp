// The Alerts page, offscreen, on a real local cluster whose Prometheus loads the project's
// rules (resources/prometheus/rules.yml) and evaluates them every 5 s:
//  - three minutes of healthy demo traffic raise no alert, pending or firing;
//  - a replica stopped with SIGSTOP (SIGKILL would not do: the supervisor restarts it within a
//    second) fires FraudScorerDown on the page, its count appears beside the page's name, and
//    the alert opens the Cluster page; SIGCONT clears it;
//  - an alert whose page the console does not have yet cannot be followed;
//  - a frozen Prometheus shows as an error while the event loop keeps turning.
#include <signal.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListWidget>
#include <QPushButton>
#include <QTableView>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>
#include <optional>

#include "ConsoleProbe.h"
#include "HttpGet.h"
#include "TestEnvironment.h"
#include "alerts/AlertsPage.h"
#include "cluster/LocalCluster.h"
#include "shell/ConsoleWindow.h"

using namespace fraudops;
using namespace fraudops::test;

namespace {

// The longest the event loop went without running a 20 ms timer, while it runs.
class LoopWatch {
public:
    LoopWatch() {
        QObject::connect(&timer_, &QTimer::timeout,
                         [this] { longest_ = std::max(longest_, clock_.restart()); });
        clock_.start();
        timer_.start(20);
    }
    qint64 longestGapMs() const { return longest_; }

private:
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 longest_ = 0;
};

}  // namespace

class ConsoleAlertsTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<LocalCluster> cluster_;
    std::unique_ptr<ConsoleWindow> window_;

    AlertsPage* page() const { return window_->page<AlertsPage>(); }
    // The page's rows of that alert, pending or firing, as "state instance".
    QStringList active(const QString& alertname) const {
        QStringList out;
        auto& model = page()->model();
        for (int r = 0; r < model.rowCount(); ++r) {
            const auto& row = model.row(r);
            if (row.name == alertname && row.state != AlertState::Inactive) {
                const auto it = row.labels.find("replica");
                out << alertStateName(row.state) + " " +
                           (it == row.labels.end() ? QString() : it->second);
            }
        }
        return out;
    }
    QStringList anyActive() const {
        QStringList out;
        auto& model = page()->model();
        for (int r = 0; r < model.rowCount(); ++r) {
            const auto& row = model.row(r);
            if (row.state != AlertState::Inactive)
                out << row.name + " (" + alertStateName(row.state) + ")";
        }
        return out;
    }
    // The share of every Score call so far that took longer than the 2 ms SLO, from the
    // scorers' own latency histograms (cumulative since they started: this test restarts none
    // before asking).
    std::optional<double> slowScoreShare() const {
        QUrlQuery query;
        query.addQueryItem(
            "query",
            R"(1 - sum(fraud_scorer_request_duration_seconds_bucket{method="Score",le="0.002"}))"
            R"( / sum(fraud_scorer_request_duration_seconds_count{method="Score"}))");
        const auto response = httpGet(cluster_->state().prometheusUrl + "/api/v1/query?" +
                                      query.toString(QUrl::FullyEncoded));
        const auto result = QJsonDocument::fromJson(response.body)
                                .object()
                                .value("data")
                                .toObject()
                                .value("result")
                                .toArray();
        if (response.status != 200 || result.size() != 1)
            return std::nullopt;
        bool ok = false;
        const double share =
            result.at(0).toObject().value("value").toArray().at(1).toString().toDouble(&ok);
        return ok ? std::optional<double>(share) : std::nullopt;
    }
    int proxyRowOf(const QString& alertname) const {
        auto& filter = page()->filter();
        for (int r = 0; r < filter.rowCount(); ++r) {
            if (filter.index(r, AlertTableModel::Alert).data().toString() == alertname)
                return r;
        }
        return -1;
    }
    QString listText(const QString& title) const {
        auto* list = window_->findChild<QListWidget*>();
        for (int i = 0; list && i < list->count(); ++i) {
            if (list->item(i)->text().startsWith(title))
                return list->item(i)->text();
        }
        return {};
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        useOwnSettings(dir_.path(), "tst_console_alerts");
        // The console's own defaults (its registry trained as a newcomer's is, two replicas,
        // 50/s, a day of card-history warm-up), so that what stays silent here stays silent
        // for a newcomer.
        LocalCluster::Config config;
        config.binDir = QFileInfo(scorerBinary()).absolutePath();
        config.registry = dir_.filePath("registry");  // empty: trained first
        config.workDir = dir_.filePath("work");
        config.rulesFile = rulesFile();
        config.scrapeInterval = std::chrono::seconds(1);
        cluster_ = std::make_unique<LocalCluster>(config);
        cluster_->start();
        window_ = std::make_unique<ConsoleWindow>(ProfileStore::local(), cluster_.get());
        window_->setRefreshInterval(std::chrono::milliseconds(1000));
        window_->show();
        QVERIFY(window_->showPage("alerts"));
    }

    void theRulesAreLoaded() {
        QTRY_VERIFY_WITH_TIMEOUT(page()->content().complete, 300'000);
        QCOMPARE(page()->state().kind, PageState::Kind::Live);
        // Every alerting rule of the file is a row (inactive or active).
        QVERIFY2(page()->model().rowCount() >= 12, qPrintable(page()->content().summary));
        QVERIFY(proxyRowOf("FraudScorerDown") >= 0);
        QVERIFY(proxyRowOf("PrometheusRuleEvaluationFailures") >= 0);
    }

    void aHealthyClusterRaisesNothingForThreeMinutes() {
        QTRY_VERIFY_WITH_TIMEOUT(cluster_->state().loadPhase == LocalClusterState::LoadPhase::Live,
                                 300'000);
        QStringList seen;
        auto& model = page()->model();
        const auto look = [&] {
            for (const auto& a : anyActive()) {
                if (!seen.contains(a))
                    seen << a;
            }
        };
        connect(&model, &QAbstractItemModel::dataChanged, this, look);
        connect(&model, &QAbstractItemModel::modelReset, this, look);
        // A latency-budget alert is a false alarm only if the scorers were not in fact slower
        // than the SLO: on a slow machine they are (a 2-core Xeon gave p99s of 1-4 ms under
        // the soak), and the alert is then right. That is judged from the scorers' raw
        // histograms, not through the rules' recording rules, so a wrong rule still fails here.
        QStringList trueOnThisMachine;
        const auto falseAlarms = [&] {
            QStringList out;
            for (const auto& a : seen) {
                if (trueOnThisMachine.contains(a))
                    continue;
                const double budget = a.startsWith("FraudScorerLatencyBudgetErosion") ? 3 * 0.01
                                      : a.startsWith("FraudScorerLatencyBudgetBurn")  ? 6 * 0.01
                                                                                      : 0;
                const auto slow = budget > 0 ? slowScoreShare() : std::nullopt;
                if (slow && *slow > budget) {
                    qInfo(
                        "%s is true here: %.1f %% of the Score calls so far took over the 2 ms "
                        "SLO (the alert's threshold: %.0f %%)",
                        qPrintable(a), *slow * 100, budget * 100);
                    trueOnThisMachine << a;
                    continue;
                }
                out << a;
            }
            return out;
        };
        QElapsedTimer clock;
        clock.start();
        // Three minutes of evaluations (every 5 s), each looked at as it arrives.
        QTRY_VERIFY_WITH_TIMEOUT(clock.elapsed() >= 180'000 || !falseAlarms().isEmpty(), 200'000);
        disconnect(&model, nullptr, this, nullptr);
        const auto raised = falseAlarms();
        QVERIFY2(raised.isEmpty(), qPrintable("raised on a healthy cluster: " + raised.join(", ")));
        if (trueOnThisMachine.isEmpty()) {
            QCOMPARE(page()->badge(), QString());
            QCOMPARE(listText("Alerts"), QString("Alerts"));
        }
    }

    void aStoppedReplicaFiresThenClears() {
        const auto replica = cluster_->state().replicas.at(1);
        QVERIFY(replica.pid > 0);
        ::kill(static_cast<pid_t>(replica.pid), SIGSTOP);
        // Shown or not, the page keeps the count beside its name.
        QVERIFY(window_->showPage("overview"));
        QTRY_VERIFY_WITH_TIMEOUT(active("FraudScorerDown").contains("firing " + replica.name),
                                 120'000);
        QCOMPARE(page()->badge(), QString("1"));
        QCOMPARE(listText("Alerts"), QString("Alerts  (1)"));
        QVERIFY(window_->showPage("alerts"));
        const int row = proxyRowOf("FraudScorerDown");
        QVERIFY(row >= 0);
        page()->selectRow(row);
        auto* open = page()->findChild<QPushButton*>("openAlertPage");
        QVERIFY(open && open->isEnabled());
        QCOMPARE(open->text(), QString("Open Cluster"));
        QVERIFY(page()->openSelectedAlertsPage());
        QCOMPARE(window_->currentPage()->title(), QString("Cluster"));

        ::kill(static_cast<pid_t>(replica.pid), SIGCONT);
        QTRY_VERIFY_WITH_TIMEOUT(active("FraudScorerDown").isEmpty(), 120'000);
        QTRY_COMPARE_WITH_TIMEOUT(listText("Alerts"), QString("Alerts"), 30'000);
    }

    void aDriftAlertOpensTheDriftPage() {
        // (A page the console lacks is shown disabled: tst_alert_table_model.)
        QVERIFY(window_->showPage("alerts"));
        const int row = proxyRowOf("FraudFeatureDrift");  // its evidence: the Drift page
        QVERIFY(row >= 0);
        page()->selectRow(row);
        auto* open = page()->findChild<QPushButton*>("openAlertPage");
        QVERIFY(open->isEnabled());
        QCOMPARE(open->text(), QString("Open Drift"));
        QVERIFY(page()->openSelectedAlertsPage());
        QCOMPARE(window_->currentPage()->title(), QString("Drift"));
        QVERIFY(window_->showPage("alerts"));
    }

    void aFrozenPrometheusIsAnErrorAndTheWindowAnswers() {
        const auto pid = cluster_->state().prometheusPid;
        QVERIFY(pid > 0);
        QVERIFY(window_->showPage("alerts"));
        LoopWatch loop;
        ::kill(static_cast<pid_t>(pid), SIGSTOP);
        QTRY_VERIFY_WITH_TIMEOUT(page()->state().kind == PageState::Kind::Error, 60'000);
        QVERIFY2(window_->bannerText().contains("did not answer"),
                 qPrintable(window_->bannerText()));
        QVERIFY2(loop.longestGapMs() < 1000, qPrintable(QString::number(loop.longestGapMs())));
        // The rows it had stay, said to be as of the last answer.
        QVERIFY(page()->model().rowCount() > 0);
        ::kill(static_cast<pid_t>(pid), SIGCONT);
        QTRY_VERIFY_WITH_TIMEOUT(page()->state().kind == PageState::Kind::Live, 60'000);
    }

    void cleanupTestCase() {
        window_.reset();
        QSignalSpy stopped(cluster_.get(), &LocalCluster::stopped);
        cluster_->stop();
        QVERIFY(stopped.wait(30'000));
    }
};

QTEST_MAIN(ConsoleAlertsTest)
#include "tst_console_alerts.moc"
