#include "drift/DriftPage.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLocale>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <set>

#include "charts/HistogramChart.h"
#include "charts/TimeSeriesChart.h"
#include "drift/FeatureDriftDetail.h"
#include "prometheus/QueryStep.h"
#include "prometheus/QueryTemplate.h"
#include "prometheus/ScorerQueries.h"
#include "shell/ConsoleSession.h"

namespace fraudops {
namespace {

constexpr auto kThresholdKey = "drift/threshold";

// PSI over time is computed over windows of at least this long: shorter ones hold too few
// values at demo rates for the line to be more than noise.
constexpr std::chrono::seconds kMinimumPsiWindow{60};
// A step's PSI is drawn from this many values up (the Overview's drift tile's rule: at 500,
// sampling noise alone stays well inside the stable band).
constexpr double kMinimumPsiValues = 500;

QStringList versionsIn(const std::map<QString, ModelSummary>& models) {
    QStringList versions;
    for (const auto& [version, summary] : models)
        versions << version;
    return versions;
}

}  // namespace

DriftPage::DriftPage(ConsoleSession& session, QWidget* parent)
    : ConsolePage(session, parent),
      summary_(new QLabel(this)),
      threshold_(new QDoubleSpinBox(this)),
      score_(new FeatureDriftDetail(false, this)),
      table_(new QTableView(this)),
      detail_(new FeatureDriftDetail(true, this)),
      psiChart_(new TimeSeriesChart(QStringLiteral("PSI over time, selected features"),
                                    QStringLiteral("PSI"), this)),
      analysis_(this, 1),
      psiWork_(this, 1) {
    summary_->setObjectName("driftSummary");
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    threshold_->setObjectName("driftThreshold");
    threshold_->setRange(0.01, 2.0);
    threshold_->setSingleStep(0.01);
    threshold_->setDecimals(2);
    threshold_->setValue(QSettings().value(kThresholdKey, PsiOptions{}.threshold).toDouble());
    threshold_->setToolTip(
        QStringLiteral("A feature is drifted when its PSI's 95 % interval lies at or above this, "
                       "stable when it lies below it, and not enough data when it straddles it."));

    proxy_.setSourceModel(&model_);
    proxy_.setSortRole(FeatureDriftTableModel::SortRole);
    table_->setObjectName("driftFeatures");
    table_->setModel(&proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(-1, Qt::AscendingOrder);  // the schema's order until asked
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setWordWrap(false);

    auto* top = new QHBoxLayout;
    top->addWidget(summary_, 1);
    top->addWidget(new QLabel(QStringLiteral("Drifted at PSI ≥"), this));
    top->addWidget(threshold_);

    auto* left = new QSplitter(Qt::Vertical, this);
    left->addWidget(score_);
    left->addWidget(table_);
    left->setStretchFactor(0, 2);
    left->setStretchFactor(1, 3);
    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(detail_);
    right->addWidget(psiChart_);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);

    psiChart_->setThreshold(QStringLiteral("drifted at"), threshold_->value());
    score_->clear(QStringLiteral("Score distribution: waiting for Prometheus"));
    detail_->clear(QStringLiteral("Select a feature to see its histograms"));

    connect(threshold_, &QDoubleSpinBox::valueChanged, this, [this](double value) {
        QSettings().setValue(kThresholdKey, value);
        psiChart_->setThreshold(QStringLiteral("drifted at"), value);
        analyse();
    });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        showSelection();
        drawPsiOverTime();
    });
    connect(&session, &ConsoleSession::prometheusChanged, this, &DriftPage::onPrometheusClient);
    connect(&session.models(), &ModelCatalog::changed, this, &DriftPage::onModels);
    connect(&session.models(), &ModelCatalog::failed, this, [this](const QString& error) {
        if (stableVersion_.isEmpty())
            fail(QStringLiteral("Cannot read the models' baselines: %1").arg(error));
    });
    onPrometheusClient();
    updateSummary();
}

void DriftPage::refresh(const TimeWindow& window) {
    window_ = window;
    session().models().refresh();  // every time: a canary may have come or gone
    if (!prometheus_) {
        fail(
            QStringLiteral("This connection has no Prometheus: drift is computed from its "
                           "counts."));
        return;
    }
    const auto scrape = session().scrapeInterval();
    if (!binsId_ && !missingId_) {
        const QueryContext context{session().scrapeJob(), window.span()};
        binsId_ = prometheus_->query(expandQuery(scorerQueries::featureBinIncrease(), context),
                                     window.end);
        missingId_ = prometheus_->query(
            expandQuery(scorerQueries::featureMissingIncrease(), context), window.end);
    }
    if (!rangeId_) {
        const auto step = chooseStep(window.span(), std::max(200, psiChart_->width()), scrape);
        const QueryContext context{session().scrapeJob(),
                                   std::max({step, kMinimumPsiWindow, 4 * scrape})};
        rangeId_ = prometheus_->queryRange(
            expandQuery(
                scorerQueries::featureBinIncrease(QStringLiteral(R"(variant=~"stable|canary")")),
                context),
            window.start, window.end, step);
    }
}

void DriftPage::onModels() {
    const auto& models = session().models();
    const bool changed =
        models.stableVersion() != stableVersion_ || models.canaryVersion() != canaryVersion_;
    stableVersion_ = models.stableVersion();
    canaryVersion_ = models.canaryVersion();
    if (changed || reports_ == 0)
        analyse();
    // The catalog answers every second; a version's manifest never changes, so the PSI is
    // computed again only when a version comes or goes.
    if (versionsIn(models.models()) != psiModelVersions_)
        drawPsiOverTime();
}

void DriftPage::onPrometheusClient() {
    if (prometheus_)
        disconnect(prometheus_, nullptr, this, nullptr);
    prometheus_ = session().prometheus();
    binsId_.reset();
    missingId_.reset();
    rangeId_.reset();
    if (prometheus_)
        connect(prometheus_, &PrometheusClient::finished, this, &DriftPage::onPrometheus);
}

void DriftPage::onPrometheus(PrometheusClient::RequestId id, const PrometheusResult& result) {
    const bool isBins = binsId_ && id == *binsId_;
    const bool isMissing = missingId_ && id == *missingId_;
    const bool isRange = rangeId_ && id == *rangeId_;
    if (!isBins && !isMissing && !isRange)
        return;
    session().notePrometheusAnswer(result.ok(), result.ok() ? QString() : result.error->message);
    if (isRange) {
        rangeId_.reset();
        if (result.ok()) {
            newRange_ = result;
            drawPsiOverTime();
        } else {
            psiChart_->setOverlay(TimeSeriesChart::Overlay::Error, result.error->message);
        }
        return;
    }
    (isBins ? binsId_ : missingId_).reset();
    if (!result.ok()) {
        fail(QStringLiteral("Prometheus: %1").arg(result.error->message));
        return;
    }
    (isBins ? bins_ : missing_) = result;
    error_.clear();
    if (!binsId_ && !missingId_ && bins_ && missing_)
        analyse();
}

void DriftPage::analyse() {
    if (!bins_ || !missing_)
        return;
    const auto* stable = session().models().find(stableVersion_);
    if (stable == nullptr) {
        if (state().kind == PageState::Kind::Loading)
            setState(PageState::Kind::Loading, QStringLiteral("Reading the models' baselines"));
        return;
    }
    if (analysing_) {
        analyseAgain_ = true;
        return;
    }
    analysing_ = true;
    PsiOptions options;
    options.threshold = threshold_->value();
    analysis_.run(
        [bins = *bins_, missing = *missing_, model = *stable, canary = canaryVersion_, options] {
            return analyseDrift(driftCountsFrom(bins, missing), model, canary, options);
        },
        [this](DriftReport report) { onReport(std::move(report)); });
}

void DriftPage::onReport(DriftReport report) {
    analysing_ = false;
    ++reports_;
    auto selected = selectedFeatures();
    model_.setReport(std::move(report));
    const auto& r = model_.report();
    // The canary's columns only while there is one.
    for (int c = FeatureDriftTableModel::CanaryPsi; c <= FeatureDriftTableModel::CanaryScores; ++c)
        table_->setColumnHidden(c, r.canaryVersion.isEmpty());
    score_->showRow(r.score, r);
    if (selected.isEmpty()) {
        // The most moved feature that is judged, to start with.
        const FeatureDriftRow* top = nullptr;
        for (const auto& row : r.features) {
            if (verdictOf(row, row.stable) &&
                (!top || row.stable.estimate.psi > top->stable.estimate.psi))
                top = &row;
        }
        if (top)
            selected << top->feature.name;
    }
    selectFeatures(selected);
    showSelection();
    drawPsiOverTime();
    updateSummary();
    if (!r.problem.isEmpty())
        setState(PageState::Kind::Error, r.problem);
    else if (!error_.isEmpty())
        setState(PageState::Kind::Error, error_);
    else if (!r.score.stable.present)
        setState(PageState::Kind::NoData,
                 QStringLiteral("No scores of stable %1 in the range").arg(r.stableVersion));
    else
        setState(PageState::Kind::Live);
    emit reportChanged();
    if (analyseAgain_) {
        analyseAgain_ = false;
        analyse();
    }
}

void DriftPage::fail(const QString& why) {
    error_ = why;
    setState(PageState::Kind::Error, why);
    updateSummary();
}

QStringList DriftPage::selectedFeatures() const {
    QStringList out;
    std::vector<int> rows;
    for (const auto& index : table_->selectionModel()->selectedRows())
        rows.push_back(index.row());
    std::sort(rows.begin(), rows.end());
    for (int row : rows) {
        if (const auto* r = model_.rowAt(proxy_.mapToSource(proxy_.index(row, 0)).row()))
            out << r->feature.name;
    }
    return out;
}

void DriftPage::selectFeatures(const QStringList& features) {
    QItemSelection selection;
    for (const auto& f : features) {
        const int row = model_.rowOf(f);
        if (row < 0)
            continue;
        const auto index = proxy_.mapFromSource(model_.index(row, 0));
        selection.select(index, index);
    }
    table_->selectionModel()->select(
        selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void DriftPage::setThreshold(double psi) {
    threshold_->setValue(psi);
}

void DriftPage::showSelection() {
    const auto selected = selectedFeatures();
    const int row = selected.isEmpty() ? -1 : model_.rowOf(selected.front());
    if (const auto* r = model_.rowAt(row))
        detail_->showRow(*r, model_.report());
    else
        detail_->clear(QStringLiteral("Select a feature to see its histograms"));
}

void DriftPage::drawPsiOverTime() {
    psiChart_->setTimeRange(window_.start, window_.end);
    if (!steps_ && !newRange_) {
        psiChart_->setOverlay(TimeSeriesChart::Overlay::Loading);
        return;
    }
    const auto selected = selectedFeatures();
    if (selected.isEmpty()) {
        psiChart_->keepOnly({});
        psiChart_->setOverlay(TimeSeriesChart::Overlay::NoData,
                              QStringLiteral("Select features to chart their PSI"));
        return;
    }
    if (psiComputing_) {
        psiAgain_ = true;  // with what is current once this one is back
        return;
    }
    psiComputing_ = true;
    const auto& models = session().models().models();
    psiModelVersions_ = versionsIn(models);
    auto range = std::exchange(newRange_, std::nullopt);
    psiWork_.run(
        [range = std::move(range), steps = steps_, models, selected]() {
            PsiOverTime out;
            out.steps =
                range ? std::make_shared<const PsiSteps>(driftCountsOverTime(*range)) : steps;
            out.features = selected;
            out.series = psiOverTime(*out.steps, models, selected, kMinimumPsiValues);
            return out;
        },
        [this](PsiOverTime computed) { onPsiOverTime(std::move(computed)); });
}

void DriftPage::onPsiOverTime(PsiOverTime computed) {
    psiComputing_ = false;
    steps_ = std::move(computed.steps);
    // Series for a selection the analyst has since left are not drawn, not even for a moment.
    if (computed.features == selectedFeatures()) {
        QStringList names;
        std::size_t points = 0;
        for (auto& series : computed.series) {
            names << series.name;
            points += series.points.size();
            psiChart_->setSeries(series.name, std::move(series.points));
        }
        psiChart_->keepOnly(names);
        if (points == 0)
            psiChart_->setOverlay(TimeSeriesChart::Overlay::NoData,
                                  QStringLiteral("No step of the range has %1 values of these "
                                                 "features yet")
                                      .arg(kMinimumPsiValues));
        else
            psiChart_->setOverlay(TimeSeriesChart::Overlay::None);
    }
    if (std::exchange(psiAgain_, false) || newRange_)
        drawPsiOverTime();
}

void DriftPage::updateSummary() {
    const auto& r = model_.report();
    if (reports_ == 0) {
        summary_->setText(error_.isEmpty() ? QStringLiteral("Reading the cluster's counts…")
                                           : error_);
        return;
    }
    const QLocale locale;
    QString text = QStringLiteral("Stable %1 against its training baseline: %2 scores in the range")
                       .arg(r.stableVersion, locale.toString(qint64(r.score.stable.samples)));
    if (!r.canaryVersion.isEmpty())
        text += QStringLiteral("; canary %1 against the stable: %2 scores")
                    .arg(r.canaryVersion, locale.toString(qint64(r.score.canary.samples)));
    text += QStringLiteral(". ");
    int drifted = 0, stable = 0, unsure = 0;
    QStringList cyclic;
    for (const auto& row : r.features) {
        if (row.feature.cyclic)
            cyclic << row.feature.name;
        const auto v = verdictOf(row, row.stable);
        if (!v)
            continue;
        drifted += *v == DriftVerdict::Drifted;
        stable += *v == DriftVerdict::Stable;
        unsure += *v == DriftVerdict::NotEnoughData;
    }
    text += QStringLiteral("%1 drifted, %2 stable, %3 not enough data")
                .arg(drifted)
                .arg(stable)
                .arg(unsure);
    if (!cyclic.isEmpty())
        text += QStringLiteral("; %1 left out (cyclic)").arg(cyclic.join(QStringLiteral(", ")));
    text += QStringLiteral(". Drifted when the PSI's 95 % interval lies at or above %1.")
                .arg(r.threshold, 0, 'f', 2);
    if (!error_.isEmpty())
        text += QStringLiteral("\nShowing the last figures: %1").arg(error_);
    summary_->setText(text);
}

QString DriftPage::summaryText() const {
    return summary_->text();
}

PageContent DriftPage::content() const {
    const auto& r = model_.report();
    int withValues = 0;
    for (const auto& row : r.features)
        withValues += row.stable.present;
    std::size_t points = 0;
    const auto names = psiChart_->seriesNames();
    for (const auto& name : names)
        points += psiChart_->drawnPointCount(name);
    PageContent c;
    c.complete = r.score.stable.present && withValues > 0 && points > 0;
    c.summary = QStringLiteral(
                    "%1 of %2 features with values; score histogram of %3 series; "
                    "PSI chart of %4 series, %5 points")
                    .arg(withValues)
                    .arg(r.features.size())
                    .arg(score_->chart()->series().size())
                    .arg(names.size())
                    .arg(points);
    return c;
}

}  // namespace fraudops
