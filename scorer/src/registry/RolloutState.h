#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace fraud {

// How a canary serves: `Split` decides for its share of cards; `Shadow` scores beside the
// stable version, which decides for every card.
enum class RolloutMode { Split, Shadow };
// "split" or "shadow", as rollout.json writes them.
const char* toString(RolloutMode mode);
// Throws std::runtime_error naming the text for anything but "split" or "shadow".
RolloutMode parseRolloutMode(std::string_view text);

// rollout.json: which versions serve. `generation` rises by one with every change, so a
// writer can say which state it meant to change and replicas can say which one they serve.
struct RolloutState {
    std::uint64_t generation = 0;
    std::string stable;
    std::string canary;  // empty: none
    std::uint32_t canaryWeightBp = 0;
    RolloutMode mode = RolloutMode::Split;
    std::string who;
    std::string when;  // RFC 3339
    std::string why;

    nlohmann::json toJson() const;
    static RolloutState fromJson(const nlohmann::json& j);
    friend bool operator==(const RolloutState&, const RolloutState&) = default;
};

}  // namespace fraud
