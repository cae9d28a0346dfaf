#pragma once

#include <cstdint>
#include <span>

namespace fraud {

// The population stability index, written once: the scorer's fraud_scorer_psi gauge and the
// console's PSI from Prometheus's bin counts must agree to the rounding, so they share it.
//
// PSI = sum over bins of (live - expected) ln(live / expected), with both shares floored at
// kPsiFloor so that an empty bin adds a large but finite term.
inline constexpr double kPsiFloor = 1e-4;

// Both arguments are shares of one (they are not normalised here); their sizes must match.
double populationStabilityIndex(std::span<const double> expectedShares,
                                std::span<const double> liveShares);
// `live` as counts per bin; 0 when they are all zero.
double populationStabilityIndex(std::span<const double> expectedShares,
                                std::span<const std::uint64_t> live);

}  // namespace fraud
