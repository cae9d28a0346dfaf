#include "rollout/RolloutProgress.h"

#include <array>
#include <stdexcept>

#include "common/Time.h"

namespace fraudops::rollout {
namespace {

constexpr std::array<std::pair<RolloutProgress::State, const char*>, 5> kStates{{
    {RolloutProgress::State::Running, "running"},
    {RolloutProgress::State::WaitingForApproval, "waiting_for_approval"},
    {RolloutProgress::State::Paused, "paused"},
    {RolloutProgress::State::Aborted, "aborted"},
    {RolloutProgress::State::Promoted, "promoted"},
}};

}  // namespace

const char* stateName(RolloutProgress::State state) {
    for (const auto& [s, name] : kStates) {
        if (s == state)
            return name;
    }
    return "running";
}

void RolloutProgress::record(std::string who, std::string what) {
    events.push_back(
        {fraud::formatRfc3339(fraud::wallClockMillis()), std::move(who), std::move(what)});
    if (events.size() > kMaxEvents)
        events.erase(events.begin(), events.begin() + (events.size() - kMaxEvents));
}

nlohmann::json RolloutProgress::toJson() const {
    nlohmann::json ev = nlohmann::json::array();
    for (const auto& e : events)
        ev.push_back({{"when", e.when}, {"who", e.who}, {"what", e.what}});
    return {{"state", stateName(state)},
            {"candidate", candidate},
            {"step", step},
            {"step_generation", stepGeneration},
            {"step_started_ms", stepStartedMs},
            {"reason", reason},
            {"maximum_extensions", maximumExtensions},
            {"evidence", evidence},
            {"results", results},
            {"events", ev}};
}

RolloutProgress RolloutProgress::fromJson(const nlohmann::json& j) {
    RolloutProgress p;
    try {
        const auto state = j.at("state").get<std::string>();
        bool known = false;
        for (const auto& [s, name] : kStates) {
            if (state == name) {
                p.state = s;
                known = true;
            }
        }
        if (!known)
            throw std::runtime_error("state: unknown '" + state + "'");
        p.candidate = j.at("candidate").get<std::string>();
        p.step = j.at("step").get<std::size_t>();
        p.stepGeneration = j.at("step_generation").get<std::uint64_t>();
        p.stepStartedMs = j.value("step_started_ms", std::int64_t{0});
        p.reason = j.value("reason", "");
        p.maximumExtensions = j.value("maximum_extensions", 0);
        p.evidence = j.value("evidence", nlohmann::json());
        p.results = j.value("results", nlohmann::json::array());
        for (const auto& e : j.value("events", nlohmann::json::array()))
            p.events.push_back({e.value("when", ""), e.value("who", ""), e.value("what", "")});
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("rollout progress: ") + e.what());
    }
    return p;
}

}  // namespace fraudops::rollout
