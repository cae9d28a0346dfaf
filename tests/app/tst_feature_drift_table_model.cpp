// The Drift page's feature table as a model: it passes QAbstractItemModelTester through a
// refresh in place and a reset; PSI cells carry the colour bands and verdict cells the verdict
// (cyclic features and features without values have none); the sort role sorts numbers as
// numbers and verdicts by severity; and the detail view's bin labels and text.
#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QtTest>
#include <cmath>

#include "charts/HistogramChart.h"
#include "drift/FeatureDriftDetail.h"
#include "drift/FeatureDriftTableModel.h"

using namespace fraudops;

namespace {

FeatureDriftRow row(const QString& name, double psi, DriftVerdict verdict, double samples,
                    bool cyclic = false) {
    FeatureDriftRow r;
    r.feature.name = name;
    r.feature.description = name + " described";
    r.feature.dependsOn = {"amount"};
    r.feature.cyclic = cyclic;
    r.upperEdges = {1, 2, std::numeric_limits<double>::infinity()};
    r.stable.present = samples > 0;
    r.stable.samples = samples;
    r.stable.estimate.psi = psi;
    r.stable.estimate.lower = psi / 2;
    r.stable.estimate.upper = psi * 2;
    r.stable.estimate.windowCount = static_cast<std::uint64_t>(samples);
    r.stable.estimate.verdict = verdict;
    r.stable.missingShare = 0.02;
    r.stable.referenceMissingShare = 0.05;
    r.stable.shares = {0.2, 0.3, 0.5};
    r.stable.referenceShares = {0.3, 0.3, 0.4};
    return r;
}

DriftReport report(bool withCanary) {
    DriftReport r;
    r.stableVersion = "v1";
    r.canaryVersion = withCanary ? "v2" : "";
    r.features = {row("amount", 0.4, DriftVerdict::Drifted, 3000),
                  row("channel", 0.01, DriftVerdict::Stable, 3000),
                  row("hour_of_day", 2.5, DriftVerdict::Drifted, 3000, true),
                  row("new_device", 0.12, DriftVerdict::NotEnoughData, 40),
                  row("seconds_since_last_txn", 0, DriftVerdict::NotEnoughData, 0)};
    if (withCanary) {
        r.features[0].canary = r.features[0].stable;
        r.features[0].canary.samples = 200;
    }
    return r;
}

}  // namespace

class FeatureDriftTableModelTest : public QObject {
    Q_OBJECT

private slots:
    void passesTheModelTesterThroughRefreshesAndResets() {
        FeatureDriftTableModel model;
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(FeatureDriftTableModel::SortRole);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(
            &proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setReport(report(false));
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.columnCount(), int(FeatureDriftTableModel::ColumnCount));

        // The same features again: in place (a selection stays). Other features: a reset.
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setReport(report(true));
        QCOMPARE(reset.count(), 0);
        QCOMPARE(changed.count(), 1);
        auto fewer = report(false);
        fewer.features.pop_back();
        model.setReport(fewer);
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model.rowCount(), 4);
        model.setReport({});
        QCOMPARE(model.rowCount(), 0);
    }

    void cellsSayTheVerdictAndCarryTheBands() {
        FeatureDriftTableModel model;
        model.setReport(report(true));
        const auto cell = [&](int r, int c, int role = Qt::DisplayRole) {
            return model.index(r, c).data(role);
        };
        using M = FeatureDriftTableModel;
        QCOMPARE(cell(0, M::Feature).toString(), QString("amount"));
        QCOMPARE(cell(0, M::StablePsi).toString(), QString("0.400"));
        QCOMPARE(cell(0, M::StableInterval).toString(), QString("0.200 – 0.800"));
        QCOMPARE(cell(0, M::StableVerdict).toString(), QString("drifted"));
        QCOMPARE(cell(0, M::StableScores).toString(), QLocale().toString(3000));
        QVERIFY(cell(0, M::Missing).toString().contains("in training"));
        QCOMPARE(cell(0, M::CanaryScores).toString(), QLocale().toString(200));
        QCOMPARE(cell(0, M::DependsOn).toString(), QString("amount"));
        QCOMPARE(cell(0, M::StablePsi, Qt::BackgroundRole).value<QColor>(), psiBandColor(0.4));
        QCOMPARE(cell(1, M::StablePsi, Qt::BackgroundRole).value<QColor>(), psiBandColor(0.01));
        QVERIFY(psiBandColor(0.4) != psiBandColor(0.01) && psiBandColor(0.12) != psiBandColor(0.4));
        QCOMPARE(cell(1, M::StableVerdict).toString(), QString("stable"));
        // Cyclic: shown, not judged, no band.
        QCOMPARE(cell(2, M::Feature).toString(), QString("hour_of_day (cyclic)"));
        QCOMPARE(cell(2, M::StableVerdict).toString(), QString("cyclic: not judged"));
        QVERIFY(!cell(2, M::StablePsi, Qt::BackgroundRole).isValid());
        QVERIFY(!verdictOf(model.report().features[2], model.report().features[2].stable));
        QVERIFY(cell(2, M::Feature, Qt::ToolTipRole).toString().contains("Cyclic"));
        QCOMPARE(cell(3, M::StableVerdict).toString(), QString("not enough data"));
        QCOMPARE(cell(4, M::StableVerdict).toString(), QString("no values in the range"));
        QCOMPARE(cell(4, M::StablePsi).toString(), QString());
        // Rows without a canary value have an empty canary verdict... unless there is no canary.
        QCOMPARE(cell(1, M::CanaryVerdict).toString(), QString("no values in the range"));
        model.setReport(report(false));
        QCOMPARE(cell(1, M::CanaryVerdict).toString(), QString());
        QCOMPARE(model.headerData(M::StablePsi, Qt::Horizontal, Qt::DisplayRole).toString(),
                 QString("Stable v1 PSI"));
    }

    void sortsNumbersAsNumbersAndVerdictsBySeverity() {
        FeatureDriftTableModel model;
        model.setReport(report(false));
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(FeatureDriftTableModel::SortRole);
        const auto order = [&] {
            QStringList names;
            for (int r = 0; r < proxy.rowCount(); ++r)
                names << proxy.index(r, 0).data().toString();
            return names;
        };
        proxy.sort(FeatureDriftTableModel::StablePsi, Qt::DescendingOrder);
        QCOMPARE(order(), (QStringList{"hour_of_day (cyclic)", "amount", "new_device", "channel",
                                       "seconds_since_last_txn"}));
        proxy.sort(FeatureDriftTableModel::StableVerdict, Qt::DescendingOrder);
        QCOMPARE(order().front(), QString("amount"));  // drifted, then not enough data
        QCOMPARE(order()[1], QString("new_device"));
    }

    void theDetailShowsBothHistogramsAndTheDependencies() {
        QCOMPARE(binLabels({1, 2.5, std::numeric_limits<double>::infinity()}),
                 (std::vector<QString>{"≤ 1", "≤ 2.5", "> 2.5"}));
        FeatureDriftDetail detail(true);
        const auto r = report(true);
        detail.showRow(r.features[0], r);
        QCOMPARE(detail.chart()->bins(), std::size_t(3));
        QCOMPARE(detail.chart()->series().size(), std::size_t(3));  // training, stable, canary
        QCOMPARE(detail.chart()->series()[0].values, (std::vector<double>{30, 30, 40}));
        QVERIFY2(detail.dependencyText().contains("Computed from the transaction's amount."),
                 qPrintable(detail.dependencyText()));
        QVERIFY(detail.dependencyText().contains("Canary v2 against the stable"));
        detail.showRow(r.features[2], r);
        QVERIFY(detail.dependencyText().contains("left out of the verdicts"));
        QCOMPARE(detail.chart()->series().size(), std::size_t(2));
    }
};

QTEST_MAIN(FeatureDriftTableModelTest)
#include "tst_feature_drift_table_model.moc"
