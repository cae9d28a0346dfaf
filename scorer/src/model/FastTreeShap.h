#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "model/TreeModel.h"

namespace fraud {

// Exact TreeSHAP values, the same as TreeShap's (and XGBoost's `pred_contribs`), computed in
// one pass over each tree with per-tree precomputation, in the manner of Linear TreeShap
// (Yu et al., NeurIPS 2022).
//
// For a leaf l with value v whose path holds features F, each with z_j (the product of the
// cover fractions of its splits on the path) and o_j (1 if the row follows all of them),
// TreeSHAP gives feature i the share
//     v (o_i - z_i) * sum over S of F\{i} of |S|!(|F|-|S|-1)!/|F|! prod_{S} o_j prod_{rest} z_j
//   = v (o_i - z_i) * integral_0^1 prod_{j != i} q_j(t) dt,   q_j(t) = z_j + (o_j - z_j) t,
// since the Shapley weight is the Beta integral of t^|S| (1-t)^(|F|-|S|-1). The integrand is a
// polynomial of degree < depth, so Gauss-Legendre quadrature with ceil(depth / 2) points is
// exact, and the products along a path, shared by every leaf below, are carried down the
// tree as their values at those points. Summing leaves bottom-up, each split credits its
// feature once for the leaves where it is that feature's deepest split on the path. Work per
// row is a few multiply-adds per node per point; z and q at the points are precomputed.
class FastTreeShap {
public:
    explicit FastTreeShap(const TreeModel& model);

    // Writes featureCount() contributions for `row` into `phi`.
    void contributions(std::span<const float> row, std::span<double> phi) const;
    // The same for rows.size() / featureCount() rows, row-major in and out. Every row walks
    // the same tree in the same order; only which edges it follows differs. So the batch walks
    // each tree once with kLanes rows side by side in vector registers, and the per-edge
    // constants are loaded once for all of them: per row it is several times cheaper than
    // `contributions`, equal to it within rounding (FastTreeShapLanes.cpp).
    void contributionsBatch(std::span<const float> rows, std::span<double> phi) const;
    static constexpr std::size_t kLanes = 8;
    double baseValue() const { return baseValue_; }
    std::size_t featureCount() const { return featureCount_; }

private:
    // The edge into a node from its parent, precomputed.
    struct Edge {
        std::int32_t left = -1;  // children, -1 at a leaf
        std::int32_t right = -1;
        std::uint32_t splitFeature = 0;  // this node's split (inner nodes)
        float threshold = 0;
        bool defaultLeft = false;
        double leafValue = 0;
        // For the edge from the parent into this node (feature = parent's split feature):
        std::int32_t previousSameFeature = -1;  // the nearest ancestor edge on that feature
        bool splitAgainBelow = false;  // some edge below has this one as previousSameFeature
        double z = 1;  // aggregated cover fraction of the feature down to and including here
        std::uint32_t inverses = 0;  // offset into inverses_: 1/q(o=1), then 1/q(o=0)
        bool isLeftChild = false;
        // Pre-order: frames to close after the previous node before this one opens.
        std::uint8_t closeBefore = 0;
    };
    struct Scratch;

    // Adds one tree's credits to s.phi: its nodes in pre-order [begin, end), with an explicit
    // stack of path frames (the products carried down, the leaf sums carried up). The number
    // of points is a compile-time constant, so the per-point vectors stay small and unrolled.
    template <std::size_t N>
    void explainTree(std::uint32_t begin, std::uint32_t end, const float* row, Scratch& s) const;
    struct LaneScratch;
    template <std::size_t N>
    void explainTreeLanes(std::uint32_t begin, std::uint32_t end, LaneScratch& s) const;
    template <std::size_t N>
    void explainLanes(LaneScratch& s) const;

    std::vector<Edge> nodes_;
    std::vector<std::uint32_t> roots_;  // each tree's first node in nodes_
    std::vector<double> inverses_;      // per edge: 2 * points_ values at the quadrature points
    std::vector<double> weights_;       // quadrature weights on [0, 1]
    std::vector<double> nodesT_;        // quadrature points on [0, 1]
    std::size_t points_ = 1;
    std::size_t featureCount_ = 0;
    std::size_t maxDepth_ = 0;
    double baseValue_ = 0;
};

}  // namespace fraud
