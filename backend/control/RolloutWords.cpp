#include "control/RolloutWords.h"

#include <unistd.h>

#include <cstdio>

namespace fraudops {

std::string weightText(std::uint32_t basisPoints) {
    std::string s = std::to_string(basisPoints / 100);
    if (basisPoints % 100 != 0)
        s.append(".").append(std::to_string(basisPoints % 100 / 10));
    return s.append(" %");
}

std::string describeRollout(const fraud::v1::RolloutState& s) {
    std::string out =
        "generation " + std::to_string(s.generation()) + ": stable " + s.stable_version();
    if (!s.canary_version().empty()) {
        char weight[16];
        std::snprintf(weight, sizeof weight, "%.2f", s.canary_weight_bp() / 100.0);
        out.append(", canary ")
            .append(s.canary_version())
            .append(" at ")
            .append(weight)
            .append(" % (")
            .append(s.mode() == fraud::v1::ROLLOUT_MODE_SHADOW ? "shadow" : "split")
            .append(")");
    }
    return out;
}

std::string runnerName(std::string_view program) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return std::string(program).append("@").append(host).append(":").append(
        std::to_string(::getpid()));
}

}  // namespace fraudops
