#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "registry/RolloutState.h"

namespace fraud {

// One line of audit.jsonl: a rollout change, and the generation it creates. Written before
// rollout.json (see ModelRegistry::commit), so an entry above rollout.json's generation is a
// change that never committed, and readers leave it out.
struct AuditEntry {
    std::uint64_t generation = 0;  // the generation this change creates (== after.generation)
    std::string when;              // RFC 3339
    std::string who;
    std::string action;
    std::string why;
    std::optional<RolloutState> before;  // none for the first change
    RolloutState after;
    // What a release tool adds about the change: the plan step that made it ("step"), the
    // gate values that caused it ("gates", JSON), and the like. Keys and values are free text.
    std::map<std::string, std::string> annotations;
    // The SHA-256 of the line before this one (AuditChain.h); empty on lines written before
    // the chain existed.
    std::string prev;
    std::size_t line = 0;  // where readAudit found it in audit.jsonl, 1-based; not written

    nlohmann::json toJson() const;
    // Lines written before `generation` was a field take it from `after`.
    static AuditEntry fromJson(const nlohmann::json& j);
    friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

}  // namespace fraud
