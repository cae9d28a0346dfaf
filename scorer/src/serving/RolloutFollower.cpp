#include "serving/RolloutFollower.h"

#include "common/FileIo.h"
#include "common/Time.h"

namespace fraud {
namespace {

// A version that could not be loaded, and why.
struct VersionError : std::runtime_error {
    VersionError(std::string v, const std::string& why)
        : std::runtime_error(why), version(std::move(v)) {}
    std::string version;
};

constexpr auto kRetryAfter = std::chrono::seconds(30);

}  // namespace

RolloutFollower::RolloutFollower(ModelRegistry registry, ScoringEngine& engine,
                                 ScorerMetrics& metrics, DriftCollector& drift,
                                 std::chrono::milliseconds poll)
    : registry_(std::move(registry)),
      engine_(engine),
      metrics_(metrics),
      drift_(drift),
      poll_(poll) {}

RolloutFollower::~RolloutFollower() {
    thread_.request_stop();
    stopped_.notify_all();
}

void RolloutFollower::start() {
    const auto identity = fileIdentity(registry_.rolloutPath());
    const auto rollout = registry_.readRollout();
    if (!rollout) {
        throw std::runtime_error("the registry " + registry_.root().string() +
                                 " has no rollout.json: train a model into it first "
                                 "(fraud-train synthetic --registry " +
                                 registry_.root().string() + ")");
    }
    {
        std::lock_guard lock(mutex_);
        fileIdentity_ = identity;
        status_.generationSeen = rollout->generation;
    }
    metrics_.setGenerationSeen(static_cast<double>(rollout->generation));
    try {
        std::lock_guard serialize(loadMutex_);
        install(prepare(*rollout, true), *rollout);
    } catch (const VersionError& e) {
        throw std::runtime_error("model " + e.version + ": " + e.what());
    }
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

RolloutFollower::Status RolloutFollower::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

void RolloutFollower::run(std::stop_token stop) {
    while (!stop.stop_requested()) {
        follow();
        std::unique_lock lock(mutex_);
        stopped_.wait_for(lock, stop, poll_, [] { return false; });
    }
}

void RolloutFollower::follow() {
    const auto identity = fileIdentity(registry_.rolloutPath());
    {
        std::lock_guard lock(mutex_);
        const bool retryDue =
            failedGeneration_ != 0 && std::chrono::steady_clock::now() - failedAt_ > kRetryAfter;
        if (identity == fileIdentity_ && !retryDue)
            return;
        fileIdentity_ = identity;
    }
    // After a change staged here is served: its generation is then found served below.
    std::lock_guard serialize(loadMutex_);
    std::optional<RolloutState> next;
    try {
        next = registry_.readRollout();
    } catch (const std::exception& e) {
        recordFailure(RolloutState{}, "", e.what());
        return;
    }
    if (!next)
        return;
    std::uint64_t served = 0;
    {
        std::lock_guard lock(mutex_);
        status_.generationSeen = std::max(status_.generationSeen, next->generation);
        served = status_.converged ? status_.served.generation : 0;
    }
    metrics_.setGenerationSeen(static_cast<double>(next->generation));
    if (next->generation == served) {
        metrics_.setConverged(true);
        return;
    }
    try {
        install(prepare(*next, false), *next);
    } catch (const VersionError& e) {
        recordFailure(*next, e.version, e.what());
    } catch (const std::exception& e) {
        recordFailure(*next, next->canary.empty() ? next->stable : next->canary, e.what());
    }
}

std::shared_ptr<const LoadedModel> RolloutFollower::load(const std::string& version) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = models_.find(version); it != models_.end())
            return it->second;
    }
    try {
        auto model = LoadedModel::load(registry_, version);
        std::lock_guard lock(mutex_);
        models_[version] = model;
        return model;
    } catch (const std::exception& e) {
        throw VersionError(version, e.what());
    }
}

RolloutFollower::Staged RolloutFollower::stage(const RolloutState& next) {
    std::unique_lock serialize(loadMutex_);
    try {
        auto prepared = prepare(next, false);
        return Staged(std::move(serialize), next, std::move(prepared));
    } catch (const VersionError& e) {
        noteFailure(e.version, e.what(), 0);
        throw std::runtime_error("version " + e.version + " cannot serve: " + e.what());
    }
}

void RolloutFollower::serve(Staged staged, const RolloutState& committed) {
    const auto& s = staged.rollout_;
    if (committed.stable != s.stable || committed.canary != s.canary ||
        committed.canaryWeightBp != s.canaryWeightBp || committed.mode != s.mode) {
        // Not what was staged (the registry changed in between, which the generation check
        // of the commit rules out): the poll applies what was committed instead.
        return;
    }
    {
        std::lock_guard lock(mutex_);
        status_.generationSeen = std::max(status_.generationSeen, committed.generation);
    }
    metrics_.setGenerationSeen(static_cast<double>(committed.generation));
    staged.prepared_.set->rollout = committed;
    install(std::move(staged.prepared_), committed);
}

void RolloutFollower::noteFailure(const std::string& version, const std::string& reason,
                                  std::uint64_t generation) {
    {
        std::lock_guard lock(mutex_);
        status_.failures.push_back({version, reason, wallClockMillis(), generation});
        while (status_.failures.size() > kFailuresKept)
            status_.failures.pop_front();
    }
    metrics_.countLoadFailure(version.empty() ? "rollout.json" : version);
}

std::shared_ptr<FeatureDrift> RolloutFollower::driftFor(const std::string& variant,
                                                        const LoadedModel& model,
                                                        const LoadedModel* reference) {
    const std::string key =
        variant + "/" + model.version() + "/" + (reference ? reference->version() : "");
    std::lock_guard lock(mutex_);
    auto& d = drifts_[key];
    if (!d) {
        d = std::make_shared<FeatureDrift>(variant, model.manifest(),
                                           reference ? &reference->manifest() : nullptr);
    }
    return d;
}

RolloutFollower::Prepared RolloutFollower::prepare(const RolloutState& next,
                                                   bool allowWithoutCanary) {
    Prepared p;
    auto stable = load(next.stable);
    p.stableDrift = driftFor("stable", *stable, nullptr);
    if (!next.canary.empty()) {
        try {
            auto canary = load(next.canary);
            p.canaryDrift = driftFor("canary", *canary, stable.get());
            // The stable model's columns come from its own schema: only the canary's can fail.
            p.set = engine_.prepare(next, stable, canary, p.stableDrift, p.canaryDrift);
            return p;
        } catch (const std::exception& e) {
            if (!allowWithoutCanary)
                throw VersionError(next.canary, e.what());
            recordFailure(next, next.canary, e.what());
            p.canaryDrift.reset();
            p.partial = true;
        }
    }
    p.set = engine_.prepare(next, stable, nullptr, p.stableDrift, nullptr);
    return p;
}

void RolloutFollower::install(Prepared prepared, RolloutState served) {
    const bool partial = prepared.partial;
    if (partial)
        served.canary.clear();
    engine_.serve(std::move(prepared.set));
    drift_.track(prepared.stableDrift, prepared.canaryDrift);
    {
        std::lock_guard lock(mutex_);
        status_.served = served;
        status_.converged = !partial;
        failedGeneration_ = partial ? served.generation : 0;
        failedAt_ = std::chrono::steady_clock::now();
        // Keep only what serves: the old models go when their last request finishes.
        std::erase_if(models_, [&](const auto& kv) {
            return kv.first != served.stable && kv.first != served.canary;
        });
        std::erase_if(drifts_, [&](const auto& kv) {
            return kv.second != prepared.stableDrift && kv.second != prepared.canaryDrift;
        });
    }
    metrics_.setConverged(!partial);
}

void RolloutFollower::recordFailure(const RolloutState& next, const std::string& version,
                                    const std::string& reason) {
    noteFailure(version, reason, next.generation);
    {
        std::lock_guard lock(mutex_);
        status_.converged = false;
        failedGeneration_ = next.generation == 0 ? 1 : next.generation;
        failedAt_ = std::chrono::steady_clock::now();
    }
    metrics_.setConverged(false);
}

}  // namespace fraud
