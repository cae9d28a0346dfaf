#include "common/PopulationStability.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace fraud {

double populationStabilityIndex(std::span<const double> expectedShares,
                                std::span<const double> liveShares) {
    if (expectedShares.size() != liveShares.size())
        throw std::invalid_argument("populationStabilityIndex: bin counts differ");
    double psi = 0;
    for (std::size_t i = 0; i < liveShares.size(); ++i) {
        const double p = std::max(liveShares[i], kPsiFloor);
        const double q = std::max(expectedShares[i], kPsiFloor);
        psi += (p - q) * std::log(p / q);
    }
    return psi;
}

double populationStabilityIndex(std::span<const double> expectedShares,
                                std::span<const std::uint64_t> live) {
    double total = 0;
    for (auto n : live)
        total += static_cast<double>(n);
    if (total <= 0) {
        if (expectedShares.size() != live.size())
            throw std::invalid_argument("populationStabilityIndex: bin counts differ");
        return 0;
    }
    std::vector<double> shares(live.size());
    for (std::size_t i = 0; i < live.size(); ++i)
        shares[i] = static_cast<double>(live[i]) / total;
    return populationStabilityIndex(expectedShares, shares);
}

}  // namespace fraud
