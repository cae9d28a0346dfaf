#include "model/FastTreeShap.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "model/TreeShap.h"

namespace fraud {
namespace {

// Gauss-Legendre nodes and weights mapped to [0, 1]: exact for polynomials of degree < 2n.
void gaussLegendre(std::size_t n, std::vector<double>& nodes, std::vector<double>& weights) {
    nodes.resize(n);
    weights.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        double x = std::cos(std::numbers::pi * (static_cast<double>(i) + 0.75) /
                            (static_cast<double>(n) + 0.5));
        double derivative = 1;
        for (int iteration = 0; iteration < 100; ++iteration) {
            double p0 = 1, p1 = x;
            for (std::size_t k = 2; k <= n; ++k) {
                const double p2 = ((2.0 * static_cast<double>(k) - 1) * x * p1 -
                                   (static_cast<double>(k) - 1) * p0) /
                                  static_cast<double>(k);
                p0 = p1;
                p1 = p2;
            }
            if (n == 1)
                p0 = 1, p1 = x;
            derivative = static_cast<double>(n) * (x * p1 - p0) / (x * x - 1);
            const double step = p1 / derivative;
            x -= step;
            if (std::abs(step) < 1e-16)
                break;
        }
        nodes[i] = (1 + x) / 2;
        weights[i] = 1 / ((1 - x * x) * derivative * derivative);  // 2/(...) halved for [0, 1]
    }
}

}  // namespace

struct FastTreeShap::Scratch {
    std::vector<double> pending;        // features x points: sums of the nearest splits below
    std::vector<std::uint8_t> follows;  // per feature: does the row follow the path's splits
    std::span<double> phi;
};

FastTreeShap::FastTreeShap(const TreeModel& model)
    : featureCount_(model.featureCount), baseValue_(expectedMargin(model)) {
    maxDepth_ = static_cast<std::size_t>(std::max(0, model.maxDepth()));
    // Gauss-Legendre with n points is exact up to degree 2n - 1 (more points stay exact), and
    // the walk is compiled for a few point counts: take the smallest that suffices.
    const std::size_t needed = std::max<std::size_t>(1, (maxDepth_ + 1) / 2);
    if (needed > 16) {
        throw std::runtime_error("explanations support trees up to depth 32, this model has " +
                                 std::to_string(maxDepth_));
    }
    points_ = needed <= 4 ? needed : needed <= 8 ? 8 : 16;
    gaussLegendre(points_, nodesT_, weights_);
    const std::vector<double>& t = nodesT_;

    nodes_.reserve(model.nodeCount());
    std::vector<std::int32_t> lastEdge(model.featureCount, -1);
    for (const Tree& tree : model.trees) {
        const auto base = static_cast<std::int32_t>(nodes_.size());
        roots_.push_back(static_cast<std::uint32_t>(base));
        nodes_.resize(nodes_.size() + tree.size());
        // Nodes are laid out in depth-first pre-order, the order walks visit them in.
        std::vector<std::int32_t> position(tree.size());
        std::int32_t next = 0;
        const auto number = [&](auto&& self, std::size_t n) -> void {
            position[n] = next++;
            if (tree.isLeaf(n))
                return;
            self(self, static_cast<std::size_t>(tree.left[n]));
            self(self, static_cast<std::size_t>(tree.right[n]));
        };
        number(number, 0);
        const auto at = [&](std::int64_t n) {
            return base + position[static_cast<std::size_t>(n)];
        };
        // Depth-first, keeping the nearest ancestor edge per feature.
        const auto visit = [&](auto&& self, std::size_t n) -> void {
            Edge& e = nodes_[static_cast<std::size_t>(at(static_cast<std::int64_t>(n)))];
            if (tree.isLeaf(n)) {
                e.leafValue = tree.value[n];
                return;
            }
            const auto f = tree.feature[n];
            e.splitFeature = f;
            e.threshold = tree.value[n];
            e.defaultLeft = tree.defaultLeft[n] != 0;
            e.left = at(tree.left[n]);
            e.right = at(tree.right[n]);
            for (const auto child : {tree.left[n], tree.right[n]}) {
                Edge& c = nodes_[static_cast<std::size_t>(at(child))];
                c.previousSameFeature = lastEdge[f];
                if (lastEdge[f] >= 0)
                    nodes_[static_cast<std::size_t>(lastEdge[f])].splitAgainBelow = true;
                const double fraction =
                    tree.cover[n] > 0 ? tree.cover[static_cast<std::size_t>(child)] / tree.cover[n]
                                      : 0;
                c.z = fraction *
                      (lastEdge[f] >= 0 ? nodes_[static_cast<std::size_t>(lastEdge[f])].z : 1.0);
                c.values = static_cast<std::uint32_t>(values_.size());
                for (std::size_t m = 0; m < points_; ++m)
                    values_.push_back(c.z + (1 - c.z) * t[m]);
                for (std::size_t m = 0; m < points_; ++m)
                    values_.push_back(c.z * (1 - t[m]));
                for (std::size_t k = 0; k < 2; ++k) {
                    for (std::size_t m = 0; m < points_; ++m) {
                        const double q = values_[c.values + k * points_ + m];
                        // A zero cover makes every product below it zero: nothing to divide.
                        values_.push_back(q > 0 ? 1 / q : 0);
                    }
                }
                const std::int32_t saved = lastEdge[f];
                lastEdge[f] = at(child);
                self(self, static_cast<std::size_t>(child));
                lastEdge[f] = saved;
            }
        };
        visit(visit, 0);
    }
}

template <std::size_t N>
std::array<double, N> FastTreeShap::walkFixed(std::int32_t node, const float* row, Scratch& s,
                                              const std::array<double, N>& product) const {
    const Edge& e = nodes_[static_cast<std::size_t>(node)];
    std::array<double, N> total;
    if (e.left < 0) {
        for (std::size_t m = 0; m < N; ++m)
            total[m] = e.leafValue * product[m];
        return total;
    }
    total.fill(0.0);
    const std::uint32_t f = e.splitFeature;
    const float x = row[f];
    const bool hotLeft = x != x ? e.defaultLeft : x < e.threshold;
    double* pending = s.pending.data() + f * N;
    for (const std::int32_t child : {e.left, e.right}) {
        const Edge& c = nodes_[static_cast<std::size_t>(child)];
        const bool followed = (child == e.left) == hotLeft;
        const bool hasPrevious = c.previousSameFeature >= 0;
        const bool oldFollows = !hasPrevious || s.follows[f] != 0;
        const bool follows = oldFollows && followed;
        const double o = follows ? 1.0 : 0.0;
        std::array<double, N> childProduct;
        for (std::size_t m = 0; m < N; ++m) {
            childProduct[m] = product[m] * (c.z + (o - c.z) * nodesT_[m]);
        }
        if (hasPrevious) {
            // Replace the feature's earlier factor on the path by the aggregated one.
            const double* inverseOld =
                values_.data() + nodes_[static_cast<std::size_t>(c.previousSameFeature)].values +
                (oldFollows ? 2 : 3) * N;
            for (std::size_t m = 0; m < N; ++m)
                childProduct[m] *= inverseOld[m];
        }
        std::array<double, N> saved{};
        std::uint8_t savedFollows = 0;
        if (c.splitAgainBelow) {
            savedFollows = s.follows[f];
            s.follows[f] = follows;
            std::copy_n(pending, N, saved.begin());
            std::fill_n(pending, N, 0.0);
        }
        const std::array<double, N> childSum = walkFixed<N>(child, row, s, childProduct);
        // Leaves below this split on f, less those below a deeper split on f, credit f here.
        const double* inverseQ = values_.data() + c.values + (follows ? 2 : 3) * N;
        double integral = 0;
        for (std::size_t m = 0; m < N; ++m) {
            const double below = c.splitAgainBelow ? childSum[m] - pending[m] : childSum[m];
            integral += weights_[m] * inverseQ[m] * below;
        }
        s.phi[f] += (o - c.z) * integral;
        if (c.splitAgainBelow) {
            std::copy_n(saved.begin(), N, pending);
            s.follows[f] = savedFollows;
        }
        // This split is one of the nearest below the previous split on f.
        if (hasPrevious) {
            for (std::size_t m = 0; m < N; ++m)
                pending[m] += childSum[m];
        }
        for (std::size_t m = 0; m < N; ++m)
            total[m] += childSum[m];
    }
    return total;
}

void FastTreeShap::contributions(std::span<const float> row, std::span<double> phi) const {
    if (row.size() != featureCount_ || phi.size() != featureCount_) {
        throw std::invalid_argument("FastTreeShap: row or output has the wrong size");
    }
    std::fill(phi.begin(), phi.end(), 0.0);
    thread_local Scratch s;
    s.pending.assign(featureCount_ * points_, 0.0);
    s.follows.assign(featureCount_, 1);
    s.phi = phi;
    const auto fixed = [&]<std::size_t N>() {
        std::array<double, N> one;
        one.fill(1.0);
        for (const std::uint32_t root : roots_) {
            walkFixed<N>(static_cast<std::int32_t>(root), row.data(), s, one);
        }
    };
    switch (points_) {
        case 1:
            fixed.template operator()<1>();
            break;
        case 2:
            fixed.template operator()<2>();
            break;
        case 3:
            fixed.template operator()<3>();
            break;
        case 4:
            fixed.template operator()<4>();
            break;
        case 8:
            fixed.template operator()<8>();
            break;
        default:
            fixed.template operator()<16>();
            break;
    }
}

}  // namespace fraud
