#include "release/ReleasePage.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <cmath>

#include "charts/HistogramChart.h"
#include "control/RolloutWords.h"
#include "release/EvidenceSparkline.h"
#include "rollout/RollbackTarget.h"
#include "shell/ConsoleSession.h"

namespace fraudops {
namespace {

using rollout::RolloutProgress;

QString html(const QString& s) {
    return s.toHtmlEscaped();
}

QString duration(double seconds) {
    if (!std::isfinite(seconds))
        return QStringLiteral("∞");
    return seconds < 1e-3 ? QStringLiteral("%1 µs").arg(seconds * 1e6, 0, 'g', 3)
                          : QStringLiteral("%1 ms").arg(seconds * 1e3, 0, 'g', 3);
}

// "p99 latency (shown, not gated): canary under 2 ms, band [1 ms, ∞] from 2,493 requests; ..."
QString latencyText(const std::vector<rollout::LatencyBand>& bands) {
    QStringList sides;
    for (const auto& b : bands) {
        if (b.requests <= 0) {
            sides << QObject::tr("%1 no requests yet").arg(QString::fromStdString(b.variant));
            continue;
        }
        sides << QObject::tr("%1 under %2, band [%3, %4] from %L5 requests")
                     .arg(QString::fromStdString(b.variant),
                          b.p99 ? duration(*b.p99) : QStringLiteral("∞"), duration(b.band.lower),
                          duration(b.band.upper))
                     .arg(static_cast<qlonglong>(b.requests));
    }
    if (sides.isEmpty())
        return {};
    return QObject::tr("<b>p99 latency</b> over the step (shown, not gated): %1")
        .arg(sides.join(QStringLiteral("; ")));
}

QString defaultPlan() {
    QFile f(QStringLiteral(":/rollouts/default.json"));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

}  // namespace

ReleasePage::ReleasePage(ConsoleSession& session, QWidget* parent)
    : ConsolePage(session, parent),
      status_(new QLabel(this)),
      readOnly_(new QLabel(this)),
      result_(new QLabel(this)),
      tabs_(new QTabWidget(this)),
      gateTable_(new QTableView(this)),
      sparkline_(new EvidenceSparkline(this)),
      gateDetail_(new QLabel(this)),
      latency_(new QLabel(this)),
      plan_(new QPlainTextEdit(this)),
      planCheck_(new QLabel(this)),
      candidate_(new QComboBox(this)),
      startMode_(new QComboBox(this)),
      start_(new QPushButton(tr("Start rollout…"), this)),
      versionTable_(new QTableView(this)),
      compareA_(new QComboBox(this)),
      compareB_(new QComboBox(this)),
      comparison_(new QLabel(this)),
      compareChart_(new HistogramChart(this)),
      auditTable_(new QTableView(this)),
      auditVerdict_(new QLabel(this)),
      drive_(new QPushButton(tr("Run the plan from this console"), this)) {
    status_->setObjectName("releaseStatus");
    status_->setTextFormat(Qt::RichText);
    status_->setWordWrap(true);
    readOnly_->setObjectName("releaseReadOnly");
    readOnly_->setWordWrap(true);
    readOnly_->setStyleSheet("color: #8d6e00;");
    readOnly_->hide();
    result_->setObjectName("releaseResult");
    result_->setWordWrap(true);
    result_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* actions = new QHBoxLayout;
    const std::vector<std::pair<Action, QString>> kButtons{
        {Action::Approve, tr("Approve next step")},
        {Action::Pause, tr("Pause")},
        {Action::Resume, tr("Resume")},
        {Action::PromoteNow, tr("Promote now")},
        {Action::Abort, tr("Abort")},
        {Action::Rollback, tr("Roll back")}};
    for (const auto& [action, label] : kButtons) {
        auto* b = new QPushButton(label, this);
        b->setObjectName("release-" + rollout::ReleaseMonitor::actionName(action));
        connect(b, &QPushButton::clicked, this, [this, a = action] { askAndPerform(a); });
        actions->addWidget(b);
        buttons_[action] = b;
    }
    actions->addStretch(1);
    drive_->setObjectName("releaseDrive");
    drive_->setCheckable(true);
    drive_->setToolTip(
        tr("Hold the runner lease here and drive the plan while the console is "
           "open; if it closes, the canary stays where it is until another "
           "runner (fraudctl rollout run) takes over"));
    connect(drive_, &QPushButton::toggled, this, [this](bool on) {
        if (on)
            monitor_.startDriving(QString::fromStdString(runnerName("console")));
        else
            monitor_.stopDriving();
    });
    actions->addWidget(drive_);

    // Gates.
    gateTable_->setObjectName("gateTable");
    gateTable_->setModel(&gates_);
    gateTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
    gateTable_->setSelectionMode(QAbstractItemView::SingleSelection);
    gateTable_->verticalHeader()->hide();
    gateTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    gateTable_->horizontalHeader()->setStretchLastSection(true);
    connect(gateTable_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ReleasePage::showGate);
    gateDetail_->setObjectName("gateDetail");
    gateDetail_->setWordWrap(true);
    gateDetail_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* gatesTab = new QWidget(this);
    auto* gatesLayout = new QVBoxLayout(gatesTab);
    // The table as tall as a plan's gates; the selected gate's evidence gets the rest.
    gateTable_->setMaximumHeight(gateTable_->verticalHeader()->defaultSectionSize() * 7 + 8);
    sparkline_->setObjectName("evidenceSparkline");
    latency_->setObjectName("latencyBands");
    latency_->setWordWrap(true);
    latency_->setToolTip(
        tr("The 99th percentile of Score latency on each side since the step began, with a "
           "time-uniform band (α 0.05) read from the latency histogram's buckets. Shown for "
           "information, never gated: the band's upper end stays open until about 90,000 "
           "requests."));
    gatesLayout->addWidget(gateTable_);
    gatesLayout->addWidget(latency_);
    gatesLayout->addWidget(sparkline_, 1);
    gatesLayout->addWidget(gateDetail_);
    tabs_->addTab(gatesTab, tr("Gates"));

    // Plan.
    plan_->setObjectName("planEditor");
    plan_->setPlainText(defaultPlan());
    plan_->setFont(QFont(QStringLiteral("monospace")));
    connect(plan_, &QPlainTextEdit::textChanged, this, &ReleasePage::validatePlan);
    planCheck_->setObjectName("planCheck");
    planCheck_->setWordWrap(true);
    candidate_->setObjectName("candidateVersion");
    startMode_->setObjectName("startMode");
    startMode_->addItem(tr("as the plan says"), static_cast<int>(StartMode::AsPlanned));
    startMode_->addItem(tr("split only (skip shadow steps)"),
                        static_cast<int>(StartMode::SplitOnly));
    startMode_->addItem(tr("shadow only (promotion waits for approval)"),
                        static_cast<int>(StartMode::ShadowOnly));
    startMode_->setToolTip(
        tr("Split: the canary decides for its share of cards. Shadow: stable decides every "
           "card and the canary scores the same transactions beside it, so its decisions are "
           "compared without affecting anyone."));
    connect(startMode_, &QComboBox::currentIndexChanged, this, &ReleasePage::validatePlan);
    start_->setObjectName("release-start");
    connect(start_, &QPushButton::clicked, this, [this] { askAndPerform(Action::Start); });
    auto* planTab = new QWidget(this);
    auto* planLayout = new QVBoxLayout(planTab);
    auto* startRow = new QHBoxLayout;
    auto* open = new QPushButton(tr("Open plan file…"), this);
    open->setToolTip(
        tr("A plan reviewed in version control, JSON or YAML "
           "(resources/rollouts/ holds the shipped ones)"));
    connect(open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open a rollout plan"), {}, tr("Rollout plans (*.json *.yaml *.yml)"));
        if (!path.isEmpty())
            openPlanFile(path);
    });
    startRow->addWidget(open);
    startRow->addWidget(new QLabel(tr("Release version:"), this));
    startRow->addWidget(candidate_);
    startRow->addWidget(new QLabel(tr("Modes:"), this));
    startRow->addWidget(startMode_);
    startRow->addWidget(start_);
    startRow->addStretch(1);
    planLayout->addWidget(plan_, 1);
    planLayout->addWidget(planCheck_);
    planLayout->addLayout(startRow);
    tabs_->addTab(planTab, tr("Plan"));

    // Versions.
    versionSort_.setSourceModel(&versions_);
    versionTable_->setObjectName("versionTable");
    versionTable_->setModel(&versionSort_);
    versionTable_->setSortingEnabled(true);
    versionTable_->verticalHeader()->hide();
    versionTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    compareA_->setObjectName("compareA");
    compareB_->setObjectName("compareB");
    connect(compareA_, &QComboBox::currentIndexChanged, this, &ReleasePage::compareVersions);
    connect(compareB_, &QComboBox::currentIndexChanged, this, &ReleasePage::compareVersions);
    comparison_->setObjectName("versionComparison");
    comparison_->setTextFormat(Qt::RichText);
    compareChart_->setValueSuffix(QStringLiteral(" %"));
    auto* versionsTab = new QWidget(this);
    auto* versionsLayout = new QVBoxLayout(versionsTab);
    auto* compareRow = new QHBoxLayout;
    compareRow->addWidget(new QLabel(tr("Compare"), this));
    compareRow->addWidget(compareA_);
    compareRow->addWidget(new QLabel(tr("with"), this));
    compareRow->addWidget(compareB_);
    compareRow->addStretch(1);
    versionsLayout->addWidget(versionTable_, 1);
    versionsLayout->addLayout(compareRow);
    auto* compareBody = new QHBoxLayout;
    compareBody->addWidget(comparison_);
    compareBody->addWidget(compareChart_, 1);
    versionsLayout->addLayout(compareBody, 1);
    tabs_->addTab(versionsTab, tr("Versions"));

    // Audit.
    auditTable_->setObjectName("auditTable");
    auditTable_->setModel(&audit_);
    auditTable_->verticalHeader()->hide();
    auditTable_->setWordWrap(false);
    auditTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auditTable_->horizontalHeader()->setStretchLastSection(true);
    auditVerdict_->setObjectName("auditVerdict");
    auditVerdict_->setWordWrap(true);
    auditVerdict_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* auditTab = new QWidget(this);
    auto* auditLayout = new QVBoxLayout(auditTab);
    auditLayout->addWidget(auditVerdict_);
    auditLayout->addWidget(auditTable_, 1);
    tabs_->addTab(auditTab, tr("Audit history"));

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(status_);
    layout->addWidget(readOnly_);
    layout->addLayout(actions);
    layout->addWidget(result_);
    layout->addWidget(tabs_, 1);

    connect(&monitor_, &rollout::ReleaseMonitor::snapshotReady, this, &ReleasePage::onSnapshot);
    connect(&monitor_, &rollout::ReleaseMonitor::actionDone, this, &ReleasePage::onActionDone);
    connect(&monitor_, &rollout::ReleaseMonitor::drivingChanged, this,
            [this](bool on, const QString& outcome) {
                drive_->blockSignals(true);
                drive_->setChecked(on);
                drive_->blockSignals(false);
                if (!on && !outcome.isEmpty())
                    result_->setText(tr("This console stopped running the plan: %1").arg(outcome));
                updateButtons();
            });
    connect(&session, &ConsoleSession::ready, this, &ReleasePage::retarget);
    connect(&session, &ConsoleSession::scorersChanged, this, &ReleasePage::retarget);
    connect(&session, &ConsoleSession::prometheusChanged, this, &ReleasePage::retarget);
    validatePlan();
    retarget();
    updateButtons();
}

void ReleasePage::retarget() {
    const auto endpoints = session().scorerEndpoints();
    rollout::ReleaseTarget target;
    if (!endpoints.empty())
        target.control = endpoints.front();
    target.control.deadline = std::chrono::milliseconds(10'000);
    if (auto* prometheus = session().prometheus()) {
        const auto& o = prometheus->options();
        target.prometheus = {o.baseUrl, o.bearerToken, o.timeout};
    }
    target.job = session().scrapeJob();
    monitor_.setTarget(target);
}

void ReleasePage::refresh(const TimeWindow&) {
    retarget();
    if (!monitor_.hasTarget()) {
        setState(PageState::Kind::Loading, tr("Waiting for a scorer to ask"));
        return;
    }
    monitor_.refresh();
}

void ReleasePage::onSnapshot(const rollout::ReleaseSnapshot& s) {
    ++snapshots_;
    if (!s.error.isEmpty() && snapshot_) {
        // Keep what was known; say that it is old.
        setState(PageState::Kind::Stale, tr("The cluster did not answer: %1").arg(s.error));
        return;
    }
    snapshot_ = s;
    if (!s.error.isEmpty()) {
        setState(PageState::Kind::Error, tr("The cluster did not answer: %1").arg(s.error));
    } else {
        setState(PageState::Kind::Live);
    }
    // Status.
    const auto& rollout = s.run.record.rollout();
    QString text =
        tr("<b>Rollout:</b> %1").arg(html(QString::fromStdString(describeRollout(rollout))));
    if (s.run.progress && s.run.plan) {
        const auto& p = *s.run.progress;
        text += tr("<br><b>Plan %1:</b> %2 is <b>%3</b> at step %4")
                    .arg(html(QString::fromStdString(s.run.plan->name)),
                         html(QString::fromStdString(p.candidate)),
                         QString::fromLatin1(rollout::stateName(p.state)).replace('_', ' '),
                         html(QString::fromStdString(rollout::stepName(*s.run.plan, p.step))));
        if (!p.reason.empty())
            text += tr(" — %1").arg(html(QString::fromStdString(p.reason)));
    } else {
        text += tr("<br>No rollout plan has run yet: start one on the Plan tab.");
    }
    const auto& lease = s.run.record.lease();
    text += lease.holder().empty() || lease.expired()
                ? tr("<br><b>Runner:</b> none holds the lease")
                : tr("<br><b>Runner:</b> %1 (%2), lease for another %3 s")
                      .arg(html(QString::fromStdString(lease.holder())),
                           html(QString::fromStdString(lease.identity())))
                      .arg(lease.remaining_ms() / 1000);
    QStringList replicas;
    for (const auto& endpoint : session().scorerEndpoints()) {
        const QString address = QString::fromStdString(endpoint.address);
        const auto r = session().scorers().latest(address);
        const QString name =
            r && r->status ? QString::fromStdString(r->status->replica()) : address;
        replicas << QStringLiteral("%1 %2").arg(
            html(name),
            !r || !r->status ? tr("unreachable")
            : r->status->converged()
                ? tr("serves generation %1 ✓").arg(r->status->generation_served())
                : tr("at generation %1, converging").arg(r->status->generation_served()));
    }
    if (!replicas.isEmpty())
        text += tr("<br><b>Replicas:</b> %1").arg(replicas.join(QStringLiteral("; ")));
    if (s.identity) {
        text += tr("<br><b>You:</b> %1 (%2)")
                    .arg(html(QString::fromStdString(s.identity->identity())),
                         html(QString::fromStdString(s.identity->role())));
    }
    status_->setText(text);
    const QString why = readOnlyReason();
    readOnly_->setVisible(!why.isEmpty());
    readOnly_->setText(tr("Read-only: %1").arg(why));

    // Gates.
    const int selected = gateTable_->selectionModel()->hasSelection()
                             ? gateTable_->selectionModel()->selectedRows().value(0).row()
                             : 0;
    gates_.setResults(s.gates);
    latency_->setText(latencyText(s.latency));
    if (gates_.rowCount() > 0)
        gateTable_->selectRow(std::min(selected, gates_.rowCount() - 1));
    showGate();

    // Versions and the candidates.
    versions_.setModels(s.models);
    const QString chosen = candidate_->currentText();
    const QString a = compareA_->currentText(), b = compareB_->currentText();
    for (QComboBox* box : {candidate_, compareA_, compareB_}) {
        box->blockSignals(true);
        box->clear();
    }
    QString stable;
    for (const auto& m : s.models) {
        const QString v = QString::fromStdString(m.version());
        if (m.role() == fraud::v1::MODEL_ROLE_STABLE)
            stable = v;
        else
            candidate_->addItem(v);
        compareA_->addItem(v);
        compareB_->addItem(v);
    }
    candidate_->setCurrentText(chosen.isEmpty() && candidate_->count() > 0
                                   ? candidate_->itemText(candidate_->count() - 1)
                                   : chosen);
    compareA_->setCurrentText(a.isEmpty() ? stable : a);
    compareB_->setCurrentText(b.isEmpty() ? candidate_->currentText() : b);
    for (QComboBox* box : {candidate_, compareA_, compareB_})
        box->blockSignals(false);
    compareVersions();

    audit_.setEntries(s.audit, s.auditVerification);
    showAuditVerdict(s.auditVerification);
    updateButtons();
    emit snapshotChanged();
}

QString ReleasePage::auditVerdict() const {
    return auditVerdict_->text();
}

void ReleasePage::showAuditVerdict(const std::optional<fraud::v1::AuditVerification>& v) {
    if (!v) {
        auditVerdict_->setText(tr("Audit chain: not verified (the scorer does not say)"));
        auditVerdict_->setStyleSheet({});
        return;
    }
    if (v->intact()) {
        auditVerdict_->setText(
            tr("Audit chain intact: %1 lines, %2 chained%3, %4")
                .arg(v->lines())
                .arg(v->chained())
                .arg(v->unchained() > 0
                         ? tr(" (%1 from before the chain, unchained)").arg(v->unchained())
                         : QString())
                .arg(v->anchored() ? tr("anchored in rollout.json") : tr("not anchored")));
        auditVerdict_->setStyleSheet(QStringLiteral("color: #1b5e20;"));
        return;
    }
    QStringList lines;
    for (const auto& f : v->findings()) {
        if (f.tampering())
            lines << QStringLiteral("• %1").arg(QString::fromStdString(f.detail()).toHtmlEscaped());
    }
    auditVerdict_->setText(
        tr("<b>Audit log tampered with</b> (audit.jsonl no longer matches its hash chain or "
           "rollout.json's anchor):<br>%1")
            .arg(lines.join(QStringLiteral("<br>"))));
    auditVerdict_->setStyleSheet(
        QStringLiteral("color: #b71c1c; background: #fdecea; padding: 4px;"));
}

void ReleasePage::showGate() {
    const auto rows = gateTable_->selectionModel()->selectedRows();
    if (rows.isEmpty() || !snapshot_ || rows.front().row() >= gates_.rowCount()) {
        sparkline_->setPoints({}, 0, tr("Evidence over the step"));
        gateDetail_->setText(snapshot_ && !snapshot_->analysisError.empty()
                                 ? tr("The gates cannot be evaluated now: %1")
                                       .arg(QString::fromStdString(snapshot_->analysisError))
                                 : QString());
        return;
    }
    const auto& r = gates_.results()[static_cast<std::size_t>(rows.front().row())];
    const auto it = snapshot_->history.find(r.name);
    const bool ratio = r.spec.kind == GateSpec::Kind::EventRate;
    // A ratio gate decides when its p-value reaches its α: −log10 α on this scale.
    const double alpha = snapshot_->run.plan ? snapshot_->run.plan->alphaPerGate() : 0.05;
    sparkline_->setPoints(it == snapshot_->history.end() ? decltype(it->second){} : it->second,
                          ratio ? -std::log10(alpha) : r.threshold,
                          ratio ? tr("%1: evidence against “no difference” (−log10 p), and "
                                     "where it decides")
                                      .arg(QString::fromStdString(r.name))
                                : tr("%1: the estimate over the step, and the limit")
                                      .arg(QString::fromStdString(r.name)));
    QStringList queries;
    if (const auto q = snapshot_->queries.find(r.name); q != snapshot_->queries.end()) {
        for (const auto& query : q->second)
            queries << QString::fromStdString(query);
    }
    gateDetail_->setText(
        QString::fromStdString(r.summary) +
        tr("\nRead from Prometheus as raw counters per replica (deltas since the step began, "
           "restarts counted from zero):\n%1")
            .arg(queries.join(QLatin1Char('\n'))));
}

void ReleasePage::compareVersions() {
    if (!snapshot_)
        return;
    const auto find = [&](const QString& v) -> const fraud::v1::ModelInfo* {
        for (const auto& m : snapshot_->models) {
            if (QString::fromStdString(m.version()) == v)
                return &m;
        }
        return nullptr;
    };
    const auto* a = find(compareA_->currentText());
    const auto* b = find(compareB_->currentText());
    if (!a || !b) {
        comparison_->clear();
        compareChart_->setData({}, {});
        return;
    }
    const auto row = [&](const QString& name, const char* metric) {
        const double x = VersionTableModel::metric(*a, metric);
        const double y = VersionTableModel::metric(*b, metric);
        return QStringLiteral(
                   "<tr><td>%1</td><td align=right>%2</td><td align=right>%3</td>"
                   "<td align=right>%4</td></tr>")
            .arg(name, QString::number(x, 'f', 4), QString::number(y, 'f', 4),
                 QString::number(y - x, 'f', 4));
    };
    comparison_->setText(
        QStringLiteral("<table cellspacing=6><tr><th></th><th>%1</th><th>%2</th><th>change</th>"
                       "</tr>%3%4%5</table>")
            .arg(html(QString::fromStdString(a->version())),
                 html(QString::fromStdString(b->version())), row(tr("ROC-AUC"), "roc_auc"),
                 row(tr("PR-AUC"), "pr_auc"), row(tr("Recall @ 1 % FPR"), "recall_at_1pct_fpr")));
    // Each version's training score histogram, on the first one's bins if they share them.
    std::vector<HistogramSeries> series;
    std::vector<QString> labels;
    const QColor colours[] = {QColor(21, 101, 192), QColor(239, 108, 0)};
    int c = 0;
    for (const auto* m : {a, b}) {
        const auto manifest = nlohmann::json::parse(m->manifest_json(), nullptr, false);
        const auto base = rollout::scoreBaselineOf(m->version(), manifest);
        if (base.empty())
            continue;
        if (labels.empty()) {
            const auto edges = manifest["baseline"]["score"].value("edges", std::vector<double>{});
            for (const double e : edges)
                labels.push_back(QStringLiteral("≤%1").arg(e, 0, 'g', 2));
            labels.push_back(tr("above"));
        }
        std::vector<double> shares;
        for (const double f : base.shares)
            shares.push_back(100 * f);
        series.push_back({QString::fromStdString(m->version()) + tr(" (training scores)"),
                          colours[c++], shares});
    }
    if (series.size() == 2 && series[0].values.size() != series[1].values.size())
        series.pop_back();  // different bins: one histogram is all that can be drawn honestly
    labels.resize(series.empty() ? 0 : series.front().values.size());
    compareChart_->setData(labels, series);
}

std::optional<RolloutPlan> ReleasePage::planToStart(std::string* error) const {
    const auto plan = parseRolloutPlan(plan_->toPlainText().toStdString(), error);
    if (!plan)
        return std::nullopt;
    return planInMode(*plan, static_cast<StartMode>(startMode_->currentData().toInt()), error);
}

void ReleasePage::validatePlan() {
    std::string error;
    const auto plan = planToStart(&error);
    if (!plan) {
        planCheck_->setText(tr("The plan is not valid: %1").arg(QString::fromStdString(error)));
        planCheck_->setStyleSheet("color: #c62828;");
    } else {
        QStringList steps;
        for (std::size_t i = 0; i < plan->steps.size(); ++i)
            steps << QString::fromStdString(rollout::stepName(*plan, i)).section(": ", 1);
        planCheck_->setText(tr("Plan “%1”: %2; α %3, split over its gates (%4 each)")
                                .arg(QString::fromStdString(plan->name), steps.join(" → "))
                                .arg(plan->alpha)
                                .arg(plan->alphaPerGate(), 0, 'g', 3));
        planCheck_->setStyleSheet({});
    }
    updateButtons();
}

QString ReleasePage::readOnlyReason() const {
    if (!snapshot_ || !snapshot_->identity)
        return {};
    return snapshot_->identity->can_change()
               ? QString()
               : QString::fromStdString(snapshot_->identity->why_not());
}

bool ReleasePage::canAct(Action action) const {
    if (!snapshot_ || monitor_.acting() || !readOnlyReason().isEmpty() ||
        !snapshot_->error.isEmpty())
        return false;
    const auto& run = snapshot_->run;
    const bool active = run.progress && !run.progress->finished();
    const auto state = run.progress ? run.progress->state : RolloutProgress::State::Promoted;
    switch (action) {
        case Action::Start: {
            std::string error;
            return !active && candidate_->count() > 0 && planToStart(&error).has_value();
        }
        case Action::Approve:
            return active && (state == RolloutProgress::State::WaitingForApproval ||
                              state == RolloutProgress::State::Paused);
        case Action::Pause:
            return active && state != RolloutProgress::State::Paused;
        case Action::Resume:
            return active && state == RolloutProgress::State::Paused;
        case Action::PromoteNow:
        case Action::Abort:
            return active;
        case Action::Rollback:
            return !active &&
                   rollout::rollbackTarget(snapshot_->audit, run.record.rollout()).has_value();
    }
    return false;
}

void ReleasePage::updateButtons() {
    const QString why = readOnlyReason();
    for (auto& [action, button] : buttons_) {
        button->setEnabled(canAct(action));
        button->setToolTip(!why.isEmpty() ? why : confirmationFor(action));
    }
    start_->setEnabled(canAct(Action::Start));
    start_->setToolTip(!why.isEmpty() ? why : confirmationFor(Action::Start));
    drive_->setEnabled(drive_->isChecked() ||
                       (why.isEmpty() && snapshot_ && snapshot_->run.progress &&
                        !snapshot_->run.progress->finished()));
}

QString ReleasePage::confirmationFor(Action action) const {
    if (!snapshot_)
        return {};
    const auto& run = snapshot_->run;
    const auto& rollout = run.record.rollout();
    const QString generations =
        tr("generation %1 → %2").arg(rollout.generation()).arg(rollout.generation() + 1);
    const QString candidate =
        run.progress ? QString::fromStdString(run.progress->candidate) : QString();
    switch (action) {
        case Action::Start: {
            std::string error;
            const auto plan = planToStart(&error);
            if (!plan || candidate_->currentText().isEmpty())
                return {};
            return tr("Start plan “%1”: %2")
                .arg(QString::fromStdString(plan->name),
                     QString::fromStdString(rollout::describeStepChange(
                         *plan, 0, candidate_->currentText().toStdString(), rollout)));
        }
        case Action::Approve:
            if (!run.plan || !run.progress || run.progress->step + 1 >= run.plan->steps.size())
                return {};
            return tr("Approve: %1")
                .arg(QString::fromStdString(rollout::describeStepChange(
                    *run.plan, run.progress->step + 1, run.progress->candidate, rollout)));
        case Action::Pause:
            return tr("Pause: %1 stays at %2 of cards; nothing advances until someone resumes")
                .arg(candidate, QString::fromStdString(weightText(rollout.canary_weight_bp())));
        case Action::Resume:
            return tr(
                "Resume: the step's gates are evaluated again, with another maximum duration "
                "to decide in");
        case Action::PromoteNow:
            return tr("Promote now: %1 becomes stable for every card, replacing %2, %3")
                .arg(candidate, QString::fromStdString(rollout.stable_version()), generations);
        case Action::Abort:
            return tr("Abort: %1 stops serving its %2 of cards; %3 serves them all, %4")
                .arg(candidate, QString::fromStdString(weightText(rollout.canary_weight_bp())),
                     QString::fromStdString(rollout.stable_version()), generations);
        case Action::Rollback: {
            const auto previous = rollout::rollbackTarget(snapshot_->audit, rollout);
            if (!previous)
                return tr("Roll back: the audit log names no earlier stable version");
            return tr("Roll back: %1 stops being stable; %2, stable before it, serves every "
                      "card again, %3")
                .arg(QString::fromStdString(rollout.stable_version()),
                     QString::fromStdString(*previous), generations);
        }
    }
    return {};
}

void ReleasePage::askAndPerform(Action action) {
    const QString confirmation = confirmationFor(action);
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Confirm: %1").arg(rollout::ReleaseMonitor::actionName(action)));
    auto* layout = new QVBoxLayout(&dialog);
    auto* what = new QLabel(confirmation, &dialog);
    what->setWordWrap(true);
    auto* reason = new QLineEdit(&dialog);
    reason->setPlaceholderText(tr("Why (the audit log keeps it)"));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(rollout::ReleaseMonitor::actionName(action));
    buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    connect(reason, &QLineEdit::textChanged, &dialog, [&](const QString& t) {
        buttons->button(QDialogButtonBox::Ok)->setEnabled(!t.trimmed().isEmpty());
    });
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(what);
    layout->addWidget(reason);
    layout->addWidget(buttons);
    if (dialog.exec() == QDialog::Accepted)
        perform(action, reason->text().trimmed());
}

void ReleasePage::perform(Action action, const QString& reason) {
    result_->setText(tr("%1: in flight…").arg(rollout::ReleaseMonitor::actionName(action)));
    QString plan;
    if (action == Action::Start) {
        std::string error;
        if (const auto chosen = planToStart(&error))
            plan = QString::fromStdString(rolloutPlanJson(*chosen));
    }
    monitor_.act(action, reason, plan, candidate_->currentText());
    updateButtons();  // every action is disabled while one is in flight
}

void ReleasePage::onActionDone(Action action, bool ok, const QString& message) {
    result_->setText(
        ok ? tr("Done: %1").arg(message)
           : tr("%1 failed: %2").arg(rollout::ReleaseMonitor::actionName(action), message));
    result_->setStyleSheet(ok ? QString() : QStringLiteral("color: #c62828;"));
    updateButtons();
    emit actionFinished(ok, message);
}

QString ReleasePage::lastResult() const {
    return result_->text();
}

QString ReleasePage::statusText() const {
    return status_->text();
}

void ReleasePage::showTab(const QString& name) {
    for (int i = 0; i < tabs_->count(); ++i) {
        if (tabs_->tabText(i).compare(name, Qt::CaseInsensitive) == 0)
            tabs_->setCurrentIndex(i);
    }
}

void ReleasePage::setPlanText(const QString& text) {
    plan_->setPlainText(text);
}

bool ReleasePage::openPlanFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        planCheck_->setText(tr("Cannot read %1: %2").arg(path, f.errorString()));
        planCheck_->setStyleSheet("color: #c62828;");
        return false;
    }
    plan_->setPlainText(QString::fromUtf8(f.readAll()));  // validated as it changes
    return true;
}

void ReleasePage::setCandidate(const QString& version) {
    candidate_->setCurrentText(version);
    updateButtons();
}

PageContent ReleasePage::content() const {
    PageContent c;
    if (!snapshot_)
        return c;
    int passed = 0, failed = 0, waiting = 0;
    for (const auto& r : gates_.results()) {
        passed += r.verdict == gates::GateVerdict::Pass;
        failed += r.verdict == gates::GateVerdict::Fail;
        waiting += r.verdict == gates::GateVerdict::NotEnoughData;
    }
    const auto& run = snapshot_->run;
    const bool active = run.progress && !run.progress->finished();
    c.complete = snapshot_->error.isEmpty() && !snapshot_->models.empty() &&
                 (!active || gates_.rowCount() > 0);
    c.summary =
        QStringLiteral(
            "%1; %2 gates (%3 pass, %4 fail, %5 not enough data); %6 versions; "
            "%7 audit entries")
            .arg(run.progress
                     ? QStringLiteral("%1 %2 at step %3")
                           .arg(QString::fromStdString(run.progress->candidate),
                                QString::fromLatin1(rollout::stateName(run.progress->state)))
                           .arg(run.progress->step + 1)
                     : QStringLiteral("no rollout"))
            .arg(gates_.rowCount())
            .arg(passed)
            .arg(failed)
            .arg(waiting)
            .arg(snapshot_->models.size())
            .arg(snapshot_->audit.size());
    return c;
}

}  // namespace fraudops
