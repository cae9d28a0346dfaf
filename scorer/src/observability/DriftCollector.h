#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "observability/FeatureDrift.h"

namespace fraud {

// Exports the drift of the models being served, computed at each scrape:
//  - fraud_scorer_feature_baseline_bins{variant,model_version,feature,bins}: a histogram per
//    input feature and for the score ("score") whose buckets are the training-baseline bins of
//    version `bins` (the model's own; a canary's also on the stable's), cumulative, so that
//    PSI over any range and any set of replicas can be computed in PromQL or by the console
//    from increase() of the buckets;
//  - fraud_scorer_feature_missing_total: missing values, which the buckets do not hold;
//  - fraud_scorer_psi{variant,model_version,feature,reference}: PSI of the present values over
//    the sliding window against the baseline (reference="baseline") and, for a canary,
//    against what the stable model saw in the same window on the stable's bins
//    (reference="stable"); empty bins are floored at kPsiFloor (1e-4) of the total;
//  - fraud_scorer_feature_missing_share{...,window="live"|"baseline"}: missing values apart
//    (why: DriftCollector.cpp);
//  - fraud_scorer_drift_window_samples{variant,model_version} beside it, and the window length.
class DriftCollector final : public prometheus::Collectable {
public:
    explicit DriftCollector(std::chrono::seconds window) : window_(window) {}

    // The drift objects of the set now serving (stable first, then the canary if any).
    void track(std::shared_ptr<FeatureDrift> stable, std::shared_ptr<FeatureDrift> canary);
    // Moves every tracked window forward; called every window / 30 (at least each second).
    void tick();
    std::chrono::seconds window() const { return window_; }

    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    std::chrono::seconds window_;
    mutable std::mutex mutex_;
    std::shared_ptr<FeatureDrift> stable_, canary_;
};

}  // namespace fraud
