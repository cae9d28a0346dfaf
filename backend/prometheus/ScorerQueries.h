#pragma once

#include <QString>
#include <optional>

#include "prometheus/PrometheusHttp.h"

namespace fraudops {

// The PromQL over the scorers' metrics that the console, fraudctl and the release gates
// share, written once. Expressions use QueryTemplate's placeholders: `$job` (the job that
// scrapes the scorers) and `$window` (the range of rate()).
namespace scorerQueries {

// Decisions made: a shadow canary's are recorded, not made.
QString decided();
// Scores answered OK per second, summed (or `by` a label such as "replica").
QString scoresPerSecond(const QString& by = {});
// The q-quantile of Score's latency in seconds (or `by` a label).
QString scoreLatencyQuantile(double q, const QString& by = {});
// Percent of requests that failed.
QString errorPercent();
// Scoring calls refused by admission control (RESOURCE_EXHAUSTED), as a percentage of all.
QString shedPercent();
// Failed requests per second by status code.
QString errorsByCode();
// Percent of made decisions that declined.
QString declinePercent();
QString decisionsPerSecondBy(const QString& label);  // variant, decision
// Decisions made per second, the whole cluster (what the live feed samples).
QString decisionsPerSecond();
QString replicasUp();
// The stable model's most-moved non-cyclic input, on replicas whose drift window holds at
// least `minSamples` scores (a `feature` label on the one series). Not the score: it depends
// on the hour of day through the model, so a window shorter than a day compares one hour's
// scores with a whole day's (the Drift page shows it, with that note).
QString maxStableDrift(int minSamples);
QString stableDriftSamples();
// Features whose PSI is cyclic by construction (hour of day), one series each.
QString cyclicDriftFeatures();
// Values counted in each training-baseline bin over `$window`, summed over replicas, by
// variant, model_version, bins (the version whose bins they are), feature and le; `selector`
// narrows the series (e.g. `variant="stable"` or `instance="10.0.0.7:9464"`).
QString featureBinIncrease(const QString& selector = {});
// Missing values over `$window`, summed over replicas, by variant, model_version and feature.
QString featureMissingIncrease(const QString& selector = {});
// Scores per CPU-second across the cluster.
QString scoresPerCore();
QString cpuPercentBy(const QString& label);
QString residentMegabytesBy(const QString& label);

}  // namespace scorerQueries

// A cluster's headline figures, read now (blocking; fraudctl's `metrics`).
struct ScorerFigures {
    std::optional<double> scoresPerSecond, p99Ms, errorPercent, declinePercent, replicasUp;
    QString error;  // the first query that failed, if any
};
ScorerFigures readScorerFigures(const PrometheusEndpoint& prometheus, const QString& job,
                                std::chrono::seconds rateWindow);

}  // namespace fraudops
