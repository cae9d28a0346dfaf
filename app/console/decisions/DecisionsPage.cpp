#include "decisions/DecisionsPage.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "decisions/DecisionDetailView.h"
#include "decisions/ReplayPanel.h"
#include "decisions/TestTransactionPanel.h"
#include "prometheus/QueryTemplate.h"
#include "prometheus/ScorerQueries.h"
#include "shell/ConsoleSession.h"

namespace fraudops {
namespace {

constexpr qint64 kRateWindowMs = 10'000;
constexpr std::size_t kTakePerDrain = 1000;

QString rateText(double perSecond) {
    return QLocale::c().toString(perSecond, 'f', perSecond < 10 ? 1 : 0) + "/s";
}

}  // namespace

DecisionsPage::DecisionsPage(ConsoleSession& session, QWidget* parent)
    : ConsolePage(session, parent),
      summary_(new QLabel(this)),
      pause_(new QPushButton("Pause", this)),
      approve_(new QCheckBox("Approve", this)),
      review_(new QCheckBox("Review", this)),
      decline_(new QCheckBox("Decline", this)),
      minScore_(new QDoubleSpinBox(this)),
      variant_(new QComboBox(this)),
      text_(new QLineEdit(this)),
      keep_(new QSpinBox(this)),
      table_(new QTableView(this)),
      detail_(new DecisionDetailView(this)),
      test_(new TestTransactionPanel(
          session, [this](const QString& version) { return modelSummary(version); }, this)),
      replay_(new ReplayPanel(session, this)),
      lower_(new QTabWidget(this)) {
    clock_.start();
    filter_.setSourceModel(&model_);
    table_->setObjectName("decisionsTable");
    table_->setModel(&filter_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(DecisionTableModel::Time, Qt::DescendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setWordWrap(false);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    table_->horizontalHeader()->setStretchLastSection(true);
    // Fixed widths fitted once: resizing to contents on every insert would measure every row.
    const QFontMetrics fm = table_->fontMetrics();
    const int widths[] = {20, 15, 17, 21, 12, 8, 9, 7, 8, 15, 9};
    for (int c = 0; c < DecisionTableModel::ColumnCount; ++c)
        table_->setColumnWidth(c, fm.averageCharWidth() * widths[c] + 12);

    summary_->setObjectName("feedSummary");
    summary_->setWordWrap(true);
    pause_->setObjectName("pauseFeed");
    pause_->setCheckable(true);
    connect(pause_, &QPushButton::toggled, this, &DecisionsPage::setPaused);
    for (QCheckBox* box : {approve_, review_, decline_}) {
        box->setChecked(true);
        connect(box, &QCheckBox::toggled, this, &DecisionsPage::applyFilters);
    }
    minScore_->setObjectName("minScore");
    minScore_->setRange(0, 1);
    minScore_->setDecimals(3);
    minScore_->setSingleStep(0.05);
    minScore_->setPrefix("score ≥ ");
    connect(minScore_, &QDoubleSpinBox::editingFinished, this, &DecisionsPage::applyFilters);
    variant_->setObjectName("variantFilter");
    variant_->addItem("Both variants", int(fraud::v1::VARIANT_UNSPECIFIED));
    variant_->addItem("Stable", int(fraud::v1::VARIANT_STABLE));
    variant_->addItem("Canary", int(fraud::v1::VARIANT_CANARY));
    connect(variant_, &QComboBox::currentIndexChanged, this, &DecisionsPage::applyFilters);
    text_->setObjectName("decisionText");
    text_->setPlaceholderText("Transaction, card, merchant or device id");
    text_->setClearButtonEnabled(true);
    connect(text_, &QLineEdit::textChanged, this, &DecisionsPage::applyFilters);
    keep_->setObjectName("keepRows");
    keep_->setRange(100, 100'000);
    keep_->setSingleStep(500);
    keep_->setPrefix("keep ");
    keep_->setSuffix(" newest");
    keep_->setValue(
        QSettings().value("decisions/keep", int(DecisionTableModel::kDefaultCapacity)).toInt());
    model_.setCapacity(static_cast<std::size_t>(keep_->value()));
    connect(keep_, &QSpinBox::valueChanged, this, [this](int rows) {
        model_.setCapacity(static_cast<std::size_t>(rows));
        QSettings().setValue("decisions/keep", rows);
        updateSummary();
    });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DecisionsPage::showDetail);
    // A selected row trimmed off the end: a single-selection view would select its neighbour,
    // then that one's at the next batch, and so on, the detail jumping to another decision
    // (and drawn again) with every batch of a busy feed. The analyst keeps reading the one
    // chosen; the selection goes with its row.
    connect(&model_, &DecisionTableModel::aboutToTrim, this, [this](int first) {
        const auto selected = table_->selectionModel()->selectedRows();
        if (selected.isEmpty() || filter_.mapToSource(selected.first()).row() < first)
            return;
        keepDetail_ = true;
        table_->selectionModel()->clear();
        keepDetail_ = false;
        detail_->markLeftTable(model_.capacity());
    });

    auto* filters = new QHBoxLayout;
    filters->addWidget(pause_);
    filters->addSpacing(12);
    filters->addWidget(approve_);
    filters->addWidget(review_);
    filters->addWidget(decline_);
    filters->addWidget(minScore_);
    filters->addWidget(variant_);
    filters->addWidget(text_, 1);
    filters->addWidget(keep_);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(table_);
    lower_->setObjectName("decisionTabs");
    lower_->addTab(detail_, "Decision");
    lower_->addTab(test_, "Test transaction, what-if");
    lower_->addTab(replay_, "Replay a file");
    connect(detail_, &DecisionDetailView::whatIfRequested, this, &DecisionsPage::startWhatIf);
    split->addWidget(lower_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summary_);
    layout->addLayout(filters);
    layout->addWidget(split, 1);

    connect(&session, &ConsoleSession::scorersChanged, this, [this] { restartStream(); });
    connect(&session.models(), &ModelCatalog::changed, this, &DecisionsPage::onModels);
    connect(&session, &ConsoleSession::prometheusChanged, this, &DecisionsPage::onPrometheusClient);
    onPrometheusClient();
    updateSummary();
}

DecisionsPage::~DecisionsPage() {
    stopStream();
}

void DecisionsPage::refresh(const TimeWindow&) {
    if (!stream_ && !paused_)
        restartStream();
    if (!session().models().answered())
        session().models().refresh();
    if (prometheus_ && !rateInFlight_) {
        // The cluster's whole decision rate, that the sample is a part of.
        rateInFlight_ = prometheus_->query(expandQuery(
            scorerQueries::decisionsPerSecond(),
            QueryContext{session().scrapeJob(),
                         std::max(std::chrono::seconds(10), 4 * session().scrapeInterval())}));
    }
    updateSummary();
}

void DecisionsPage::stopStream() {
    if (!stream_)
        return;
    disconnect(stream_.get(), nullptr, this, nullptr);
    stream_->stop();
    stream_.reset();
}

void DecisionsPage::restartStream() {
    stopStream();
    if (paused_ || session().scorerEndpoints().empty()) {
        updateSummary();
        return;
    }
    fraud::v1::WatchDecisionsRequest request;
    request.set_explain(true);
    request.set_min_score(filter_.minScore());
    for (auto d : filter_.decisions())
        request.add_decisions(d);
    if (filter_.variant() != fraud::v1::VARIANT_UNSPECIFIED)
        request.add_variants(filter_.variant());
    stream_ = session().watchDecisions(request);
    connect(stream_.get(), &DecisionStream::available, this, &DecisionsPage::drain);
    connect(stream_.get(), &DecisionStream::connectionChanged, this,
            [this](const DecisionStreamConnection&) { updateSummary(); });
    stream_->start();
    updateSummary();
}

void DecisionsPage::drain() {
    if (!stream_ || paused_)
        return;
    auto batch = stream_->take(kTakePerDrain, std::chrono::milliseconds(0));
    if (batch.empty())
        return;
    const qint64 now = clock_.elapsed();
    arrivals_.emplace_back(now, batch.size());
    while (!arrivals_.empty() && arrivals_.front().first < now - kRateWindowMs)
        arrivals_.pop_front();
    receivedTotal_ += batch.size();
    bool unknownVersion = false;
    for (const auto& d : batch)
        unknownVersion |= !modelSummary(QString::fromStdString(d.result().model_version()));
    model_.add(std::move(batch));
    if (unknownVersion)
        session().models().refresh();  // a version not read yet (a refresh in flight: no-op)
    if (!selectedOnce_ && filter_.rowCount() > 0) {
        // Something to read at once rather than an empty detail: the newest decline, if any.
        selectedOnce_ = true;
        int row = 0;
        for (int r = 0; r < filter_.rowCount(); ++r) {
            if (filter_.index(r, DecisionTableModel::Decision).data(DecisionTableModel::SortRole) ==
                int(fraud::v1::DECISION_DECLINE)) {
                row = r;
                break;
            }
        }
        selectRow(row);
    }
    if (state().kind != PageState::Kind::Live)
        setState(PageState::Kind::Live);
    // More may have queued meanwhile: `available` fires only when the queue was empty.
    QMetaObject::invokeMethod(this, &DecisionsPage::drain, Qt::QueuedConnection);
}

double DecisionsPage::receivedPerSecond() const {
    const qint64 now = clock_.elapsed();
    std::size_t n = 0;
    for (const auto& [at, count] : arrivals_) {
        if (at >= now - kRateWindowMs)
            n += count;
    }
    const double span = std::min<double>(kRateWindowMs, std::max<qint64>(now, 1000));
    return n * 1000.0 / span;
}

void DecisionsPage::setPaused(bool paused) {
    if (paused == paused_)
        return;
    paused_ = paused;
    pause_->setChecked(paused);
    pause_->setText(paused ? "Resume" : "Pause");
    if (paused)
        stopStream();
    else
        restartStream();
    updateSummary();
}

void DecisionsPage::setDecisionFilter(std::set<fraud::v1::Decision> decisions) {
    const QSignalBlocker a(approve_), r(review_), d(decline_);
    approve_->setChecked(decisions.empty() || decisions.contains(fraud::v1::DECISION_APPROVE));
    review_->setChecked(decisions.empty() || decisions.contains(fraud::v1::DECISION_REVIEW));
    decline_->setChecked(decisions.empty() || decisions.contains(fraud::v1::DECISION_DECLINE));
    applyFilters();
}

void DecisionsPage::setMinScore(double minScore) {
    minScore_->setValue(minScore);
    applyFilters();
}

void DecisionsPage::setVariantFilter(fraud::v1::Variant variant) {
    variant_->setCurrentIndex(variant_->findData(int(variant)));
}

void DecisionsPage::setTextFilter(const QString& text) {
    text_->setText(text);
}

void DecisionsPage::setCapacity(int rows) {
    keep_->setValue(rows);
}

void DecisionsPage::applyFilters() {
    std::set<fraud::v1::Decision> decisions;
    if (approve_->isChecked())
        decisions.insert(fraud::v1::DECISION_APPROVE);
    if (review_->isChecked())
        decisions.insert(fraud::v1::DECISION_REVIEW);
    if (decline_->isChecked())
        decisions.insert(fraud::v1::DECISION_DECLINE);
    if (decisions.size() == 3)
        decisions.clear();  // all
    const auto variant = static_cast<fraud::v1::Variant>(variant_->currentData().toInt());
    const bool scorerSide = decisions != filter_.decisions() ||
                            minScore_->value() != filter_.minScore() ||
                            variant != filter_.variant();
    filter_.setDecisions(decisions);
    filter_.setMinScore(minScore_->value());
    filter_.setVariant(variant);
    filter_.setText(text_->text());
    // The scorers filter before sampling: a new request spends the sample on what is asked.
    if (scorerSide && stream_)
        restartStream();
    updateSummary();
}

void DecisionsPage::selectRow(int proxyRow) {
    table_->selectRow(proxyRow);
}

void DecisionsPage::showDetail() {
    const auto selected = table_->selectionModel()->selectedRows();
    if (selected.isEmpty()) {
        if (!keepDetail_)
            detail_->clear();
        return;
    }
    const auto decision = model_.decisionAt(filter_.mapToSource(selected.first()).row());
    // The selection model reports the same selection again as rows arrive above it: the
    // decision shown is not drawn again for that.
    if (decision && decision == detail_->decision())
        return;
    detail_->setDecision(
        decision, decision
                      ? modelSummary(QString::fromStdString(decision->result().model_version()))
                      : nullptr);
}

void DecisionsPage::startWhatIf(std::shared_ptr<const fraud::v1::LiveDecision> decision) {
    lower_->setCurrentWidget(test_);
    test_->startWhatIf(std::move(decision));
}

const ModelSummary* DecisionsPage::modelSummary(const QString& version) const {
    return session().models().find(version);
}

void DecisionsPage::onModels() {
    test_->setStableModel(modelSummary(session().models().stableVersion()));
    // A version's manifest never changes, and the catalog is read again every second while
    // the Drift page is shown: the detail is drawn again only if its version has just become
    // known (thresholds and baselines to mark).
    const auto shown = detail_->decision();
    if (!shown || detail_->drawnWithModel())
        return;
    const ModelSummary* model =
        modelSummary(QString::fromStdString(shown->result().model_version()));
    if (!model)
        return;
    const bool left = detail_->leftTable();
    detail_->setDecision(shown, model);
    if (left)
        detail_->markLeftTable(model_.capacity());
}

void DecisionsPage::onPrometheusClient() {
    if (prometheus_)
        disconnect(prometheus_, nullptr, this, nullptr);
    prometheus_ = session().prometheus();
    rateInFlight_.reset();
    clusterRate_.reset();
    if (prometheus_)
        connect(prometheus_, &PrometheusClient::finished, this, &DecisionsPage::onPrometheus);
}

void DecisionsPage::onPrometheus(PrometheusClient::RequestId id, const PrometheusResult& result) {
    if (!rateInFlight_ || id != *rateInFlight_)
        return;
    rateInFlight_.reset();
    if (!result.ok()) {
        clusterRate_.reset();
        rateError_ = result.error->message;
    } else {
        rateError_.clear();
        clusterRate_ = result.series.empty() || result.series.front().samples.empty()
                           ? std::optional<double>()
                           : result.series.front().samples.back().value;
    }
    updateSummary();
}

QString DecisionsPage::feedSummary() const {
    return summary_->text();
}

void DecisionsPage::updateSummary() {
    const auto endpoints = session().scorerEndpoints();
    QString text;
    if (endpoints.empty()) {
        text = QStringLiteral("No scorer to watch yet.");
        if (state().kind == PageState::Kind::Loading)
            setState(PageState::Kind::Loading, QStringLiteral("Waiting for the scorers"));
    } else if (paused_) {
        text = QStringLiteral("Paused: %1 decisions kept; resume to follow the feed again.")
                   .arg(model_.rowCount());
    } else {
        const auto stats = stream_ ? stream_->stats() : DecisionStreamStats{};
        int connected = 0;
        QStringList errors;
        for (const auto& c : stats.connections) {
            if (c.connected)
                ++connected;
            else if (!c.lastError.isEmpty())
                errors << c.address + ": " + c.lastError;
        }
        text = QStringLiteral("A sample of %1").arg(rateText(receivedPerSecond()));
        if (clusterRate_)
            text += QStringLiteral(" out of %1 decisions").arg(rateText(*clusterRate_));
        else if (!rateError_.isEmpty())
            text += QStringLiteral(" (the cluster's rate is unknown: %1)").arg(rateError_);
        text += QStringLiteral(", %1 dropped; from %2 of %3 replicas.")
                    .arg(stats.droppedByScorer + stats.droppedByQueue)
                    .arg(connected)
                    .arg(endpoints.size());
        if (!errors.isEmpty())
            text += " " + errors.join("; ");
        if (connected == 0 && !errors.isEmpty())
            setState(PageState::Kind::Error,
                     QStringLiteral("No scorer streams its decisions: %1").arg(errors.join("; ")));
        else if (state().kind == PageState::Kind::Error ||
                 (state().kind == PageState::Kind::Loading && connected > 0))
            setState(model_.rowCount() > 0 ? PageState::Kind::Live : PageState::Kind::NoData,
                     QStringLiteral("No decisions yet: the cluster scores nothing, or nothing "
                                    "matches the filters"));
    }
    text += QStringLiteral(" Showing %1 of %2 kept (at most %3).")
                .arg(filter_.rowCount())
                .arg(model_.rowCount())
                .arg(model_.capacity());
    summary_->setText(text);
}

PageContent DecisionsPage::content() const {
    std::set<std::string> replicas;
    for (int r = 0; r < model_.rowCount(); ++r)
        replicas.insert(model_.decisionAt(r)->replica());
    // Complete once every replica's decisions are in: a picture of one replica's feed would
    // hide that the other streams nothing.
    const auto expected = std::max<std::size_t>(1, session().scorerEndpoints().size());
    return {model_.rowCount() > 0 && replicas.size() >= expected,
            QStringLiteral("%1 decisions from %2 replicas")
                .arg(model_.rowCount())
                .arg(replicas.size())};
}

}  // namespace fraudops
