// ReplicaTableModel under QAbstractItemModelTester (through a sort proxy, as the Cluster page
// uses it): rows replaced in place keep their order, rows that change shape reset the model,
// sorting by the numeric role orders numbers as numbers.
#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QtTest>

#include "cluster/ReplicaTableModel.h"

using fraudops::ReplicaRow;
using fraudops::ReplicaTableModel;

namespace {

ReplicaRow row(const QString& name, double scores, int restarts) {
    ReplicaRow r;
    r.name = name;
    r.address = "127.0.0.1:" + QString::number(40000 + restarts);
    r.health = fraudops::ReplicaHealth::Up;
    r.generation = 3;
    r.stableVersion = "v1";
    r.scoresPerSecond = scores;
    r.restarts = restarts;
    r.uptimeSeconds = 3600;
    return r;
}

}  // namespace

class ReplicaTableModelTest : public QObject {
    Q_OBJECT

private slots:
    void passesTheModelTester() {
        ReplicaTableModel model;
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(Qt::UserRole);
        QAbstractItemModelTester tester(&proxy,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester direct(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRows({row("local-0", 950, 0), row("local-1", 80, 2)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), int(ReplicaTableModel::ColumnCount));
        // The same replicas: updated in place.
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setRows({row("local-0", 1000, 0), row("local-1", 90, 3)});
        QCOMPARE(reset.count(), 0);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.index(1, ReplicaTableModel::Restarts).data().toInt(), 3);
        // A replica more: a reset.
        model.setRows({row("local-0", 1000, 0), row("local-1", 90, 3), row("local-2", 120, 0)});
        QCOMPARE(reset.count(), 1);
        // Sorting by scores/s orders 90 < 120 < 1000 (numbers, not strings).
        proxy.sort(ReplicaTableModel::ScoresPerSecond, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, ReplicaTableModel::Name).data().toString(), QString("local-1"));
        QCOMPARE(proxy.index(2, ReplicaTableModel::Name).data().toString(), QString("local-0"));
        // Unknown values show as a dash and sort as missing.
        ReplicaRow unknown;
        unknown.name = "remote";
        unknown.health = fraudops::ReplicaHealth::Refused;
        model.setRows({unknown});
        // Health is a type; the table says it in words and colours it.
        QCOMPARE(model.index(0, ReplicaTableModel::Health).data().toString(), QString("Refused"));
        QCOMPARE(model.index(0, ReplicaTableModel::Health)
                     .data(Qt::ForegroundRole)
                     .value<QBrush>()
                     .color(),
                 QColor(198, 40, 40));
        QCOMPARE(model.index(0, ReplicaTableModel::P99).data().toString(), QString("—"));
        QVERIFY(!model.index(0, ReplicaTableModel::P99).data(Qt::UserRole).isValid());
        model.setRows({});
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(ReplicaTableModelTest)
#include "tst_replica_table_model.moc"
