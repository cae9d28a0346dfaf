#include "registry/AuditEntry.h"

#include "common/JsonInteger.h"

namespace fraud {

nlohmann::json AuditEntry::toJson() const {
    nlohmann::json j = {{"generation", generation},
                        {"when", when},
                        {"who", who},
                        {"action", action},
                        {"why", why},
                        {"before", before ? before->toJson() : nlohmann::json()},
                        {"after", after.toJson()}};
    if (!annotations.empty())
        j["annotations"] = annotations;
    if (!prev.empty())
        j["prev"] = prev;
    return j;
}

AuditEntry AuditEntry::fromJson(const nlohmann::json& j) {
    AuditEntry e;
    e.when = j.value("when", "");
    e.who = j.value("who", "");
    e.action = j.value("action", "");
    e.why = j.value("why", "");
    if (j.contains("before") && j["before"].is_object())
        e.before = RolloutState::fromJson(j["before"]);
    if (!j.contains("after") || !j["after"].is_object())
        throw std::runtime_error("an audit entry without `after`");
    e.after = RolloutState::fromJson(j["after"]);
    e.generation = jsonInteger(j, "generation", e.after.generation);
    if (j.contains("annotations") && j["annotations"].is_object()) {
        for (const auto& [key, value] : j["annotations"].items()) {
            if (value.is_string())
                e.annotations[key] = value.get<std::string>();
        }
    }
    e.prev = j.value("prev", "");
    return e;
}

}  // namespace fraud
