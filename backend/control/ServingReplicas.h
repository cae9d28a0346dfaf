#pragma once

#include <string>
#include <vector>

#include "control/ReplicaStatusPoller.h"

namespace fraudops {

// Of `addresses`, those to send new work to after a status round: the replicas that answered
// and are not draining (SIGTERM received, health NOT_SERVING). When none qualifies (all
// restarting at once, or a round of timeouts) all of them, so that a request still gets an
// answer or an error of its own rather than nowhere to go.
std::vector<std::string> servingReplicas(const std::vector<std::string>& addresses,
                                         const std::vector<ReplicaStatusReading>& readings);

}  // namespace fraudops
