#include "prometheus/ScorerQueries.h"

#include "prometheus/QueryTemplate.h"

namespace fraudops::scorerQueries {
namespace {

QString sumBy(const QString& by) {
    return by.isEmpty() ? QStringLiteral("sum") : QStringLiteral("sum by (%1)").arg(by);
}

}  // namespace

QString decided() {
    return QStringLiteral(R"(fraud_scorer_decisions_total{variant!="shadow"})");
}

QString scoresPerSecond(const QString& by) {
    return sumBy(by) + R"( (rate(fraud_scorer_requests_total{code="OK"}[$window])))";
}

QString scoreLatencyQuantile(double q, const QString& by) {
    const QString labels = by.isEmpty() ? QStringLiteral("le") : by + QStringLiteral(", le");
    return QStringLiteral(
               "histogram_quantile(%1, sum by (%2) "
               "(rate(fraud_scorer_request_duration_seconds_bucket{method=\"Score\"}["
               "$window])))")
        .arg(q)
        .arg(labels);
}

QString errorPercent() {
    return QStringLiteral(R"(100 * sum(rate(fraud_scorer_requests_total{code!="OK"}[$window])) / )"
                          R"(clamp_min(sum(rate(fraud_scorer_requests_total[$window])), 1e-9))");
}

QString shedPercent() {
    return QStringLiteral(R"(100 * sum(rate(fraud_scorer_rejected_total[$window])) / )"
                          R"(clamp_min(sum(rate(fraud_scorer_requests_total[$window])), 1e-9))");
}

QString errorsByCode() {
    return QStringLiteral(
        R"(sum by (code) (rate(fraud_scorer_requests_total{code!="OK"}[$window])))");
}

QString declinePercent() {
    return QStringLiteral(
        R"(100 * sum(rate(fraud_scorer_decisions_total{variant!="shadow",decision="decline"})"
        R"([$window])) / clamp_min(sum(rate(fraud_scorer_decisions_total{variant!="shadow"})"
        R"([$window])), 1e-9))");
}

QString decisionsPerSecondBy(const QString& label) {
    return sumBy(label) + " (rate(" + decided() + "[$window]))";
}

QString decisionsPerSecond() {
    return "sum(rate(" + decided() + "[$window]))";
}

QString replicasUp() {
    return QStringLiteral(R"(sum(up{job="$job"}))");
}

QString maxStableDrift(int minSamples) {
    return QStringLiteral(R"(topk(1, max by (feature) (fraud_scorer_psi{reference="baseline",)"
                          R"(variant="stable",cyclic="false",feature!="score"} and on (instance) )"
                          R"((fraud_scorer_drift_window_samples{variant="stable"} >= %1))))")
        .arg(minSamples);
}

QString stableDriftSamples() {
    return QStringLiteral(R"(sum(fraud_scorer_drift_window_samples{variant="stable"}))");
}

QString cyclicDriftFeatures() {
    return QStringLiteral(
        R"(count by (feature) (fraud_scorer_psi{reference="baseline",variant="stable",)"
        R"(cyclic="true"}))");
}

QString featureBinIncrease(const QString& selector) {
    return QStringLiteral(
               "sum by (variant, model_version, bins, feature, le) "
               "(increase(fraud_scorer_feature_baseline_bins_bucket{%1}[$window]))")
        .arg(selector);
}

QString featureMissingIncrease(const QString& selector) {
    return QStringLiteral(
               "sum by (variant, model_version, feature) "
               "(increase(fraud_scorer_feature_missing_total{%1}[$window]))")
        .arg(selector);
}

QString scoresPerCore() {
    return scoresPerSecond() +
           R"( / clamp_min(sum(rate(process_cpu_seconds_total{job="$job"}[$window])), 1e-9))";
}

QString cpuPercentBy(const QString& label) {
    return "100 * " + sumBy(label) + R"( (rate(process_cpu_seconds_total{job="$job"}[$window])))";
}

QString residentMegabytesBy(const QString& label) {
    return sumBy(label) + R"( (process_resident_memory_bytes{job="$job"}) / 1e6)";
}

}  // namespace fraudops::scorerQueries

namespace fraudops {

ScorerFigures readScorerFigures(const PrometheusEndpoint& prometheus, const QString& job,
                                std::chrono::seconds rateWindow) {
    ScorerFigures figures;
    const QueryContext context{job, rateWindow};
    const auto read = [&](const QString& expression, double scale) -> std::optional<double> {
        const PrometheusResult r = prometheusQuery(prometheus, expandQuery(expression, context));
        if (!r.ok() && figures.error.isEmpty())
            figures.error = r.error->message;
        const auto v = firstValue(r);
        return v ? std::optional<double>(*v * scale) : std::nullopt;
    };
    figures.scoresPerSecond = read(scorerQueries::scoresPerSecond(), 1);
    figures.p99Ms = read(scorerQueries::scoreLatencyQuantile(0.99), 1000);
    figures.errorPercent = read(scorerQueries::errorPercent(), 1);
    figures.declinePercent = read(scorerQueries::declinePercent(), 1);
    figures.replicasUp = read(scorerQueries::replicasUp(), 1);
    return figures;
}

}  // namespace fraudops
