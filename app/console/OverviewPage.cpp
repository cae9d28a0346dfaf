#include "OverviewPage.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
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
    // The feature that moved most, on replicas whose window holds enough scores, leaving out
    // features that cycle by construction (cyclic="true": the hour of day never matches a
    // whole-day baseline in a shorter window).
    drift_ = drift;
    panels_.addTile(drift,
                    "topk(1, max by (feature) (fraud_scorer_psi{reference=\"baseline\","
                    "variant=\"stable\",cyclic=\"false\"} and on (instance) "
                    "(fraud_scorer_drift_window_samples{variant=\"stable\"} >= " +
                        QString::number(kMinDriftSamples) + ")))",
                    1, [this](StatTile*, std::optional<double> psi, const auto& labels) {
                        const auto f = labels.find(QStringLiteral("feature"));
                        driftPsi_ = psi;
                        driftFeature_ = f == labels.end() ? QString() : f->second;
                        showDrift();
                    });
    panels_.addInstantQuery("sum(fraud_scorer_drift_window_samples{variant=\"stable\"})",
                            [this](const PrometheusResult& r) {
                                driftSamples_.reset();
                                if (r.ok() && !r.series.empty() && !r.series[0].samples.empty())
                                    driftSamples_ = r.series[0].samples[0].value;
                                showDrift();
                            });
    panels_.addInstantQuery(
        "count by (feature) (fraud_scorer_psi{reference=\"baseline\",variant=\"stable\","
        "cyclic=\"true\"})",
        [this](const PrometheusResult& r) {
            QStringList cyclic;
            for (const auto& s : r.series) {
                const auto f = s.labels.find(QStringLiteral("feature"));
                if (f != s.labels.end())
                    cyclic << f->second;
            }
            cyclic.sort();
            driftCyclic_ = cyclic.join(", ");
            showDrift();
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
    banner_ = new QLabel(this);
    banner_->setObjectName("warmupBanner");
    banner_->setStyleSheet("background: #fff3e0; color: #e65100; padding: 6px;");
    banner_->hide();
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(banner_);
    layout->addLayout(tiles);
    layout->addLayout(charts, 1);
}

void OverviewPage::showDrift() {
    if (warmup_)
        return;
    const QString samples =
        driftSamples_ ? QLocale().toString(std::llround(*driftSamples_)) : QStringLiteral("no");
    const QString leftOut = driftCyclic_.isEmpty()
                                ? QString()
                                : QStringLiteral("; %1 left out (cyclic)").arg(driftCyclic_);
    if (!driftPsi_) {
        drift_->setValue(std::nullopt, {},
                         QStringLiteral("not enough data: %1 scores in the window, %2 a replica "
                                        "needed")
                             .arg(samples)
                             .arg(kMinDriftSamples));
        return;
    }
    const double psi = *driftPsi_;
    const QString verdict = psi < 0.1    ? QStringLiteral("stable")
                            : psi < 0.25 ? QStringLiteral("worth a look")
                                         : QStringLiteral("shifted");
    drift_->setValue(
        psi, {},
        QStringLiteral("%1: %2 · %3 scores%4").arg(driftFeature_, verdict, samples, leftOut));
}

void OverviewPage::setWarmup(std::optional<double> progress) {
    warmup_ = progress;
    if (!progress) {
        banner_->hide();
        return;
    }
    const QString text = QStringLiteral("warming up (%1 %)").arg(std::lround(100 * *progress));
    banner_->setText(QStringLiteral("The demo traffic is warming the scorers' card histories "
                                    "with a simulated day (%1 %): the figures start when it "
                                    "ends.")
                         .arg(std::lround(100 * *progress)));
    banner_->show();
    for (auto* tile : findChildren<StatTile*>())
        tile->setValue(std::nullopt, {}, text);
}

void OverviewPage::refresh(std::chrono::seconds span) {
    // While the demo warms up there is no live traffic: no figure would mean anything.
    if (!warmup_)
        panels_.refresh(span);
}

void OverviewPage::setLatencySlo(double milliseconds) {
    sloMs_ = milliseconds;
    latency_->setThresholds(StatTile::Thresholds{milliseconds * 0.8, milliseconds, true});
    if (latencyChart_)
        latencyChart_->setThreshold(QStringLiteral("SLO %1 ms").arg(milliseconds), milliseconds);
}

}  // namespace fraudops
