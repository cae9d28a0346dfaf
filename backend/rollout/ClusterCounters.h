#pragma once

#include <QString>
#include <optional>
#include <string>
#include <vector>

#include "prometheus/PrometheusHttp.h"
#include "rollout/StepEvidence.h"

namespace fraudops::rollout {

// Reads the counters a step's gates need from Prometheus as raw values, one series per replica
// (never rate() or increase(): StepEvidence takes the deltas, through restarts), and the
// lowest rollout generation any replica serves (a step is looked at only once every replica
// serves it).
class ClusterCounters {
public:
    ClusterCounters(PrometheusEndpoint prometheus, QString job);

    // The named counters (StepEvidence's names: "cards/canary/decline", "requests/stable",
    // ...), or the error that kept Prometheus from answering.
    struct Read {
        CounterSnapshot snapshot;
        std::optional<std::string> error;
    };
    Read read(const std::vector<std::string>& counters) const;
    // min over replicas of fraud_scorer_rollout_generation, and how many replicas answered.
    struct Generation {
        std::uint64_t lowest = 0, highest = 0;
        std::size_t replicas = 0;
        std::optional<std::string> error;
    };
    Generation servedGeneration() const;

    // The PromQL a counter name resolves to, for explanations.
    QString queryFor(const std::string& counter) const;

private:
    bool readScoreBins(const std::string& prefix, std::size_t bins, Read& out) const;
    bool readLatency(const std::string& variant, Read& out) const;

    PrometheusEndpoint prometheus_;
    QString job_;
};

}  // namespace fraudops::rollout
