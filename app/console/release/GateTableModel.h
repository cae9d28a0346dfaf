#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "rollout/StepEvidence.h"

namespace fraudops {

// The current step's gates, one row each: verdict, canary and stable values, the interval
// against the limit, the evidence, the sample in cards or requests, and the time left to a
// decision. Values as value types; the page replaces them whole after each look.
class GateTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Gate, Verdict, Canary, Stable, Interval, Evidence, Sample, TimeLeft, Columns };
    using QAbstractTableModel::QAbstractTableModel;

    void setResults(std::vector<rollout::GateResult> results);
    const std::vector<rollout::GateResult>& results() const { return results_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<rollout::GateResult> results_;
};

}  // namespace fraudops
