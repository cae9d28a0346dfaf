#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace fraud {

// rollout-run.json: the plan a release follows and how far it has got, shared by every
// console and runner through the Control API (a remote console cannot write registry files).
// The scorer keeps `plan` and `progress` as the release tools wrote them (backend/rollout
// defines them; the scorer never interprets them) and only checks that each is a JSON object.
// `revision` rises by one with every update, so a writer names the record it meant to change
// (compare-and-swap) and two writers never silently overwrite each other.
struct RolloutRun {
    std::uint64_t revision = 0;  // 0: no run yet
    nlohmann::json plan = nlohmann::json::object();
    nlohmann::json progress = nlohmann::json::object();
    std::string who;
    std::string when;  // RFC 3339
    std::string why;

    nlohmann::json toJson() const;
    // Throws std::runtime_error naming the field.
    static RolloutRun fromJson(const nlohmann::json& j);
    friend bool operator==(const RolloutRun&, const RolloutRun&) = default;
};

// Thrown when an update names a revision that is no longer the current one.
class StaleRevisionError : public std::runtime_error {
public:
    StaleRevisionError(std::uint64_t expected, RolloutRun current)
        : std::runtime_error("expected rollout run revision " + std::to_string(expected) +
                             " but the registry is at " + std::to_string(current.revision)),
          current_(std::move(current)) {}
    const RolloutRun& current() const { return current_; }

private:
    RolloutRun current_;
};

}  // namespace fraud
