#include "control/ServingReplicas.h"

namespace fraudops {

std::vector<std::string> servingReplicas(const std::vector<std::string>& addresses,
                                         const std::vector<ReplicaStatusReading>& readings) {
    std::vector<std::string> serving;
    for (const auto& address : addresses) {
        for (const auto& r : readings) {
            if (r.address.toStdString() == address && r.health == ReplicaHealth::Up &&
                !(r.status && r.status->draining())) {
                serving.push_back(address);
                break;
            }
        }
    }
    return serving.empty() ? addresses : serving;
}

}  // namespace fraudops
