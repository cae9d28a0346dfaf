#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gates/BernoulliSequence.h"
#include "gates/GateVerdict.h"
#include "gates/RateRatioSequence.h"
#include "rollout/CounterTally.h"
#include "rollout/RolloutPlan.h"

namespace fraudops::rollout {

// The counters the gates read, by name ("cards/canary/decline", "requests/stable", ...): each
// a set of series (one per replica) and their current raw values. A look reads them all at
// once (GateQueries.h says from where).
using CounterSnapshot = std::map<std::string, CounterTally::Values>;

// A model's training baseline of its scores, from its manifest: bin shares over `count` scores
// (the last bin above the last edge), the bins the scorer counts live scores in.
struct ScoreBaseline {
    std::string version;
    std::vector<double> shares;
    std::uint64_t count = 0;
    bool empty() const { return shares.empty(); }
};
// The canary's and the stable version's, for a score-distribution gate.
struct ScoreBaselines {
    ScoreBaseline canary, stable;
};
// Reads manifest.json's baseline.score; an empty baseline if it has none.
ScoreBaseline scoreBaselineOf(const std::string& version, const nlohmann::json& manifest);

// Which counter a gate's events and exposure come from, on each side. `canaryVariant` is
// "canary" in split mode and "shadow" in shadow mode (the scorer's variant label).
struct GateCounters {
    std::string canaryEvents, stableEvents;
    std::string canaryExposure, stableExposure;
    // Requests slower than the SLO are the requests less those within it: their counters.
    std::string canaryWithin, stableWithin;
    // Gates that count cards also say how many transactions those cards made.
    std::string canaryTransactions, stableTransactions;
};
GateCounters countersFor(const GateSpec& gate, const std::string& canaryVariant);
// Every counter a step's gates read, for the queries; a score-distribution gate reads each bin
// of both versions' score histograms on their own baselines ("scorebins/canary/v3/4").
std::vector<std::string> countersOf(const std::vector<GateSpec>& gates,
                                    const std::string& canaryVariant,
                                    const ScoreBaselines& baselines = {});

// The step's p99 latency on one side, shown and never gated: a time-uniform band needs about
// 90,000 requests before its upper end is finite (gates::quantileBand).
struct LatencyBand {
    std::string variant;             // "canary", "shadow" or "stable"
    double requests = 0;             // Score calls since the step began
    std::optional<double> p99;       // the histogram edge the p99 falls under (seconds); none: +Inf
    gates::ConfidenceInterval band;  // seconds; upper +Inf until there are enough requests
};
// The counters a side's latency histogram is read into: one per bucket edge, cumulative, the
// last +Inf ("latency/canary/16").
std::vector<std::string> latencyCounters(const std::string& variant);

// A gate's verdict with what a person needs to trust it.
struct GateResult {
    std::string name;
    GateSpec spec;
    gates::GateVerdict verdict = gates::GateVerdict::NotEnoughData;
    double canaryEvents = 0, stableEvents = 0;      // since the step began
    double canaryExposure = 0, stableExposure = 0;  // cards (or requests) on each side
    // The transactions behind the cards (card gates); none for request gates and scores.
    std::optional<double> canaryTransactions, stableTransactions;
    double canaryRate = 0, stableRate = 0;  // events / exposure
    double estimate = 0;                    // rate ratio, or the share (flip gates)
    gates::ConfidenceInterval interval;     // anytime-valid, at the gate's α
    double threshold = 0;                   // 1 + δ for a ratio, the limit for a share
    double logEvidence = 0;                 // against "no difference" (ratios)
    double pValue = 1;                      // anytime-valid p-value (ratios)
    // At the current rates, roughly how long until the interval clears the threshold; none
    // when the estimate sits on the threshold (it may never decide).
    std::optional<double> secondsToDecision;
    std::string summary;  // one line, for the audit log and the console
};
// A result as the audit annotation, the run record and `fraudctl analyze --json` give it;
// an open interval's end is null, and transactions are given only by card gates.
nlohmann::json gateResultJson(const GateResult& result);

// Everything a step has gathered: the counters' tallies since it began and each gate's
// statistic, look after look. Kept in the rollout run record (toJson), so a runner that takes
// over resumes the step with its evidence instead of starting the analysis again.
class StepEvidence {
public:
    StepEvidence() = default;
    // `alphaPerGate`: each gate's share of the plan's α.
    StepEvidence(std::vector<GateSpec> gates, std::string canaryVariant, double alphaPerGate,
                 ScoreBaselines baselines = {});

    // One look at `elapsedSeconds` into the step. The first look only sets the starting point.
    void observe(const CounterSnapshot& snapshot, double elapsedSeconds);
    std::vector<GateResult> results() const;
    // The canary side's p99 band, then the stable side's, over the step so far (α = 0.05).
    std::vector<LatencyBand> latencyBands() const;
    std::size_t looks() const { return looks_; }
    const std::string& canaryVariant() const { return canaryVariant_; }
    // Each gate's evidence over the step, for sparklines: (seconds, −log10 p) or, for flip
    // gates, (seconds, the estimate).
    const std::map<std::string, std::vector<std::pair<double, double>>>& history() const {
        return history_;
    }

    nlohmann::json toJson() const;
    // Throws std::runtime_error when the evidence does not fit `gates`.
    static StepEvidence fromJson(const nlohmann::json& j, std::vector<GateSpec> gates,
                                 ScoreBaselines baselines = {});

private:
    struct Interval {
        double share;
        double canary, stable;
    };
    struct Gate {
        GateSpec spec;
        GateCounters counters;
        std::vector<Interval> intervals;  // rate-ratio gates: every look's contribution
        gates::RateRatioSequence sequence;
        double successes = 0, trials = 0;  // flip gates
    };
    double total(const std::string& counter) const;
    double lastGrowth(const std::string& counter) const;
    GateResult resultOf(const Gate& gate) const;
    GateResult scoreDistributionOf(const Gate& gate) const;
    std::vector<std::uint64_t> binTotals(const std::string& variant,
                                         const ScoreBaseline& baseline) const;
    void addInterval(Gate& gate, const Interval& interval);

    std::vector<Gate> gates_;
    std::string canaryVariant_;
    double alpha_ = 0.05;
    ScoreBaselines baselines_;
    std::map<std::string, CounterTally> tallies_;
    std::map<std::string, double> growth_;  // each counter's growth in the last look
    std::map<std::string, std::vector<std::pair<double, double>>> history_;
    std::size_t looks_ = 0;
    double elapsed_ = 0;
};

}  // namespace fraudops::rollout
