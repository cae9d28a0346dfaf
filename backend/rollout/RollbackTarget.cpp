#include "rollout/RollbackTarget.h"

namespace fraudops::rollout {

std::optional<std::string> rollbackTarget(const std::vector<fraud::v1::AuditEntry>& newestFirst,
                                          const fraud::v1::RolloutState& current) {
    for (const auto& e : newestFirst) {
        if (!e.has_before())
            continue;
        const std::string& was = e.before().stable_version();
        if (e.after().stable_version() == current.stable_version() && !was.empty() &&
            was != current.stable_version())
            return was;
    }
    return std::nullopt;
}

}  // namespace fraudops::rollout
