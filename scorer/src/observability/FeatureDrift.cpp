#include "observability/FeatureDrift.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace fraud {
namespace {

std::atomic<std::uint64_t> nextDriftId{1};

// A single writer's increment: no read-modify-write instruction needed.
template <typename T>
void add(std::atomic<T>& a, T v) {
    a.store(a.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
}

std::size_t binOf(const Histogram& h, double x) {
    return static_cast<std::size_t>(std::lower_bound(h.edges.begin(), h.edges.end(), x) -
                                    h.edges.begin());
}

}  // namespace

FeatureDrift::Shard::Shard(std::size_t counters, std::size_t series)
    : counts(std::make_unique<std::atomic<std::uint64_t>[]>(counters)),
      sums(std::make_unique<std::atomic<double>[]>(series)) {}

FeatureDrift::Shard& FeatureDrift::shardOfThisThread() {
    // A few (drift object, shard) pairs per thread: a thread serves the stable model and maybe
    // a canary; an entry of an object that is gone is never matched again (ids are unique).
    struct Entry {
        std::uint64_t id = 0;
        Shard* shard = nullptr;
    };
    thread_local std::array<Entry, 4> cache{};
    thread_local std::size_t nextSlot = 0;
    for (const auto& e : cache) {
        if (e.id == id_)
            return *e.shard;
    }
    Shard* shard = nullptr;
    {
        std::lock_guard lock(shardsMutex_);
        shard = &shards_.emplace_back(counterCount_, series_.size() + referenceSeries_.size());
    }
    cache[nextSlot] = {id_, shard};
    nextSlot = (nextSlot + 1) % cache.size();
    return *shard;
}

FeatureDrift::FeatureDrift(std::string variant, const ModelManifest& manifest,
                           const ModelManifest* reference)
    : variant_(std::move(variant)), version_(manifest.version), id_(nextDriftId.fetch_add(1)) {
    const auto& features = manifest.schema.features;
    const auto& baseline = manifest.baseline;
    for (std::size_t i = 0; i < features.size(); ++i) {
        if (baseline.contains("features") && baseline["features"].contains(features[i])) {
            addSeries(series_, features[i], baseline["features"][features[i]], i, false);
            series_.back().cyclic = manifest.schema.isCyclic(features[i]);
        }
    }
    if (baseline.contains("score"))
        addSeries(series_, "score", baseline["score"], 0, true);
    if (reference != nullptr) {
        referenceVersion_ = reference->version;
        const auto& ref = reference->baseline;
        for (std::size_t i = 0; i < features.size(); ++i) {
            if (ref.contains("features") && ref["features"].contains(features[i]))
                addSeries(referenceSeries_, features[i], ref["features"][features[i]], i, false);
        }
        if (ref.contains("score"))
            addSeries(referenceSeries_, "score", ref["score"], 0, true);
    }
    window_.counts.assign(counterCount_, 0);
}

FeatureDrift::~FeatureDrift() = default;

void FeatureDrift::addSeries(std::vector<Series>& to, const std::string& name,
                             const nlohmann::json& hist, std::size_t input, bool isScore) {
    Series s;
    s.name = name;
    s.baseline = Histogram::fromJson(hist);
    s.input = input;
    s.isScore = isScore;
    s.offset = counterCount_;
    counterCount_ += s.bins() + 1;
    to.push_back(std::move(s));
}

void FeatureDrift::observe(std::span<const float> inputs, double score) {
    Shard& shard = shardOfThisThread();
    std::size_t sumIndex = 0;
    const auto count = [&](const std::vector<Series>& all) {
        for (const Series& s : all) {
            const double x = s.isScore ? score : static_cast<double>(inputs[s.input]);
            if (std::isnan(x)) {
                shard.counts[s.offset + s.bins()].fetch_add(1, std::memory_order_relaxed);
            } else {
                shard.counts[s.offset + binOf(s.baseline, x)].fetch_add(1,
                                                                        std::memory_order_relaxed);
                shard.sums[sumIndex].fetch_add(x, std::memory_order_relaxed);
            }
            ++sumIndex;
        }
    };
    count(series_);
    count(referenceSeries_);
    add<std::uint64_t>(shard.samples, 1);
}

FeatureDrift::Snapshot FeatureDrift::snapshot() const {
    Snapshot s;
    s.when = std::chrono::steady_clock::now();
    s.counts.assign(counterCount_, 0);
    s.sums.assign(series_.size() + referenceSeries_.size(), 0.0);
    std::lock_guard lock(shardsMutex_);
    for (const auto& shard : shards_) {
        s.samples += shard.samples.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < counterCount_; ++i)
            s.counts[i] += shard.counts[i].load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < s.sums.size(); ++i)
            s.sums[i] += shard.sums[i].load(std::memory_order_relaxed);
    }
    return s;
}

void FeatureDrift::tick(std::chrono::steady_clock::time_point now, std::chrono::seconds window) {
    Snapshot latest = snapshot();
    std::lock_guard lock(windowMutex_);
    // Keep the newest snapshot at or before the window's start, and every one after it.
    while (history_.size() >= 2 && history_[1].when <= now - window)
        history_.pop_front();
    const Snapshot* start = history_.empty() ? nullptr : &history_.front();
    window_.counts.assign(counterCount_, 0);
    for (std::size_t i = 0; i < counterCount_; ++i)
        window_.counts[i] = latest.counts[i] - (start ? start->counts[i] : 0);
    window_.samples = latest.samples - (start ? start->samples : 0);
    history_.push_back(std::move(latest));
}

FeatureDrift::Window FeatureDrift::window() const {
    std::lock_guard lock(windowMutex_);
    return window_;
}

}  // namespace fraud
