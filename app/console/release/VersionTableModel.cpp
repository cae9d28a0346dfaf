#include "VersionTableModel.h"

#include <QDateTime>
#include <cmath>
#include <limits>

namespace fraudops {

double VersionTableModel::metric(const fraud::v1::ModelInfo& m, const char* name) {
    const auto it = m.metrics().find(std::string("holdout.") + name);
    return it == m.metrics().end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
}

void VersionTableModel::setModels(std::vector<fraud::v1::ModelInfo> models) {
    beginResetModel();
    models_ = std::move(models);
    endResetModel();
}

int VersionTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(models_.size());
}

int VersionTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : Columns;
}

QVariant VersionTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const auto& m = models_[static_cast<std::size_t>(index.row())];
    const auto figure = [&](const char* name) -> QVariant {
        const double v = metric(m, name);
        if (std::isnan(v))
            return QStringLiteral("–");
        return role == Qt::DisplayRole ? QVariant(QString::number(v, 'f', 4)) : QVariant(v);
    };
    if (role == Qt::ToolTipRole && index.column() == Sha256)
        return QString::fromStdString(m.sha256());
    if (role != Qt::DisplayRole && role != Qt::UserRole)
        return {};
    switch (index.column()) {
        case Version:
            return QString::fromStdString(m.version());
        case Role:
            return m.role() == fraud::v1::MODEL_ROLE_STABLE   ? QStringLiteral("stable")
                   : m.role() == fraud::v1::MODEL_ROLE_CANARY ? QStringLiteral("canary")
                                                              : QStringLiteral("archived");
        case RocAuc:
            return figure("roc_auc");
        case PrAuc:
            return figure("pr_auc");
        case Recall:
            return figure("recall_at_1pct_fpr");
        case Schema:
            return QString::fromStdString(m.schema());
        case Created:
            return QDateTime::fromSecsSinceEpoch(m.created().seconds(), Qt::UTC)
                .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
        case Sha256:
            return QString::fromStdString(m.sha256()).left(12);
    }
    return {};
}

QVariant VersionTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* kNames[] = {"Version",          "Role",   "ROC-AUC", "PR-AUC",
                                   "Recall @ 1 % FPR", "Schema", "Created", "sha256"};
    return section >= 0 && section < Columns ? QString::fromLatin1(kNames[section]) : QVariant();
}

}  // namespace fraudops
