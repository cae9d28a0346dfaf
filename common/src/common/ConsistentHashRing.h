#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fraud {

// Sends every card to one target, and moves few cards when targets come and go: each
// target owns kVirtualNodes points on a 64-bit ring, and a card goes to the first point at
// or after its hash. Adding a fourth target to three moves about a quarter of the cards.
// The card hash is salted apart from the scorer's canary router, so the share of canary
// cards is the same on every replica. fraud-loadgen routes with it, and the console sends a
// card's test transactions where its live traffic goes (the replica that has its history).
class ConsistentHashRing {
public:
    static constexpr int kVirtualNodes = 160;
    static constexpr std::uint64_t kCardSalt = 0x6c6f616467656e31ULL;  // "loadgen1"

    explicit ConsistentHashRing(std::vector<std::string> targets = {});

    bool empty() const { return points_.empty(); }
    const std::vector<std::string>& targets() const { return targets_; }
    // Index into targets() of the target that owns `cardId`. The ring must not be empty.
    std::size_t targetOf(std::string_view cardId) const;

private:
    struct Point {
        std::uint64_t hash;
        std::uint32_t target;
    };
    std::vector<std::string> targets_;
    std::vector<Point> points_;
};

}  // namespace fraud
