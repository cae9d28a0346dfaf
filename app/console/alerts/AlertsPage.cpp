#include "alerts/AlertsPage.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "shell/ConsoleSession.h"

namespace fraudops {
AlertsPage::AlertsPage(ConsoleSession& session, QWidget* parent)
    : ConsolePage(session, parent),
      firing_(new QCheckBox("Firing", this)),
      pending_(new QCheckBox("Pending", this)),
      inactive_(new QCheckBox("Inactive", this)),
      severity_(new QComboBox(this)),
      text_(new QLineEdit(this)),
      summary_(new QLabel(this)),
      table_(new QTableView(this)),
      detail_(new QTextBrowser(this)),
      openPage_(new QPushButton("Open page", this)) {
    filter_.setSourceModel(&model_);
    table_->setObjectName("alertsTable");
    table_->setModel(&filter_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(AlertTableModel::State, Qt::AscendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setWordWrap(false);
    // Every column as wide as what it holds; the expression takes the rest (whole in the
    // detail below, and in its tooltip).
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(AlertTableModel::Expression,
                                                     QHeaderView::Stretch);
    table_->verticalHeader()->hide();
    for (QCheckBox* box : {firing_, pending_, inactive_}) {
        box->setChecked(true);
        connect(box, &QCheckBox::toggled, this, &AlertsPage::applyFilters);
    }
    severity_->setObjectName("severityFilter");
    severity_->addItem("All severities", QString());
    severity_->addItem("Critical", QStringLiteral("critical"));
    severity_->addItem("Warning", QStringLiteral("warning"));
    connect(severity_, &QComboBox::currentIndexChanged, this, &AlertsPage::applyFilters);
    text_->setPlaceholderText("Filter by name, label or group");
    text_->setClearButtonEnabled(true);
    connect(text_, &QLineEdit::textChanged, this, &AlertsPage::applyFilters);
    summary_->setObjectName("alertsSummary");
    summary_->setWordWrap(true);
    detail_->setObjectName("alertDetail");
    detail_->setOpenLinks(false);
    openPage_->setObjectName("openAlertPage");
    openPage_->setEnabled(false);
    connect(openPage_, &QPushButton::clicked, this, &AlertsPage::openSelectedAlertsPage);
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &AlertsPage::showDetail);
    connect(&filter_, &QAbstractItemModel::dataChanged, this, &AlertsPage::showDetail);
    connect(table_, &QTableView::activated, this, [this] { openSelectedAlertsPage(); });

    auto* filters = new QHBoxLayout;
    filters->addWidget(new QLabel("Show:", this));
    filters->addWidget(firing_);
    filters->addWidget(pending_);
    filters->addWidget(inactive_);
    filters->addSpacing(12);
    filters->addWidget(severity_);
    filters->addWidget(text_, 1);
    auto* below = new QWidget(this);
    auto* belowLayout = new QVBoxLayout(below);
    belowLayout->setContentsMargins(0, 0, 0, 0);
    belowLayout->addWidget(detail_, 1);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(openPage_);
    belowLayout->addLayout(buttons);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(table_);
    split->addWidget(below);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summary_);
    layout->addLayout(filters);
    layout->addWidget(split, 1);

    connect(&session, &ConsoleSession::prometheusChanged, this, &AlertsPage::onPrometheusClient);
    onPrometheusClient();
    updateSummary();
}

void AlertsPage::onPrometheusClient() {
    if (client_)
        disconnect(client_, nullptr, this, nullptr);
    client_ = session().prometheus();
    inFlight_.reset();
    rules_.reset();
    error_.clear();
    model_.setRules({});
    if (client_)
        connect(client_, &PrometheusClient::alertRulesFinished, this, &AlertsPage::onRules);
    setState(PageState::Kind::Loading);
    updateSummary();
}

void AlertsPage::refresh(const TimeWindow&) {
    // Alerts are about now, whatever the range. One question at a time: a Prometheus that
    // does not answer is asked again only once the last question timed out.
    if (!client_) {
        setState(PageState::Kind::Error, QStringLiteral("No Prometheus to ask: the profile names "
                                                        "none, or the local one is not up yet"));
        return;
    }
    if (!inFlight_)
        inFlight_ = client_->alertRules();
}

void AlertsPage::onRules(PrometheusClient::RequestId id, const AlertRules& rules) {
    if (!inFlight_ || id != *inFlight_)
        return;
    inFlight_.reset();
    session().notePrometheusAnswer(rules.ok(), rules.ok() ? QString() : rules.error->message);
    if (!rules.ok()) {
        error_ = rules.error->message;
        setState(PageState::Kind::Error,
                 rules_ ? QStringLiteral("Prometheus did not answer (%1); showing its alerts as "
                                         "of %2")
                              .arg(error_, rulesAt_.toLocalTime().toString("HH:mm:ss"))
                        : QStringLiteral("Prometheus did not answer: %1").arg(error_));
        updateSummary();
        return;
    }
    error_.clear();
    rules_ = rules;
    rulesAt_ = QDateTime::currentDateTimeUtc();
    model_.setPageTitles(pageTitles());
    model_.setNow(rulesAt_);
    model_.setRules(rules);
    const int firing = rules.count(AlertState::Firing);
    if (firing != firingCount_) {
        firingCount_ = firing;
        emit badgeChanged();
    }
    if (rules.groups == 0)
        setState(PageState::Kind::NoData,
                 QStringLiteral("Prometheus at %1 has no rules loaded: give it "
                                "resources/prometheus/rules.yml (docs/operations.md, \"Alerts\")")
                     .arg(client_->options().baseUrl));
    else
        setState(PageState::Kind::Live);
    updateSummary();
}

void AlertsPage::applyFilters() {
    std::set<AlertState> states;
    if (firing_->isChecked())
        states.insert(AlertState::Firing);
    if (pending_->isChecked())
        states.insert(AlertState::Pending);
    if (inactive_->isChecked())
        states.insert(AlertState::Inactive);
    filter_.setStates(std::move(states));
    filter_.setSeverity(severity_->currentData().toString());
    filter_.setText(text_->text());
    showDetail();
}

void AlertsPage::selectRow(int proxyRow) {
    table_->selectRow(proxyRow);
}

void AlertsPage::showDetail() {
    const auto selected = table_->selectionModel()->selectedRows();
    if (selected.isEmpty()) {
        detail_->setHtml("<i>Select an alert to see what it means and where to look.</i>");
        openPage_->setEnabled(false);
        openPage_->setText("Open page");
        openPage_->setToolTip({});
        return;
    }
    const auto& r = model_.row(filter_.mapToSource(selected.first()).row());
    const QString summary = r.annotation("summary");
    const QString description = r.annotation("description");
    const QString runbook = r.annotation("runbook");
    QString html =
        QStringLiteral("<b>%1</b> — %2, %3<br>")
            .arg(r.name.toHtmlEscaped(), alertStateName(r.state),
                 r.severity.isEmpty() ? QStringLiteral("no severity") : r.severity.toHtmlEscaped());
    if (!summary.isEmpty())
        html += "<p>" + summary.toHtmlEscaped() + "</p>";
    if (!description.isEmpty())
        html += "<p>" + description.toHtmlEscaped() + "</p>";
    html += "<p>Expression (group " + r.group.toHtmlEscaped() + "):<pre>" +
            r.expression.toHtmlEscaped() + "</pre></p>";
    if (!runbook.isEmpty())
        html += "<p>Runbook: " + runbook.toHtmlEscaped() + "</p>";
    if (r.health == QLatin1String("err"))
        html += "<p><b>Prometheus cannot evaluate this rule:</b> " + r.lastError.toHtmlEscaped() +
                "</p>";
    detail_->setHtml(html);
    const bool has = model_.hasPage(r.page);
    const QString page = r.pageTitle();
    openPage_->setEnabled(has);
    openPage_->setText(page.isEmpty() ? QStringLiteral("Open page") : "Open " + page);
    openPage_->setToolTip(page.isEmpty() ? QStringLiteral("The alert names no page")
                          : has          ? QStringLiteral("Show the %1 page").arg(page)
                                : QStringLiteral("The console has no %1 page yet").arg(page));
}

bool AlertsPage::openSelectedAlertsPage() {
    const auto selected = table_->selectionModel()->selectedRows();
    if (selected.isEmpty())
        return false;
    const auto& r = model_.row(filter_.mapToSource(selected.first()).row());
    if (!model_.hasPage(r.page))
        return false;
    emit openPageRequested(r.page);
    return true;
}

void AlertsPage::updateSummary() {
    if (!rules_) {
        summary_->setText(client_ ? QStringLiteral("Asking Prometheus at %1 for its rules…")
                                        .arg(client_->options().baseUrl)
                                  : QStringLiteral("No Prometheus to ask yet."));
        return;
    }
    const int rules = static_cast<int>(rules_->rules.size());
    if (rules_->groups == 0) {
        summary_->setText(
            QStringLiteral("Prometheus at %1 evaluates no rules.").arg(client_->options().baseUrl));
        return;
    }
    summary_->setText(
        QStringLiteral("%1 firing, %2 pending; %3 alerting and %4 recording rules "
                       "in %5 groups, evaluated by Prometheus at %6%7")
            .arg(rules_->count(AlertState::Firing))
            .arg(rules_->count(AlertState::Pending))
            .arg(rules)
            .arg(rules_->recordingRules)
            .arg(rules_->groups)
            .arg(client_ ? client_->options().baseUrl : QString())
            .arg(error_.isEmpty() ? QString()
                                  : QStringLiteral(" (as of %1: %2)")
                                        .arg(rulesAt_.toLocalTime().toString("HH:mm:ss"), error_)));
}

PageContent AlertsPage::content() const {
    PageContent c;
    c.complete = rules_.has_value() && error_.isEmpty();
    if (!rules_) {
        c.summary = error_.isEmpty() ? QStringLiteral("no answer yet") : error_;
        return c;
    }
    int withValue = 0;
    for (int r = 0; r < model_.rowCount(); ++r)
        withValue += model_.row(r).value.has_value();
    c.summary = QStringLiteral(
                    "%1 rules in %2 groups, %3 rows (%4 firing, %5 pending, %6 with "
                    "a value), %7 shown")
                    .arg(rules_->rules.size())
                    .arg(rules_->groups)
                    .arg(model_.rowCount())
                    .arg(rules_->count(AlertState::Firing))
                    .arg(rules_->count(AlertState::Pending))
                    .arg(withValue)
                    .arg(filter_.rowCount());
    return c;
}

QString AlertsPage::badge() const {
    return firingCount_ > 0 ? QString::number(firingCount_) : QString();
}

}  // namespace fraudops
