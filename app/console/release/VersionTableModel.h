#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "fraud/v1/control.pb.h"

namespace fraudops {

// The registry's versions with their manifest metrics (ROC-AUC, PR-AUC, recall at 1 % false
// positives on the hold-out set), schema, creation time, role and checksum.
class VersionTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Version, Role, RocAuc, PrAuc, Recall, Schema, Created, Sha256, Columns };
    using QAbstractTableModel::QAbstractTableModel;

    void setModels(std::vector<fraud::v1::ModelInfo> models);
    const std::vector<fraud::v1::ModelInfo>& models() const { return models_; }
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // A hold-out metric of a version, or NaN if its manifest has none.
    static double metric(const fraud::v1::ModelInfo& m, const char* name);

private:
    std::vector<fraud::v1::ModelInfo> models_;
};

}  // namespace fraudops
