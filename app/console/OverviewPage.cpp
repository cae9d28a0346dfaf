#include "OverviewPage.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QScrollArea>
#include <QVBoxLayout>
#include <cmath>

#include "charts/TimeSeriesChart.h"
#include "tiles/StatTile.h"

namespace fraudops {
namespace {

// Decisions made (a shadow canary's are recorded, not made).
const QString kDecided = R"(fraud_scorer_decisions_total{variant!="shadow"})";

QString quantile(double q) {
    return QStringLiteral(
               "histogram_quantile(%1, sum by (le) "
               "(rate(fraud_scorer_request_duration_seconds_bucket{method=\"Score\"}[$window])))")
        .arg(q);
}

}  // namespace

OverviewPage::OverviewPage(QWidget* parent) : QWidget(parent) {
    auto* scores = new StatTile("Scores", "/s", this);
    latency_ = new StatTile("p99 latency (Score)", "ms", this);
    auto* errors = new StatTile("Error rate", "%", this);
    auto* declines = new StatTile("Decline rate", "%", this);
    auto* replicas = new StatTile("Replicas up / desired", "", this);
    auto* drift = new StatTile("Drift (max PSI, stable)", "", this);
    auto* capacity = new StatTile("Capacity", "scores/s per core", this);
    errors->setThresholds(StatTile::Thresholds{0.1, 1.0, true});
    drift->setThresholds(StatTile::Thresholds{0.1, 0.25, true});

    panels_.addTile(scores, "sum(rate(fraud_scorer_requests_total{code=\"OK\"}[$window]))");
    panels_.addTile(latency_, quantile(0.99), 1000.0);
    panels_.addTile(errors,
                    "100 * sum(rate(fraud_scorer_requests_total{code!=\"OK\"}[$window])) / "
                    "clamp_min(sum(rate(fraud_scorer_requests_total[$window])), 1e-9)");
    panels_.addTile(declines, "100 * sum(rate(" + kDecided.chopped(1) +
                                  ",decision=\"decline\"}[$window])) / clamp_min(sum(rate(" +
                                  kDecided + "[$window])), 1e-9)");
    panels_.addTile(replicas, "sum(up{job=\"$job\"})", 1,
                    [this](StatTile* tile, std::optional<double> up, const auto&) {
                        const int n = up ? static_cast<int>(std::lround(*up)) : 0;
                        const int want = desiredReplicas_ > 0 ? desiredReplicas_ : n;
                        tile->setValue(up, QStringLiteral("%1 / %2").arg(n).arg(want));
                        tile->setLevel(!up         ? StatTile::Level::Unknown
                                       : n >= want ? StatTile::Level::Good
                                       : n > 0     ? StatTile::Level::Warning
                                                   : StatTile::Level::Critical);
                    });
    // The feature that moved most, over windows of at least 500 scores. hour_of_day is left
    // out: a window shorter than a day never matches a whole-day baseline (docs/operations.md).
    panels_.addTile(drift,
                    "topk(1, max by (feature) (fraud_scorer_psi{reference=\"baseline\","
                    "variant=\"stable\",feature!=\"hour_of_day\"} and on (instance) "
                    "(fraud_scorer_drift_window_samples{variant=\"stable\"} > 500)))",
                    1, [](StatTile* tile, std::optional<double> psi, const auto& labels) {
                        const auto f = labels.find(QStringLiteral("feature"));
                        const QString feature = f == labels.end() ? QString() : f->second + ": ";
                        tile->setValue(psi, {},
                                       !psi ? QStringLiteral("fewer than 500 scores in the window")
                                       : *psi < 0.1  ? feature + QStringLiteral("stable")
                                       : *psi < 0.25 ? feature + QStringLiteral("worth a look")
                                                     : feature + QStringLiteral("shifted"));
                    });
    // Scores per CPU-second across the cluster; replicas (one core each) for the target at 70 %.
    panels_.addTile(
        capacity,
        "sum(rate(fraud_scorer_requests_total{code=\"OK\"}[$window])) / "
        "clamp_min(sum(rate(process_cpu_seconds_total{job=\"$job\"}[$window])), "
        "1e-9)",
        1, [](StatTile* tile, std::optional<double> perCore, const auto&) {
            if (!perCore || *perCore <= 0) {
                tile->setValue(std::nullopt, {}, QStringLiteral("no load yet"));
                return;
            }
            const double needed = std::ceil(kTargetRate / (*perCore * 0.7));
            tile->setValue(
                perCore, {},
                QStringLiteral("%1 replicas for %2/s at 70 % CPU").arg(needed).arg(kTargetRate));
            tile->setLevel(StatTile::Level::Good);
        });

    auto* throughput = new TimeSeriesChart("Throughput by variant", "scores/s", this);
    latencyChart_ = new TimeSeriesChart("Latency (Score)", "ms", this);
    auto* errorChart = new TimeSeriesChart("Errors by status code", "requests/s", this);
    auto* decisions = new TimeSeriesChart("Decisions by outcome", "decisions/s", this);
    setLatencySlo(sloMs_);
    panels_.addChartQuery(throughput, "sum by (variant) (rate(" + kDecided + "[$window]))",
                          "variant");
    panels_.addChartQuery(latencyChart_, quantile(0.5), {}, "p50", 1000.0);
    panels_.addChartQuery(latencyChart_, quantile(0.95), {}, "p95", 1000.0);
    panels_.addChartQuery(latencyChart_, quantile(0.99), {}, "p99", 1000.0);
    panels_.addChartQuery(
        errorChart, "sum by (code) (rate(fraud_scorer_requests_total{code!=\"OK\"}[$window]))",
        "code", {}, 1, true);
    panels_.addChartQuery(decisions, "sum by (decision) (rate(" + kDecided + "[$window]))",
                          "decision");

    auto* tiles = new QHBoxLayout;
    for (auto* t : {scores, latency_, errors, declines, replicas, drift, capacity})
        tiles->addWidget(t);
    auto* charts = new QGridLayout;
    charts->addWidget(throughput, 0, 0);
    charts->addWidget(latencyChart_, 0, 1);
    charts->addWidget(errorChart, 1, 0);
    charts->addWidget(decisions, 1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(tiles);
    layout->addLayout(charts, 1);
}

void OverviewPage::setLatencySlo(double milliseconds) {
    sloMs_ = milliseconds;
    latency_->setThresholds(StatTile::Thresholds{milliseconds * 0.8, milliseconds, true});
    if (latencyChart_)
        latencyChart_->setThreshold(QStringLiteral("SLO %1 ms").arg(milliseconds), milliseconds);
}

}  // namespace fraudops
