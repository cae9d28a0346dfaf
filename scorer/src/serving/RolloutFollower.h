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

// Keeps one replica on the registry's newest rollout generation, and serves the changes this
// replica's Control service commits.
//
// A change made here goes one way: `stage` loads the versions it names and builds their
// serving set (ScoringEngine::prepare: the one compatibility check), the Control service
// commits it to the registry, and `serve` swaps the staged set in under the committed
// generation. Nothing is checked twice: the poll that later sees rollout.json changed finds
// that generation served, and stops there.
//
// A change made elsewhere (another replica, a release tool) is found by polling rollout.json
// (a stat every poll interval): the versions it names are loaded and validated
// (LoadedModel::load) in the background, staged the same way, and served at once; requests in
// flight finish on the set they started with. A version that fails to load or validate never
// replaces what serves: the replica keeps serving its last good generation, records the
// failure (status and metric) and reports itself not converged; it tries again when
// rollout.json changes, or after a while.
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

private:
    // A rollout's serving set, ready to swap in.
    struct Prepared {
        std::shared_ptr<ServingSet> set;
        std::shared_ptr<FeatureDrift> stableDrift, canaryDrift;
        bool partial = false;  // the canary could not serve and was left out
    };

public:
    // A rollout's serving set, checked and not yet served. While it lives, this follower
    // applies nothing else: its own poll waits, then finds the committed generation served.
    class Staged {
    public:
        Staged(Staged&&) = default;
        Staged& operator=(Staged&&) = default;

    private:
        friend class RolloutFollower;
        Staged(std::unique_lock<std::mutex> lock, RolloutState rollout, Prepared prepared)
            : lock_(std::move(lock)),
              rollout_(std::move(rollout)),
              prepared_(std::move(prepared)) {}
        std::unique_lock<std::mutex> lock_;
        RolloutState rollout_;  // as staged, before the registry gave it a generation
        Prepared prepared_;
    };

    RolloutFollower(ModelRegistry registry, ScoringEngine& engine, ScorerMetrics& metrics,
                    DriftCollector& drift, std::chrono::milliseconds poll);
    ~RolloutFollower();

    // Serves the current generation before returning; throws if its stable version cannot
    // serve (a canary that cannot is recorded as a failure and left out).
    void start();
    Status status() const;

    // Loads and checks what `next` names, the way a new generation would be (a version that
    // serves is not loaded again). Throws std::runtime_error ("version v5 cannot serve: …"),
    // recorded as a load failure, if it cannot serve.
    Staged stage(const RolloutState& next);
    // Serves `staged` as `committed`, the state the registry wrote for it.
    void serve(Staged staged, const RolloutState& committed);

private:
    void run(std::stop_token stop);
    // Reads rollout.json and converges to it if it is new.
    void follow();
    std::shared_ptr<const LoadedModel> load(const std::string& version);
    // Under loadMutex_: the serving set for `next`. With `allowWithoutCanary`, a canary that
    // cannot serve is recorded and left out (a partial set) instead of failing the whole set.
    Prepared prepare(const RolloutState& next, bool allowWithoutCanary);
    // Under loadMutex_: swaps the set in and records `served` as what this replica serves.
    void install(Prepared prepared, RolloutState served);
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

    std::mutex loadMutex_;  // one change at a time: staging, serving, following
    std::condition_variable_any stopped_;
    std::jthread thread_;
};

}  // namespace fraud
