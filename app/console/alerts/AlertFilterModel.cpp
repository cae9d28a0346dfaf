#include "alerts/AlertFilterModel.h"

#include "alerts/AlertTableModel.h"

namespace fraudops {

AlertFilterModel::AlertFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(AlertTableModel::SortRole);
}

void AlertFilterModel::setStates(std::set<AlertState> states) {
    if (states == states_)
        return;
    states_ = std::move(states);
    invalidateRowsFilter();
}

void AlertFilterModel::setSeverity(const QString& severity) {
    if (severity == severity_)
        return;
    severity_ = severity;
    invalidateRowsFilter();
}

void AlertFilterModel::setText(const QString& text) {
    if (text == text_)
        return;
    text_ = text;
    invalidateRowsFilter();
}

bool AlertFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const auto* m = sourceModel();
    const QModelIndex i = m->index(sourceRow, AlertTableModel::State, sourceParent);
    const auto state = static_cast<AlertState>(m->data(i, AlertTableModel::StateRole).toInt());
    if (!states_.count(state))
        return false;
    if (!severity_.isEmpty() && m->data(i, AlertTableModel::SeverityRole)
                                        .toString()
                                        .compare(severity_, Qt::CaseInsensitive) != 0)
        return false;
    if (text_.isEmpty())
        return true;
    for (int c : {AlertTableModel::Alert, AlertTableModel::Labels, AlertTableModel::Group}) {
        if (m->data(m->index(sourceRow, c, sourceParent))
                .toString()
                .contains(text_, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

}  // namespace fraudops
