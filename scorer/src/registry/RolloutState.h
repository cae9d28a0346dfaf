#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace fraud {

// rollout.json: which versions serve. `generation` rises by one with every change, so a
// writer can say which state it meant to change and replicas can say which one they serve.
struct RolloutState {
    std::uint64_t generation = 0;
    std::string stable;
    std::string canary;  // empty: none
    std::uint32_t canaryWeightBp = 0;
    std::string mode = "split";  // "split" or "shadow"
    std::string who;
    std::string when;  // RFC 3339
    std::string why;

    nlohmann::json toJson() const;
    static RolloutState fromJson(const nlohmann::json& j);
    friend bool operator==(const RolloutState&, const RolloutState&) = default;
};

}  // namespace fraud
