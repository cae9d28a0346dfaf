#pragma once

#include <QAbstractTableModel>
#include <map>
#include <optional>
#include <vector>

#include "fraud/v1/control.pb.h"

namespace fraudops {

// The audit log: who changed the rollout, when, what, why, the state before and after, and
// what a runner annotated (the plan step, the gate values that caused it). Newest first.
// With the log's verification, each row says whether its hash-chain link holds, and the rows
// a tampering finding points at are marked.
class AuditTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { When, Chain, Who, Action, Change, Why, Step, Columns };
    using QAbstractTableModel::QAbstractTableModel;

    void setEntries(std::vector<fraud::v1::AuditEntry> entries,
                    const std::optional<fraud::v1::AuditVerification>& verification = {});
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<fraud::v1::AuditEntry> entries_;
    // The tampering findings that point at each line.
    std::map<std::uint32_t, std::vector<fraud::v1::AuditFinding>> findings_;
    bool verified_ = false;
};

}  // namespace fraudops
