#include "registry/RolloutState.h"

#include <stdexcept>

namespace fraud {

nlohmann::json RolloutState::toJson() const {
    return {{"generation", generation},
            {"stable", stable},
            {"canary", canary.empty() ? nlohmann::json() : nlohmann::json(canary)},
            {"canary_weight_bp", canaryWeightBp},
            {"mode", mode},
            {"who", who},
            {"when", when},
            {"why", why}};
}

RolloutState RolloutState::fromJson(const nlohmann::json& j) {
    RolloutState s;
    try {
        s.generation = j.at("generation").get<std::uint64_t>();
        s.stable = j.at("stable").get<std::string>();
        if (j.contains("canary") && !j.at("canary").is_null()) {
            s.canary = j.at("canary").get<std::string>();
        }
        s.canaryWeightBp = j.value("canary_weight_bp", 0u);
        s.mode = j.value("mode", "split");
        s.who = j.value("who", "");
        s.when = j.value("when", "");
        s.why = j.value("why", "");
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("rollout.json: ") + e.what());
    }
    if (s.canaryWeightBp > 10000)
        throw std::runtime_error("rollout.json: weight over 10000 bp");
    if (s.mode != "split" && s.mode != "shadow") {
        throw std::runtime_error("rollout.json: mode must be split or shadow");
    }
    return s;
}

}  // namespace fraud
