#include "registry/RolloutRun.h"

#include <stdexcept>

#include "common/JsonInteger.h"

namespace fraud {

nlohmann::json RolloutRun::toJson() const {
    return {{"revision", revision}, {"plan", plan}, {"progress", progress},
            {"who", who},           {"when", when}, {"why", why}};
}

RolloutRun RolloutRun::fromJson(const nlohmann::json& j) {
    RolloutRun r;
    try {
        r.revision = jsonInteger<std::uint64_t>(j.at("revision"), "revision");
        r.plan = j.at("plan");
        r.progress = j.at("progress");
        r.who = j.value("who", "");
        r.when = j.value("when", "");
        r.why = j.value("why", "");
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("rollout-run.json: ") + e.what());
    }
    if (!r.plan.is_object())
        throw std::runtime_error("rollout-run.json: plan is not an object");
    if (!r.progress.is_object())
        throw std::runtime_error("rollout-run.json: progress is not an object");
    return r;
}

}  // namespace fraud
