#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "fraud/v1/control.pb.h"

namespace fraudops {

// The audit log: who changed the rollout, when, what, why, the state before and after, and
// what a runner annotated (the plan step, the gate values that caused it). Newest first.
class AuditTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { When, Who, Action, Change, Why, Step, Columns };
    using QAbstractTableModel::QAbstractTableModel;

    void setEntries(std::vector<fraud::v1::AuditEntry> entries);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // "v1 stable, v3 at 20 % (split), generation 14".

private:
    std::vector<fraud::v1::AuditEntry> entries_;
};

}  // namespace fraudops
