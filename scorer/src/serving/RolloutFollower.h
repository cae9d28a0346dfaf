#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "observability/DriftCollector.h"
#include "registry/ModelRegistry.h"
#include "serving/ScoringEngine.h"

namespace fraud {

// Keeps one replica on the registry's newest rollout generation. It polls rollout.json (a
// stat every poll interval; `wake` skips the wait after a change made here), loads the
// versions a new generation names in the background, validates them (LoadedModel::load), and
// swaps the whole serving set into the engine at once; requests in flight finish on the set
// they started with. A version that fails to load or validate never replaces what serves: the
// replica keeps serving its last good generation, records the failure (status and metric) and
// reports itself not converged; it tries again when rollout.json changes, or after a while.
class RolloutFollower {
public:
    struct Failure {
        std::string version;
        std::string reason;
        std::int64_t whenMillis = 0;
        std::uint64_t generation = 0;
    };
    struct Status {
        RolloutState served;
        std::uint64_t generationSeen = 0;
        bool converged = false;
        std::deque<Failure> failures;  // newest last, at most kFailuresKept
    };
    static constexpr std::size_t kFailuresKept = 20;

    RolloutFollower(ModelRegistry registry, ScoringEngine& engine, ScorerMetrics& metrics,
                    DriftCollector& drift, std::chrono::milliseconds poll);
    ~RolloutFollower();

    // Serves the current generation before returning; throws if its stable version cannot
    // serve (a canary that cannot is recorded as a failure and left out).
    void start();
    void wake();
    Status status() const;
    // Loads and validates `version` the way a new generation would (cached when it serves),
    // checking that its features can be computed for the traffic of `stableVersion`. Throws
    // std::runtime_error saying what is wrong.
    std::shared_ptr<const LoadedModel> loadCompatible(const std::string& version,
                                                      const std::string& stableVersion);

private:
    void run(std::stop_token stop);
    // Reads rollout.json and converges to it if it is new; returns false on a failure.
    void follow();
    std::shared_ptr<const LoadedModel> load(const std::string& version);
    void apply(const RolloutState& next, bool allowWithoutCanary);
    // A failure to serve `next`: recorded, and the replica is not converged.
    void recordFailure(const RolloutState& next, const std::string& version,
                       const std::string& reason);
    // Only recorded (status and metric): a version refused before it was named.
    void noteFailure(const std::string& version, const std::string& reason,
                     std::uint64_t generation);
    std::shared_ptr<FeatureDrift> driftFor(const std::string& variant, const LoadedModel& model,
                                           const LoadedModel* reference);

    ModelRegistry registry_;
    ScoringEngine& engine_;
    ScorerMetrics& metrics_;
    DriftCollector& drift_;
    std::chrono::milliseconds poll_;

    mutable std::mutex mutex_;  // status_, the caches, the file identity
    Status status_;
    std::map<std::string, std::shared_ptr<const LoadedModel>> models_;  // the ones serving
    std::map<std::string, std::shared_ptr<FeatureDrift>> drifts_;       // by variant/version
    std::string fileIdentity_;
    std::uint64_t failedGeneration_ = 0;
    std::chrono::steady_clock::time_point failedAt_;

    std::mutex loadMutex_;  // one load at a time
    std::condition_variable_any wakeup_;
    bool woken_ = false;
    std::jthread thread_;
};

}  // namespace fraud
