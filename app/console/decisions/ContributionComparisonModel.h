#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "fraud/v1/transaction.pb.h"

namespace fraudops {

// A what-if side by side: each feature's value and contribution before (the live decision)
// and after (the changed transaction), and how much the contribution moved, largest move
// first. Missing on one side counts as a contribution of 0.
class ContributionComparisonModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Feature, ValueBefore, ValueAfter, Before, After, Change, ColumnCount };
    struct Row {
        QString feature;
        double valueBefore = 0, valueAfter = 0;  // NaN: missing
        double before = 0, after = 0;
    };

    explicit ContributionComparisonModel(QObject* parent = nullptr);

    void setExplanations(const fraud::v1::Explanation& before, const fraud::v1::Explanation& after);
    void clear();
    const std::vector<Row>& rows() const { return rows_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<Row> rows_;
};

}  // namespace fraudops
