#pragma once

#include <cstdint>

namespace fraud {

// The side of the experiment a request falls on: the stable version alone, the canary deciding
// (split mode), or the stable version deciding with the canary scoring beside it (shadow mode).
// Routing is by card (CanaryRouter), so a card stays on one side while a rollout generation
// holds. `None`: refused before it was routed (no token, no transaction); `Mixed`: a
// ScoreStream batch whose transactions fell on several sides (its one duration cannot be split).
enum class RequestSide : std::uint8_t { Stable, Canary, Shadow, None, Mixed };
inline constexpr std::size_t kRequestSideCount = 5;

// What a card has done since the current rollout generation began, one bit per outcome and
// side (CardHistoryStore::flagCard keeps them): the release gates count cards, not
// transactions, because a card is the unit the router assigns and declines come in bursts per
// card. A card is on one side per generation, so the two sides share no card.
namespace cardFlag {

inline constexpr std::uint8_t kScored = 1 << 0;
inline constexpr std::uint8_t kError = 1 << 1;
inline constexpr std::uint8_t kDecline = 1 << 2;
inline constexpr std::uint8_t kFlipStricter = 1 << 3;  // shadow: the canary would decide harsher
inline constexpr std::uint8_t kFlipLenient = 1 << 4;   // shadow: the canary would decide softer
inline constexpr int kOutcomes = 5;
// The canary side's bits are the stable side's, shifted: stable in bits 0-2 (it never flips),
// canary or shadow in bits 3-7.
inline constexpr int kCanaryShift = 3;

inline std::uint8_t onSide(bool canary, std::uint8_t outcomes) {
    return static_cast<std::uint8_t>(canary ? outcomes << kCanaryShift : outcomes);
}

}  // namespace cardFlag
}  // namespace fraud
