#pragma once

#include <QAbstractTableModel>
#include <QColor>
#include <optional>

#include "drift/DriftReport.h"

namespace fraudops {

// The Drift page's feature table: one row per input of the stable model, its PSI against the
// training baseline and the canary's against the stable, each with its interval, verdict,
// sample count and missing share. PSI cells carry the usual colour bands (under 0.1, to 0.25,
// above); verdict cells the verdict's colour. Cyclic features say so instead of a verdict.
class FeatureDriftTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Feature,
        StablePsi,
        StableInterval,
        StableVerdict,
        StableScores,
        Missing,
        CanaryPsi,
        CanaryInterval,
        CanaryVerdict,
        CanaryScores,
        DependsOn,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole;  // numbers as numbers, verdicts by severity

    using QAbstractTableModel::QAbstractTableModel;

    // Rows are kept where the features are the same (a refresh), so selections stay put.
    void setReport(DriftReport report);
    const DriftReport& report() const { return report_; }
    const FeatureDriftRow* rowAt(int row) const;
    int rowOf(const QString& feature) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    DriftReport report_;
};

// "drifted", "stable", "not enough data", or why there is no verdict ("cyclic: not judged",
// "no scores in the range", a problem).
QString verdictText(const FeatureDriftRow& row, const DistributionComparison& comparison);
// The verdict that counts (cyclic features and rows without data have none).
std::optional<DriftVerdict> verdictOf(const FeatureDriftRow& row,
                                      const DistributionComparison& comparison);
// "0.012 – 0.048"
QString intervalText(const DistributionComparison& comparison);
// The PSI colour bands: below 0.1, up to 0.25, above.
QColor psiBandColor(double psi);

}  // namespace fraudops
