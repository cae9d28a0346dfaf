#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <optional>
#include <vector>

#include "cluster/ReplicaHealth.h"

namespace fraudops {

// One replica as the Cluster page shows it: from the local cluster (or the profile), its
// Control status, and Prometheus.
struct ReplicaRow {
    QString name;
    QString address;
    ReplicaHealth health = ReplicaHealth::Unknown;
    std::optional<int> slot;  // a local cluster's replica: its slot (restart, scale)
    std::optional<quint64> generation;
    QString stableVersion, canaryVersion;
    bool converged = true;
    std::optional<double> scoresPerSecond, p99Ms, cpuPercent, memoryMb;
    std::optional<int> restarts;
    std::optional<double> uptimeSeconds;
    QString note;  // the latest load failure, or why the status is unknown
};

// The replicas, a row each, replaced whole by setRows (rows keep their place by name, so
// a selection survives a refresh).
class ReplicaTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Name,
        Address,
        Health,
        Generation,
        Stable,
        Canary,
        ScoresPerSecond,
        P99,
        Cpu,
        Memory,
        Restarts,
        Uptime,
        ColumnCount
    };
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void setRows(std::vector<ReplicaRow> rows);
    const std::vector<ReplicaRow>& rows() const { return rows_; }

private:
    std::vector<ReplicaRow> rows_;
};

}  // namespace fraudops
