#include "ReplicaTableModel.h"

#include <QBrush>
#include <QColor>
#include <algorithm>

namespace fraudops {
namespace {

QString uptime(double s) {
    const auto secs = static_cast<qint64>(s);
    if (secs < 120)
        return QStringLiteral("%1 s").arg(secs);
    if (secs < 7200)
        return QStringLiteral("%1 min").arg(secs / 60);
    if (secs < 172800)
        return QStringLiteral("%1 h").arg(secs / 3600);
    return QStringLiteral("%1 d").arg(secs / 86400);
}

}  // namespace

int ReplicaTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int ReplicaTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ReplicaTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* kNames[] = {"Replica", "Address",     "Health",   "Generation",
                                   "Stable",  "Canary",      "Scores/s", "p99 (ms)",
                                   "CPU %",   "Memory (MB)", "Restarts", "Uptime"};
    return section >= 0 && section < ColumnCount ? QString(kNames[section]) : QVariant();
}

QVariant ReplicaTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const ReplicaRow& r = rows_[static_cast<std::size_t>(index.row())];
    const auto number = [&](const std::optional<double>& v, int decimals) -> QVariant {
        if (!v)
            return role == Qt::DisplayRole ? QVariant(QStringLiteral("—")) : QVariant();
        return role == Qt::DisplayRole ? QVariant(QString::number(*v, 'f', decimals))
                                       : QVariant(*v);
    };
    if (role == Qt::ToolTipRole)
        return r.note.isEmpty() ? QVariant() : QVariant(r.note);
    if (role == Qt::ForegroundRole && index.column() == Health) {
        switch (r.health) {
            case ReplicaHealth::Up:
                return QBrush(QColor(46, 125, 50));
            case ReplicaHealth::Down:
            case ReplicaHealth::Refused:
                return QBrush(QColor(198, 40, 40));
            case ReplicaHealth::Unknown:
                return QBrush(QColor(117, 117, 117));
            default:
                return QBrush(QColor(239, 108, 0));
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() >= ScoresPerSecond)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::UserRole)
        return {};
    switch (index.column()) {
        case Name:
            return r.name;
        case Address:
            return r.address;
        case Health:
            return healthName(r.health);
        case Generation:
            if (!r.generation)
                return role == Qt::DisplayRole ? QVariant(QStringLiteral("—")) : QVariant();
            return role == Qt::DisplayRole ? QVariant(QString::number(*r.generation) +
                                                      (r.converged ? "" : " (not converged)"))
                                           : QVariant(*r.generation);
        case Stable:
            return r.stableVersion;
        case Canary:
            return r.canaryVersion;
        case ScoresPerSecond:
            return number(r.scoresPerSecond, 0);
        case P99:
            return number(r.p99Ms, 2);
        case Cpu:
            return number(r.cpuPercent, 0);
        case Memory:
            return number(r.memoryMb, 0);
        case Restarts:
            return r.restarts ? QVariant(*r.restarts) : QVariant(QStringLiteral("—"));
        case Uptime:
            if (!r.uptimeSeconds)
                return role == Qt::DisplayRole ? QVariant(QStringLiteral("—")) : QVariant();
            return role == Qt::DisplayRole ? QVariant(uptime(*r.uptimeSeconds))
                                           : QVariant(*r.uptimeSeconds);
        default:
            return {};
    }
}

void ReplicaTableModel::setRows(std::vector<ReplicaRow> rows) {
    // Same names in the same order: update in place (selection and scroll stay).
    const bool sameShape =
        rows.size() == rows_.size() &&
        std::equal(rows.begin(), rows.end(), rows_.begin(),
                   [](const ReplicaRow& a, const ReplicaRow& b) { return a.name == b.name; });
    if (sameShape) {
        rows_ = std::move(rows);
        if (!rows_.empty())
            emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
}

}  // namespace fraudops
