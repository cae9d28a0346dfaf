#pragma once
// Which version a rollback returns to, decided on the client from the audit entries it has read,
// so a console or fraudctl can say so before asking the scorer to do it.
#include <optional>
#include <string>
#include <vector>

#include "fraud/v1/control.pb.h"

namespace fraudops::rollout {

// The scorer's own rule (ModelRegistry::previousStable): the stable version before the change
// that made the current one stable. Only `newestFirst` is searched; nullopt when it names none,
// and then the scorer would refuse the rollback too (or the entry is older than those read).
std::optional<std::string> rollbackTarget(const std::vector<fraud::v1::AuditEntry>& newestFirst,
                                          const fraud::v1::RolloutState& current);

}  // namespace fraudops::rollout
