// The Decisions page on a real local cluster with live demo traffic, offscreen: the feed
// fills from both replicas; every explanation sums to its margin, and the detail view says
// so; a filter holds for decisions that arrive later (the scorers filter too); pausing stops
// updates while the cluster goes on scoring; the kept rows stay within the bound, and the
// decision being read stays when its row is trimmed. Its models run under
// QAbstractItemModelTester throughout.
#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <set>

#include "ConsoleProbe.h"
#include "TestEnvironment.h"
#include "cluster/LocalCluster.h"
#include "decisions/DecisionDetailView.h"
#include "decisions/DecisionsPage.h"
#include "decisions/ExplanationWaterfall.h"
#include "decisions/ReplayPanel.h"
#include "decisions/TestTransactionPanel.h"
#include "decisions/TransactionForm.h"
#include "shell/ConsoleWindow.h"

using namespace fraudops;
using namespace fraudops::test;

class ConsoleDecisionsTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<LocalCluster> cluster_;
    std::unique_ptr<ConsoleWindow> window_;
    std::unique_ptr<QAbstractItemModelTester> modelTester_, filterTester_;

    DecisionsPage* page() const { return window_->page<DecisionsPage>(); }
    DecisionTableModel& model() const { return page()->model(); }
    std::string newest() const {
        const auto d = model().decisionAt(0);
        return d ? d->transaction().transaction_id() : std::string();
    }
    // Rows that arrived after the row with `id` (newest first), or -1 if it fell off.
    int arrivedSince(const std::string& id) const {
        for (int r = 0; r < model().rowCount(); ++r) {
            if (model().decisionAt(r)->transaction().transaction_id() == id)
                return r;
        }
        return -1;
    }

    // FRAUDOPS_PICTURES_DIR set: the window as it is now, to look at.
    void picture(const QString& name) {
        const QString dir = qEnvironmentVariable("FRAUDOPS_PICTURES_DIR");
        if (!dir.isEmpty())
            window_->grab().save(QDir(dir).filePath(name + ".png"));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        useOwnSettings(dir_.path(), "tst_console_decisions");
        LocalCluster::Config config;
        config.binDir = QFileInfo(scorerBinary()).absolutePath();
        QVERIFY(QProcess::execute("cp", {"-r", transactionRegistry(), dir_.filePath("registry")}) ==
                0);
        config.registry = dir_.filePath("registry");
        config.workDir = dir_.filePath("work");
        config.scrapeInterval = std::chrono::seconds(1);
        config.historyHours = 1;  // a short warm-up: the feed is what is tested
        cluster_ = std::make_unique<LocalCluster>(config);
        cluster_->start();
        window_ = std::make_unique<ConsoleWindow>(ProfileStore::local(), cluster_.get());
        window_->setRefreshInterval(std::chrono::milliseconds(1000));
        window_->show();
        QVERIFY(window_->showPage("decisions"));
        QVERIFY(page());
        modelTester_ = std::make_unique<QAbstractItemModelTester>(
            &page()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        filterTester_ = std::make_unique<QAbstractItemModelTester>(
            &page()->filter(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    }

    void theFeedFillsFromBothReplicas() {
        QTRY_VERIFY_WITH_TIMEOUT(model().rowCount() >= 200, 300'000);
        QCOMPARE(page()->state().kind, PageState::Kind::Live);
        std::set<std::string> replicas;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                replicas.clear();
                for (int r = 0; r < model().rowCount(); ++r)
                    replicas.insert(model().decisionAt(r)->replica());
                return replicas.size() == 2;
            }(),
            60'000);
        QVERIFY(page()->content().complete);
        QVERIFY2(page()->content().summary.endsWith("from 2 replicas"),
                 qPrintable(page()->content().summary));
        // What the feed is: a sample out of the cluster's rate (Prometheus), and what dropped.
        QTRY_VERIFY2_WITH_TIMEOUT(page()->feedSummary().contains(" decisions, ") &&
                                      page()->feedSummary().contains("out of"),
                                  qPrintable(page()->feedSummary()), 60'000);
        QVERIFY2(page()->feedSummary().contains("dropped; from 2 of 2 replicas"),
                 qPrintable(page()->feedSummary()));
    }

    void explanationsSumToTheirMargins() {
        int declined = -1;
        for (int r = 0; r < model().rowCount(); ++r) {
            const auto d = model().decisionAt(r);
            QVERIFY(d->result().has_explanation());
            const auto& e = d->result().explanation();
            // The contributions in double against the float-summed served margin.
            QVERIFY2(std::abs(explanationResidual(e)) < 1e-5,
                     qPrintable(QString::number(explanationResidual(e))));
            const auto data = explanationWaterfall(d->result(), nullptr);
            QVERIFY(std::abs(data.end() - e.margin()) < 1e-5);
            if (declined < 0 && d->result().decision() == fraud::v1::DECISION_DECLINE)
                declined = r;
        }
        QVERIFY2(declined >= 0, "no declined decision among the rows");
        const std::string id = model().decisionAt(declined)->transaction().transaction_id();
        page()->setTextFilter(QString::fromStdString(id));
        QTRY_COMPARE_WITH_TIMEOUT(page()->filter().rowCount(), 1, 5'000);
        page()->selectRow(0);
        auto& detail = page()->detail();
        QVERIFY(detail.decision());
        QCOMPARE(detail.decision()->transaction().transaction_id(), id);
        QVERIFY2(detail.sumText().startsWith("The explanation sums to the margin"),
                 qPrintable(detail.sumText()));
        // The version's thresholds are marked, and features placed in its training baseline.
        QTRY_VERIFY_WITH_TIMEOUT(detail.waterfall().data().markers.size() == 2, 10'000);
        QVERIFY(std::any_of(
            detail.waterfall().data().steps.begin(), detail.waterfall().data().steps.end(),
            [](const WaterfallStep& s) { return s.detail.contains("% of training"); }));
        const auto json = QJsonDocument::fromJson(detail.json().toUtf8()).object();
        QCOMPARE(json.value("transaction").toObject().value("transaction_id").toString(),
                 QString::fromStdString(id));
        QCOMPARE(json.value("result").toObject().value("decision").toString(),
                 QString("DECISION_DECLINE"));
        page()->setTextFilter({});
    }

    void aFilterHoldsForArrivingDecisions() {
        page()->setDecisionFilter({fraud::v1::DECISION_DECLINE});
        const std::string mark = newest();
        // The scorers send declines only now: every row that arrives is one.
        QTRY_VERIFY_WITH_TIMEOUT(arrivedSince(mark) >= 5, 120'000);
        for (int r = 0; r < arrivedSince(mark); ++r)
            QCOMPARE(model().decisionAt(r)->result().decision(), fraud::v1::DECISION_DECLINE);
        auto& filter = page()->filter();
        QVERIFY(filter.rowCount() > 0);
        for (int r = 0; r < filter.rowCount(); ++r) {
            QCOMPARE(filter.index(r, DecisionTableModel::Decision).data().toString(),
                     QString("decline"));
        }
        page()->setDecisionFilter({});
        const std::string after = newest();
        QTRY_VERIFY_WITH_TIMEOUT(arrivedSince(after) >= 20, 60'000);
        std::set<int> outcomes;
        for (int r = 0; r < arrivedSince(after); ++r)
            outcomes.insert(model().decisionAt(r)->result().decision());
        QVERIFY(outcomes.contains(fraud::v1::DECISION_APPROVE));
    }

    void pausingStopsUpdates() {
        page()->setPaused(true);
        const int rows = model().rowCount();
        const std::string top = newest();
        // A witness watching the same cluster sees it go on scoring meanwhile.
        fraud::v1::WatchDecisionsRequest everything;
        auto witness = window_->session().watchDecisions(everything);
        witness->start();
        std::size_t seen = 0;
        QTRY_VERIFY_WITH_TIMEOUT(
            (seen += witness->take(1000, std::chrono::milliseconds(0)).size()) >= 50, 60'000);
        witness->stop();
        QCOMPARE(model().rowCount(), rows);
        QCOMPARE(newest(), top);
        QVERIFY2(page()->feedSummary().startsWith("Paused"), qPrintable(page()->feedSummary()));
        page()->setPaused(false);
        QTRY_VERIFY_WITH_TIMEOUT(newest() != top, 60'000);
    }

    void keepsTheNewestWithinTheBound() {
        page()->setCapacity(100);
        QCOMPARE(model().rowCount(), 100);
        const std::string mark = newest();
        QTRY_VERIFY_WITH_TIMEOUT(arrivedSince(mark) >= 20 || arrivedSince(mark) < 0, 60'000);
        QCOMPARE(model().rowCount(), 100);
    }

    // The decision an analyst reads stays when its row is trimmed off the end of a busy feed;
    // the selection goes with the row instead of moving to its neighbour (and to the next one
    // at every batch, the detail jumping and drawn again each time).
    void theDetailStaysWhenItsRowLeaves() {
        page()->setCapacity(100);
        page()->selectRow(0);
        auto& detail = page()->detail();
        const auto chosen = detail.decision();
        QVERIFY(chosen);
        QVERIFY(!detail.leftTable());
        const std::string id = chosen->transaction().transaction_id();
        // Whatever the selection model reports on the way, it is the chosen row or none.
        QStringList selectedOnTheWay;
        auto* selection = page()->table().selectionModel();
        const auto watch =
            connect(selection, &QItemSelectionModel::selectionChanged, this, [&, selection] {
                const auto rows = selection->selectedRows();
                const auto d =
                    rows.isEmpty()
                        ? nullptr
                        : model().decisionAt(page()->filter().mapToSource(rows[0]).row());
                selectedOnTheWay << (d ? QString::fromStdString(d->transaction().transaction_id())
                                       : QString());
            });
        QTRY_VERIFY_WITH_TIMEOUT(arrivedSince(id) < 0, 60'000);
        const std::string mark = newest();  // more batches after it left
        QTRY_VERIFY_WITH_TIMEOUT(arrivedSince(mark) >= 20 || arrivedSince(mark) < 0, 60'000);
        disconnect(watch);
        QCOMPARE(detail.decision(), chosen);
        QVERIFY(detail.leftTable());
        QVERIFY(!selectedOnTheWay.isEmpty());
        QCOMPARE(selectedOnTheWay.last(), QString());  // cleared, not moved
        selectedOnTheWay.removeAll(QString());
        selectedOnTheWay.removeAll(QString::fromStdString(id));
        QVERIFY2(selectedOnTheWay.isEmpty(), qPrintable(selectedOnTheWay.join(", ")));
        QVERIFY(selection->selectedRows().isEmpty());
        const auto* heading = detail.findChild<QLabel*>("decisionHeading");
        QVERIFY2(heading->text().contains("No longer in the table: only the newest 100"),
                 qPrintable(heading->text()));
        page()->selectRow(0);  // choosing another shows it
        QVERIFY(detail.decision() != chosen);
        QVERIFY(!detail.leftTable());
        QVERIFY(!heading->text().contains("No longer in the table"));
    }

    // What-if from a live decision re-scores it unchanged first, and reproduces its live score
    // exactly (the card's history knows the transaction's id, so it is not its own history);
    // a changed amount is then shown side by side with the live explanation.
    void whatIfReproducesTheLiveScore() {
        auto& panel = page()->testPanel();
        QAbstractItemModelTester tester(&panel.comparison(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy scored(&panel, &TestTransactionPanel::scored);
        int tried = 0;
        for (int r = 0; r < model().rowCount() && tried < 5; ++r, ++tried) {
            const auto live = model().decisionAt(r);
            page()->startWhatIf(live);
            QVERIFY(scored.wait(20'000));
            QVERIFY2(panel.result(), qPrintable(panel.resultText()));
            QCOMPARE(panel.result()->score(), live->result().score());  // exactly
            QVERIFY2(panel.reproductionText().contains("exactly the live score"),
                     qPrintable(panel.reproductionText()));
        }
        const auto live = model().decisionAt(0);
        page()->startWhatIf(live);
        QVERIFY(scored.wait(20'000));
        auto tx = live->transaction();
        tx.set_amount(tx.amount() * 4 + 100);
        panel.form().setTransaction(tx);
        QVERIFY(panel.score());
        QVERIFY(scored.wait(20'000));
        QVERIFY(panel.result());
        const auto& rows = panel.comparison().rows();
        QVERIFY(!rows.empty());
        const auto amount = std::find_if(rows.begin(), rows.end(),
                                         [](const auto& row) { return row.feature == "amount"; });
        QVERIFY(amount != rows.end());
        // Feature values travel as the floats the model reads.
        QCOMPARE(amount->valueAfter, double(float(tx.amount())));
        QCOMPARE(amount->valueBefore, double(float(live->transaction().amount())));
        picture("what-if");
    }

    void theFormValidatesBeforeSending() {
        auto& panel = page()->testPanel();
        panel.applyPreset(PresetKind::Legitimate);
        auto tx = panel.form().transaction();
        tx.set_amount(-5);
        panel.form().setTransaction(tx);
        QVERIFY(!panel.score());
        QVERIFY2(panel.form().errorText().startsWith("amount:"),
                 qPrintable(panel.form().errorText()));
        tx.set_amount(20);
        tx.set_merchant_category("54");
        panel.form().setTransaction(tx);
        QVERIFY(!panel.score());
        QVERIFY2(panel.form().errorText().startsWith("merchant_category:"),
                 qPrintable(panel.form().errorText()));
    }

    void presetsAndTheDecisionBoundary() {
        auto& panel = page()->testPanel();
        QSignalSpy scored(&panel, &TestTransactionPanel::scored);
        QSignalSpy found(&panel, &TestTransactionPanel::boundaryFound);
        panel.applyPreset(PresetKind::CardTesting);
        QVERIFY(panel.prior().size() >= 6);
        QVERIFY(panel.score());
        QVERIFY(scored.wait(20'000));
        QVERIFY2(panel.result() && panel.result()->decision() == fraud::v1::DECISION_DECLINE,
                 qPrintable(panel.resultText()));
        // The same dry run again scores the same: the first recorded nothing.
        const double first = panel.result()->score();
        QVERIFY(panel.score());
        QVERIFY(scored.wait(20'000));
        QCOMPARE(panel.result()->score(), first);

        panel.applyPreset(PresetKind::Legitimate);
        QVERIFY(panel.score());
        QVERIFY(scored.wait(20'000));
        QCOMPARE(panel.result()->decision(), fraud::v1::DECISION_APPROVE);
        QVERIFY(panel.findBoundary());
        QVERIFY(found.wait(20'000));
        QVERIFY2(panel.boundary() && panel.boundary()->flips_size() > 0,
                 qPrintable(panel.boundaryText()));
        const auto flip = panel.boundary()->flips(0);
        QVERIFY2(panel.boundaryText().contains(" at ") && panel.boundaryText().contains("EUR"),
                 qPrintable(panel.boundaryText()));
        // One cent past the boundary the decision has flipped, as the text says.
        auto tx = panel.form().transaction();
        tx.set_amount(std::ceil(flip.value() * 100 - 1e-6) / 100 + (flip.above() ? 0 : -0.01));
        panel.form().setTransaction(tx);
        QVERIFY(panel.score());
        QVERIFY(scored.wait(20'000));
        QCOMPARE(panel.result()->decision(), flip.decision());
        picture("test-transaction");
    }

    // A file replayed from the page: every row scored as a dry run, the summary drawn, the
    // results exported with their top contributions.
    void replaysAFile() {
        QProcess generate;
        const QString file = dir_.filePath("replay.jsonl");
        generate.setStandardOutputFile(file);
        generate.start(trainerBinary(), {"generate", "--count", "2000", "--seed", "5", "--cards",
                                         "5000", "--txns-per-card-per-day", "20"});
        QVERIFY(generate.waitForFinished(60'000));
        QCOMPARE(generate.exitCode(), 0);
        auto& panel = page()->replayPanel();
        QSignalSpy finished(&panel, &ReplayPanel::replayFinished);
        panel.setPath(file);
        panel.setRate(0);
        QVERIFY(panel.start());
        QVERIFY(finished.wait(120'000));
        const auto& s = *panel.summary();
        QCOMPARE(s.rows, quint64(2000));
        QCOMPARE(s.scored, quint64(2000));
        quint64 histogram = 0;
        for (auto n : s.scoreHistogram)
            histogram += n;
        QCOMPARE(histogram, s.scored);
        QVERIFY2(panel.statusText().contains("done"), qPrintable(panel.statusText()));
        QString error;
        const QString exported = dir_.filePath("exported.csv");
        QVERIFY2(panel.exportResults(exported, &error), qPrintable(error));
        QFile csv(exported);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll().count('\n'), 2001);
        page()->findChild<QTabWidget*>("decisionTabs")->setCurrentWidget(&panel);
        picture("replay");
    }

    void cleanupTestCase() {
        filterTester_.reset();
        modelTester_.reset();
        window_.reset();
        if (cluster_)
            cluster_->stop();
    }
};

QTEST_MAIN(ConsoleDecisionsTest)
#include "tst_console_decisions.moc"
