#pragma once

#include <cstdint>
#include <string_view>

#include "common/Hash.h"

namespace fraud {

// Which model scores a card: a salted hash of the card id puts every card at a fixed point
// of [0, 10000), and the cards below the canary weight (in basis points) go to the canary.
// So a card sees one model while the weight holds, raising the weight only moves cards from
// stable to canary, and every replica agrees. The salt differs from the one clients hash
// cards to replicas with (ConsistentHashRing::kCardSalt): with the same hash, a replica would
// see only cards of one side of the split.
class CanaryRouter {
public:
    static constexpr std::uint64_t kSalt = 0x63616e6172793031ULL;  // "canary01"
    static constexpr std::uint32_t kBasisPoints = 10'000;

    static std::uint32_t bucket(std::string_view cardId) {
        // The top bits, scaled: unbiased enough (2^-50) and no division.
        return static_cast<std::uint32_t>(((hash64(cardId, kSalt) >> 32) * kBasisPoints) >> 32);
    }
    static bool toCanary(std::string_view cardId, std::uint32_t weightBp) {
        return weightBp > 0 && bucket(cardId) < weightBp;
    }
};

}  // namespace fraud
