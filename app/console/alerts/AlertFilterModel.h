#pragma once

#include <QSortFilterProxyModel>
#include <set>

#include "prometheus/AlertRules.h"

namespace fraudops {

// The Alerts page's filters over AlertTableModel: the states shown, one severity (or all),
// and text found in the alert's name, labels or group. Sorts by AlertTableModel::SortRole.
class AlertFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit AlertFilterModel(QObject* parent = nullptr);

    void setStates(std::set<AlertState> states);
    void setSeverity(const QString& severity);  // "" for every severity
    void setText(const QString& text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    std::set<AlertState> states_{AlertState::Firing, AlertState::Pending, AlertState::Inactive};
    QString severity_;
    QString text_;
};

}  // namespace fraudops
