// FastTreeShap::contributionsBatch: the walk of FastTreeShap.cpp with kLanes rows side by side.
//
// Linear TreeShap's walk does not depend on the row: every row visits every node of every tree
// in the same order and does the same arithmetic; the row only decides, per edge, whether it
// follows it (o = 1) or not. So a lane per row turns every multiply-add into a vector one, the
// per-edge constants (cover fractions, inverses, quadrature weights) are loaded once for all
// lanes, and "does the row follow" becomes a lane mask. The arithmetic per lane is the scalar
// walk's, in the same order, so a lane's result equals `contributions` within rounding (the
// vector clones may fuse multiply-adds).
//
// The function is cloned for AVX-512, AVX2 and baseline x86-64 and picked at load time, so the
// binary stays portable; everything it calls is inlined into each clone (flatten).
#include <algorithm>
#include <bit>
#include <new>
#include <stdexcept>
#include <vector>

#include "model/FastTreeShap.h"

// clang (the fuzzing build) diagnoses calls between an AVX-512 clone and its not yet inlined
// helpers as an ABI mismatch, before flatten would inline them; it builds the baseline only.
#if defined(__clang__)
#define FRAUD_LANE_CLONES
#else
#define FRAUD_LANE_CLONES __attribute__((target_clones("avx512f", "avx2", "default"), flatten))
#endif

namespace fraud {
namespace {

constexpr std::size_t kLanes = FastTreeShap::kLanes;
using Lanes = double __attribute__((vector_size(kLanes * sizeof(double))));
using LaneBits = std::int64_t __attribute__((vector_size(kLanes * sizeof(std::int64_t))));

// The baseline target gives these 64-byte vectors only 16-byte alignment, while the AVX-512
// clone's aligned loads need 64; the scratch arrays get it from their allocator.
template <typename T>
struct CacheLineAllocator {
    using value_type = T;
    static constexpr std::align_val_t kAlignment{64};
    CacheLineAllocator() = default;
    template <typename U>
    explicit CacheLineAllocator(const CacheLineAllocator<U>&) {}
    T* allocate(std::size_t n) {
        return static_cast<T*>(::operator new(n * sizeof(T), kAlignment));
    }
    void deallocate(T* p, std::size_t) { ::operator delete(p, kAlignment); }
    bool operator==(const CacheLineAllocator&) const = default;
};
template <typename T>
using LaneVector = std::vector<T, CacheLineAllocator<T>>;

inline Lanes splat(double v) {
    Lanes out = {};
    return out + v;
}

inline Lanes select(LaneBits mask, Lanes whereSet, Lanes elsewhere) {
    return std::bit_cast<Lanes>((mask & std::bit_cast<LaneBits>(whereSet)) |
                                (~mask & std::bit_cast<LaneBits>(elsewhere)));
}

// 1.0 where the mask is set, 0.0 elsewhere.
inline Lanes ones(LaneBits mask) {
    return select(mask, splat(1.0), splat(0.0));
}

}  // namespace

struct FastTreeShap::LaneScratch {
    std::size_t points = 0;
    LaneVector<Lanes> x;           // per feature: the lanes' values (NaN where missing)
    LaneVector<Lanes> pending;     // features x points: sums of the nearest splits below
    LaneVector<LaneBits> follows;  // per feature: does each lane follow the path's splits
    LaneVector<Lanes> phi;         // per feature
    // Path frames (depth + 2 of them), the products carried down and the sums carried up.
    LaneVector<Lanes> product, sum, saved;  // frames x points
    LaneVector<LaneBits> frameFollows, savedFollows, hotLeft;
    std::vector<std::uint32_t> node;
};

template <std::size_t N>
void FastTreeShap::explainTreeLanes(std::uint32_t begin, std::uint32_t end, LaneScratch& s) const {
    const Edge* nodes = nodes_.data();
    const auto hotLeft = [&](const Edge& e) {
        const Lanes x = s.x[e.splitFeature];
        const LaneBits missing = x != x;
        const LaneBits less = x < static_cast<double>(e.threshold);
        return e.defaultLeft ? (missing | less) : (~missing & less);
    };
    if (nodes[begin].left < 0)
        return;  // a single leaf credits no feature
    Lanes* product = s.product.data();
    Lanes* sum = s.sum.data();
    Lanes* saved = s.saved.data();
    std::size_t d = 0;
    for (std::size_t m = 0; m < N; ++m) {
        product[m] = splat(1.0);
        sum[m] = splat(0.0);
    }
    s.node[0] = begin;
    s.hotLeft[0] = hotLeft(nodes[begin]);

    const auto close = [&](std::size_t at) {
        const Edge& c = nodes[s.node[at]];
        const std::uint32_t f = nodes[s.node[at - 1]].splitFeature;
        Lanes* pending = s.pending.data() + f * N;
        const double* inverseFollowed = inverses_.data() + c.inverses;
        const LaneBits follows = s.frameFollows[at];
        Lanes* frameSum = sum + at * N;
        Lanes integral = splat(0.0);
        for (std::size_t m = 0; m < N; ++m) {
            const Lanes below = c.splitAgainBelow ? frameSum[m] - pending[m] : frameSum[m];
            const Lanes inverseQ =
                select(follows, splat(inverseFollowed[m]), splat(inverseFollowed[N + m]));
            integral += weights_[m] * inverseQ * below;
        }
        s.phi[f] += (ones(follows) - c.z) * integral;
        if (c.splitAgainBelow) {
            std::copy_n(saved + at * N, N, pending);
            s.follows[f] = s.savedFollows[at];
        }
        if (c.previousSameFeature >= 0) {
            for (std::size_t m = 0; m < N; ++m)
                pending[m] += frameSum[m];
        }
        Lanes* upSum = sum + (at - 1) * N;
        for (std::size_t m = 0; m < N; ++m)
            upSum[m] += frameSum[m];
    };

    const LaneBits all = splat(0.0) == splat(0.0);
    for (std::uint32_t k = begin + 1; k < end; ++k) {
        const Edge& c = nodes[k];
        for (std::uint8_t n = c.closeBefore; n > 0; --n)
            close(d--);
        const std::uint32_t f = nodes[s.node[d]].splitFeature;
        const LaneBits followed = c.isLeftChild ? s.hotLeft[d] : ~s.hotLeft[d];
        const bool hasPrevious = c.previousSameFeature >= 0;
        const LaneBits oldFollows = hasPrevious ? s.follows[f] : all;
        const LaneBits follows = oldFollows & followed;
        const Lanes o = ones(follows);
        const Lanes* up = product + d * N;
        ++d;
        Lanes* here = product + d * N;
        s.node[d] = k;
        s.frameFollows[d] = follows;
        for (std::size_t m = 0; m < N; ++m)
            here[m] = up[m] * (c.z + (o - c.z) * nodesT_[m]);
        if (hasPrevious) {
            const double* inverseOld = inverses_.data() + nodes[c.previousSameFeature].inverses;
            for (std::size_t m = 0; m < N; ++m)
                here[m] *= select(oldFollows, splat(inverseOld[m]), splat(inverseOld[N + m]));
        }
        if (c.splitAgainBelow) {
            Lanes* pending = s.pending.data() + f * N;
            s.savedFollows[d] = s.follows[f];
            s.follows[f] = follows;
            std::copy_n(pending, N, saved + d * N);
            std::fill_n(pending, N, splat(0.0));
        }
        Lanes* frameSum = sum + d * N;
        if (c.left < 0) {
            for (std::size_t m = 0; m < N; ++m)
                frameSum[m] = c.leafValue * here[m];
        } else {
            std::fill_n(frameSum, N, splat(0.0));
            s.hotLeft[d] = hotLeft(c);
        }
    }
    while (d > 0)
        close(d--);
}

template <std::size_t N>
void FastTreeShap::explainLanes(LaneScratch& s) const {
    for (std::size_t t = 0; t < roots_.size(); ++t) {
        const auto end =
            t + 1 < roots_.size() ? roots_[t + 1] : static_cast<std::uint32_t>(nodes_.size());
        explainTreeLanes<N>(roots_[t], end, s);
    }
}

FRAUD_LANE_CLONES void FastTreeShap::contributionsBatch(std::span<const float> rows,
                                                        std::span<double> phi) const {
    const std::size_t width = featureCount_;
    if (width == 0 || rows.size() % width != 0 || phi.size() != rows.size()) {
        throw std::invalid_argument("FastTreeShap: rows or output have the wrong size");
    }
    const std::size_t count = rows.size() / width;
    thread_local LaneScratch s;
    const std::size_t frames = maxDepth_ + 2;
    s.x.resize(width);
    s.phi.resize(width);
    s.product.resize(frames * points_);
    s.sum.resize(frames * points_);
    s.saved.resize(frames * points_);
    s.frameFollows.resize(frames);
    s.savedFollows.resize(frames);
    s.hotLeft.resize(frames);
    s.node.resize(frames);
    for (std::size_t first = 0; first < count; first += kLanes) {
        const std::size_t lanes = std::min(kLanes, count - first);
        for (std::size_t f = 0; f < width; ++f) {
            for (std::size_t lane = 0; lane < kLanes; ++lane) {
                // Spare lanes repeat the group's first row; their results are dropped.
                const std::size_t r = first + (lane < lanes ? lane : 0);
                s.x[f][lane] = static_cast<double>(rows[r * width + f]);
            }
        }
        s.pending.assign(width * points_, splat(0.0));
        s.follows.assign(width, splat(0.0) == splat(0.0));
        std::fill(s.phi.begin(), s.phi.end(), splat(0.0));
        switch (points_) {
            case 1:
                explainLanes<1>(s);
                break;
            case 2:
                explainLanes<2>(s);
                break;
            case 3:
                explainLanes<3>(s);
                break;
            case 4:
                explainLanes<4>(s);
                break;
            case 8:
                explainLanes<8>(s);
                break;
            default:
                explainLanes<16>(s);
                break;
        }
        for (std::size_t lane = 0; lane < lanes; ++lane) {
            for (std::size_t f = 0; f < width; ++f)
                phi[(first + lane) * width + f] = s.phi[f][lane];
        }
    }
}

}  // namespace fraud
