#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/PopulationStability.h"
#include "registry/ModelManifest.h"
#include "training/Histogram.h"

namespace fraud {

// What one served model sees, binned by its training baseline: per input feature and for the
// score, a count per baseline bin (and of missing values), cumulative since the model started
// serving in this variant. The drift window (PSI over the last few minutes) is the difference
// of two snapshots, so the request path only increments counters, in a shard of its own
// thread: one writer per shard, so an increment is a plain relaxed load and store (no locked
// instruction, no shared cache line), and readers sum the shards.
//
// A canary's drift also bins its inputs and score on the stable model's baseline bins, so that
// canary and stable can be compared on the same bins.
class FeatureDrift {
public:
    struct Series {
        std::string name;  // the feature, or "score"
        Histogram baseline;
        std::size_t offset = 0;  // first counter: bins, then one for missing values
        std::size_t bins() const { return baseline.edges.size() + 1; }
        std::size_t input = 0;  // index in the model's inputs (unused for the score)
        bool isScore = false;
        bool cyclic = false;  // cycles by construction: exported, left out of verdicts
    };
    // Counts per counter, summed over the shards, with the moment they were read.
    struct Snapshot {
        std::chrono::steady_clock::time_point when;
        std::vector<std::uint64_t> counts;
        std::vector<double> sums;  // per series: sum of the finite values
        std::uint64_t samples = 0;
    };

    // `reference`: the stable model's manifest, for a canary; null for the stable itself.
    FeatureDrift(std::string variant, const ModelManifest& manifest,
                 const ModelManifest* reference);
    ~FeatureDrift();
    FeatureDrift(const FeatureDrift&) = delete;
    FeatureDrift& operator=(const FeatureDrift&) = delete;

    void observe(std::span<const float> inputs, double score);

    const std::string& variant() const { return variant_; }
    const std::string& version() const { return version_; }
    const std::vector<Series>& series() const { return series_; }
    // The same series on the stable model's bins (a canary's only; else empty).
    const std::vector<Series>& referenceSeries() const { return referenceSeries_; }
    // The version whose baseline bins referenceSeries() uses (a canary's stable; else empty).
    const std::string& referenceVersion() const { return referenceVersion_; }
    Snapshot snapshot() const;

    // The window: keeps snapshots, taken by `tick`, for `window`; `windowCounts` are the counts
    // since the oldest snapshot still inside it (or since serving started).
    void tick(std::chrono::steady_clock::time_point now, std::chrono::seconds window);
    struct Window {
        std::vector<std::uint64_t> counts;
        std::uint64_t samples = 0;
    };
    Window window() const;

private:
    void addSeries(std::vector<Series>& to, const std::string& name, const nlohmann::json& hist,
                   std::size_t input, bool isScore);
    // One per thread that has observed; written by that thread only.
    struct Shard {
        explicit Shard(std::size_t counters, std::size_t series);
        std::unique_ptr<std::atomic<std::uint64_t>[]> counts;
        std::unique_ptr<std::atomic<double>[]> sums;
        std::atomic<std::uint64_t> samples{0};
    };
    Shard& shardOfThisThread();

    std::string variant_;
    std::string version_;
    std::string referenceVersion_;
    std::vector<Series> series_;
    std::vector<Series> referenceSeries_;
    std::size_t counterCount_ = 0;
    const std::uint64_t id_;  // tells this object from one at the same address later
    mutable std::mutex shardsMutex_;
    std::deque<Shard> shards_;  // deque: a new shard never moves the others

    mutable std::mutex windowMutex_;
    std::deque<Snapshot> history_;
    Window window_;
};

}  // namespace fraud
