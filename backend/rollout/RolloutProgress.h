#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fraudops::rollout {

// Where a release following a plan stands: kept as the rollout run record's `progress` in the
// registry (through the Control API), so every console and runner sees the same, and a
// runner that takes over knows the step, when it began and its evidence.
struct RolloutProgress {
    enum class State {
        Running,             // a runner evaluates the step's gates
        WaitingForApproval,  // the step passed; a person approves the next one
        Paused,              // a person decides (a gate failed on a pause step, no data, by hand)
        Aborted,             // the canary was removed
        Promoted,            // the candidate is stable
    };
    struct Event {
        std::string when;  // RFC 3339, the writer's clock
        std::string who;
        std::string what;
    };

    State state = State::Running;
    std::string candidate;             // the version being released
    std::size_t step = 0;              // index into the plan's steps
    std::uint64_t stepGeneration = 0;  // the rollout generation that began the step
    std::int64_t stepStartedMs = 0;    // when it began (the rollout change's time)
    std::string reason;                // why the state is what it is
    int maximumExtensions = 0;         // resumes after a pause: each adds a maximum duration
    nlohmann::json evidence;           // StepEvidence::toJson, or null before the first look
    nlohmann::json results = nlohmann::json::array();  // the last look's gate results
    std::vector<Event> events;                         // newest last, at most kMaxEvents

    static constexpr std::size_t kMaxEvents = 200;
    void record(std::string who, std::string what);
    bool finished() const { return state == State::Aborted || state == State::Promoted; }

    nlohmann::json toJson() const;
    // Throws std::runtime_error naming what is wrong.
    static RolloutProgress fromJson(const nlohmann::json& j);
};

const char* stateName(RolloutProgress::State state);  // "running", "waiting_for_approval", ...

}  // namespace fraudops::rollout
