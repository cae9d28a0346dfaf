#include "registry/RolloutState.h"

#include <stdexcept>

#include "common/JsonInteger.h"

namespace fraud {

const char* toString(RolloutMode mode) {
    return mode == RolloutMode::Shadow ? "shadow" : "split";
}

RolloutMode parseRolloutMode(std::string_view text) {
    if (text == "split")
        return RolloutMode::Split;
    if (text == "shadow")
        return RolloutMode::Shadow;
    throw std::runtime_error("rollout mode must be split or shadow, not '" + std::string(text) +
                             "'");
}

nlohmann::json RolloutState::toJson() const {
    return {{"generation", generation},
            {"stable", stable},
            {"canary", canary.empty() ? nlohmann::json() : nlohmann::json(canary)},
            {"canary_weight_bp", canaryWeightBp},
            {"mode", toString(mode)},
            {"who", who},
            {"when", when},
            {"why", why}};
}

RolloutState RolloutState::fromJson(const nlohmann::json& j) {
    RolloutState s;
    try {
        s.generation = jsonInteger<std::uint64_t>(j.at("generation"), "generation");
        s.stable = j.at("stable").get<std::string>();
        if (j.contains("canary") && !j.at("canary").is_null()) {
            s.canary = j.at("canary").get<std::string>();
        }
        s.canaryWeightBp = jsonInteger<std::uint32_t>(j, "canary_weight_bp", 0);
        s.mode = parseRolloutMode(j.value("mode", "split"));
        s.who = j.value("who", "");
        s.when = j.value("when", "");
        s.why = j.value("why", "");
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("rollout.json: ") + e.what());
    }
    if (s.canaryWeightBp > 10000)
        throw std::runtime_error("rollout.json: weight over 10000 bp");
    return s;
}

}  // namespace fraud
