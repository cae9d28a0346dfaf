#pragma once

#include <QDateTime>
#include <QPointer>
#include <optional>

#include "alerts/AlertFilterModel.h"
#include "alerts/AlertTableModel.h"
#include "prometheus/PrometheusClient.h"
#include "shell/ConsolePage.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTextBrowser;

namespace fraudops {

// What Prometheus evaluates, as it evaluates it (its rules API): every alerting rule with its
// pending and firing alerts (state, since when, value, labels, expression, group), filtered
// by state, severity and text. The selected alert's summary, description, expression and
// runbook are shown below the table, with a button to the page its `fraudops_page`
// annotation names (disabled for a page the console does not have yet). Refreshed on every
// tick, shown or not, so that the page list always says how many alerts fire.
class AlertsPage : public ConsolePage {
    Q_OBJECT
public:
    AlertsPage(ConsoleSession& session, QWidget* parent);

    QString title() const override { return QStringLiteral("Alerts"); }
    void refresh(const TimeWindow& window) override;
    PageContent content() const override;
    QString badge() const override;
    bool refreshesWhenHidden() const override { return true; }

    AlertTableModel& model() { return model_; }
    AlertFilterModel& filter() { return filter_; }
    QTableView& table() const { return *table_; }
    // Opens the page the selected alert names, as its button does; false if it cannot.
    bool openSelectedAlertsPage();
    void selectRow(int proxyRow);

private:
    void onPrometheusClient();
    void onRules(PrometheusClient::RequestId id, const AlertRules& rules);
    void applyFilters();
    void showDetail();
    void updateSummary();

    AlertTableModel model_;
    AlertFilterModel filter_;
    QCheckBox* firing_;
    QCheckBox* pending_;
    QCheckBox* inactive_;
    QComboBox* severity_;
    QLineEdit* text_;
    QLabel* summary_;
    QTableView* table_;
    QTextBrowser* detail_;
    QPushButton* openPage_;
    QPointer<PrometheusClient> client_;
    std::optional<PrometheusClient::RequestId> inFlight_;
    std::optional<AlertRules> rules_;  // the last good answer
    QDateTime rulesAt_;                // when it came
    QString error_;                    // the last answer's error, if it failed
    int firingCount_ = 0;
};

}  // namespace fraudops
