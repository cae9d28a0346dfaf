// AlertTableModel and AlertFilterModel under QAbstractItemModelTester: one row per active
// alert and per rule without one; a refresh with the same alerts updates in place, one with
// other alerts resets; the filters by state, severity and text; firing sorts first; a link to
// a page the console lacks is disabled.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include "alerts/AlertFilterModel.h"
#include "alerts/AlertTableModel.h"

using namespace fraudops;

namespace {

AlertRule rule(const QString& name, const QString& severity, const QString& page) {
    AlertRule r;
    r.name = name;
    r.group = "fraudops-scorer";
    r.expression = "up == 0";
    r.labels = {{"severity", severity}};
    r.annotations = {{"summary", name + " summary"}, {"fraudops_page", page}};
    r.health = "ok";
    return r;
}

ActiveAlert alert(AlertState state, const QString& instance, double value) {
    ActiveAlert a;
    a.state = state;
    a.labels = {{"alertname", "X"}, {"severity", "critical"}, {"instance", instance}};
    a.annotations = {{"summary", "on " + instance}};
    a.activeAt = QDateTime::fromSecsSinceEpoch(1'800'000'000, Qt::UTC);
    a.value = value;
    return a;
}

AlertRules rules(bool secondFiring) {
    AlertRules out;
    out.groups = 1;
    auto down = rule("FraudScorerDown", "critical", "cluster");
    down.state = AlertState::Firing;
    down.alerts.push_back(alert(AlertState::Firing, "a:1", 0));
    if (secondFiring)
        down.alerts.push_back(alert(AlertState::Pending, "b:1", 0));
    auto drift = rule("FraudFeatureDrift", "warning", "drift");
    auto decline = rule("FraudDeclineRateHigh", "warning", "overview");
    decline.state = AlertState::Pending;
    decline.alerts.push_back(alert(AlertState::Pending, "c:1", 0.12));
    out.rules = {down, drift, decline};
    return out;
}

}  // namespace

class AlertTableModelTest : public QObject {
    Q_OBJECT

private slots:
    void rowsFiltersAndSorting() {
        AlertTableModel model;
        AlertFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester direct(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxied(&filter,
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageTitles({"Overview", "Cluster", "Alerts"});
        model.setNow(QDateTime::fromSecsSinceEpoch(1'800'000'000 + 185, Qt::UTC));
        model.setRules(rules(false));
        QCOMPARE(model.rowCount(), 3);  // one firing, one inactive rule, one pending
        QCOMPARE(model.columnCount(), int(AlertTableModel::Count));
        const auto cell = [&](int row, int column) {
            return model.index(row, column).data().toString();
        };
        QCOMPARE(cell(0, AlertTableModel::State), QString("firing"));
        QCOMPARE(cell(0, AlertTableModel::Labels), QString("instance=a:1"));  // no alertname
        QVERIFY2(cell(0, AlertTableModel::Since).endsWith("(3 min)"),
                 qPrintable(cell(0, AlertTableModel::Since)));
        QCOMPARE(cell(1, AlertTableModel::State), QString("inactive"));
        QCOMPARE(cell(1, AlertTableModel::Value), QString());
        QCOMPARE(cell(2, AlertTableModel::Value), QString("0.12"));
        // The Drift page does not exist yet: its link is shown, disabled.
        QCOMPARE(cell(1, AlertTableModel::Page), QString("Drift (not built yet)"));
        QVERIFY(!(model.flags(model.index(1, AlertTableModel::Page)) & Qt::ItemIsEnabled));
        QVERIFY(model.flags(model.index(0, AlertTableModel::Page)) & Qt::ItemIsEnabled);
        QVERIFY(model.hasPage("cluster") && !model.hasPage("drift"));

        // The same alerts again: in place. Another alert: a reset.
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setRules(rules(false));
        QCOMPARE(reset.count(), 0);
        QCOMPARE(changed.count(), 1);
        model.setRules(rules(true));
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model.rowCount(), 4);

        // Firing first, then pending, then inactive.
        filter.sort(AlertTableModel::State, Qt::AscendingOrder);
        const auto shown = [&](int row) {
            return filter.index(row, AlertTableModel::State).data().toString();
        };
        QCOMPARE(shown(0), QString("firing"));
        QCOMPARE(shown(1), QString("pending"));
        QCOMPARE(shown(3), QString("inactive"));

        filter.setStates({AlertState::Firing});
        QCOMPARE(filter.rowCount(), 1);
        filter.setStates({AlertState::Firing, AlertState::Pending});
        QCOMPARE(filter.rowCount(), 3);
        filter.setSeverity("warning");
        QCOMPARE(filter.rowCount(), 1);  // the pending decline alert
        QCOMPARE(filter.index(0, AlertTableModel::Alert).data().toString(),
                 QString("FraudDeclineRateHigh"));
        filter.setSeverity({});
        filter.setText("b:1");
        QCOMPARE(filter.rowCount(), 1);
        filter.setText({});
        filter.setStates({AlertState::Firing, AlertState::Pending, AlertState::Inactive});
        QCOMPARE(filter.rowCount(), 4);

        // No rules at all: an empty model.
        model.setRules({});
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(filter.rowCount(), 0);
    }
};

QTEST_MAIN(AlertTableModelTest)
#include "tst_alert_table_model.moc"
