#include "common/ConsistentHashRing.h"

#include <algorithm>

#include "common/Hash.h"

namespace fraud {

ConsistentHashRing::ConsistentHashRing(std::vector<std::string> targets)
    : targets_(std::move(targets)) {
    points_.reserve(targets_.size() * kVirtualNodes);
    for (std::uint32_t t = 0; t < targets_.size(); ++t) {
        for (int v = 0; v < kVirtualNodes; ++v) {
            points_.push_back({hash64(targets_[t] + "#" + std::to_string(v)), t});
        }
    }
    std::sort(points_.begin(), points_.end(),
              [](const Point& a, const Point& b) { return a.hash < b.hash; });
}

std::size_t ConsistentHashRing::targetOf(std::string_view cardId) const {
    const std::uint64_t h = hash64(cardId, kCardSalt);
    auto it = std::lower_bound(points_.begin(), points_.end(), h,
                               [](const Point& p, std::uint64_t value) { return p.hash < value; });
    if (it == points_.end())
        it = points_.begin();
    return it->target;
}

}  // namespace fraud
