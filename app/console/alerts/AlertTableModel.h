#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QStringList>
#include <vector>

#include "prometheus/AlertRules.h"

namespace fraudops {

// One row per alert Prometheus has pending or firing, and one per alerting rule that has
// none (inactive), from the latest AlertRules. A refresh that keeps the same alerts updates
// the rows in place (selection and scroll stay); one that adds or removes alerts resets.
class AlertTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { State, Alert, Severity, Since, Value, Labels, Group, Page, Expression, Count };
    enum Role {
        StateRole = Qt::UserRole + 1,  // AlertState, as int
        SeverityRole,                  // "critical", "warning", ...
        PageRole,                      // the page named by the fraudops_page annotation
        KeyRole,                       // stable identity of the row across refreshes
        SortRole,                      // what the column sorts by
    };

    struct Row {
        QString key;
        AlertState state = AlertState::Inactive;
        QString name, severity, group, file, expression, page, health, lastError;
        fraudops::Labels labels;       // the alert's, without alertname and severity
        fraudops::Labels annotations;  // the alert's (filled in), or the rule's (templates)
        QDateTime activeAt;
        std::optional<double> value;

        QString annotation(const char* annotationName) const;
        QString pageTitle() const;  // "Cluster" for fraudops_page "cluster"; "" for none
    };

    explicit AlertTableModel(QObject* parent = nullptr);

    void setRules(const AlertRules& rules);
    // The console's pages: a link to one it lacks is shown disabled.
    void setPageTitles(QStringList titles);
    // What "since" is measured against (the refresh's clock; tests fix it).
    void setNow(const QDateTime& now);

    const Row& row(int r) const { return rows_[static_cast<std::size_t>(r)]; }
    bool hasPage(const QString& page) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

private:
    QVariant display(const Row& row, int column) const;

    std::vector<Row> rows_;
    QStringList pageTitles_;
    QDateTime now_;
};

}  // namespace fraudops
