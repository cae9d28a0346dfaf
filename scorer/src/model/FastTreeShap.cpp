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
                // 1/q at each point, q = z + (o - z) t, for o = 1 then o = 0. (q itself is
                // one multiply-add, computed where needed.)
                c.inverses = static_cast<std::uint32_t>(inverses_.size());
                for (const double o : {1.0, 0.0}) {
                    for (std::size_t m = 0; m < points_; ++m) {
                        const double q = c.z + (o - c.z) * t[m];
                        // A zero cover makes every product below it zero: nothing to divide.
                        inverses_.push_back(q > 0 ? 1 / q : 0);
                    }
                }
                const std::int32_t saved = lastEdge[f];
                lastEdge[f] = at(child);
                self(self, static_cast<std::size_t>(child));
                lastEdge[f] = saved;
            }
        };
        visit(visit, 0);
        // Parents, depths and how many path frames close before each node opens.
        const auto first = static_cast<std::size_t>(base);
        const std::size_t last = nodes_.size();
        std::vector<std::uint8_t> depth(last - first, 0);
        std::vector<std::size_t> parent(last - first, first);
        for (std::size_t k = first; k < last; ++k) {
            const Edge& e = nodes_[k];
            if (e.left < 0)
                continue;
            for (const std::int32_t c : {e.left, e.right}) {
                const auto child = static_cast<std::size_t>(c) - first;
                parent[child] = k;
                depth[child] = static_cast<std::uint8_t>(depth[k - first] + 1);
            }
            nodes_[static_cast<std::size_t>(e.left)].isLeftChild = true;
        }
        for (std::size_t k = first + 1; k < last; ++k) {
            nodes_[k].closeBefore =
                static_cast<std::uint8_t>(depth[k - 1 - first] - depth[parent[k - first] - first]);
        }
    }
}

template <std::size_t N>
void FastTreeShap::explainTree(std::uint32_t begin, std::uint32_t end, const float* row,
                               Scratch& s) const {
    constexpr std::size_t kFrames = 34;  // depth <= 32 (checked at construction), plus the root
    struct Frame {
        std::array<double, N> product;
        std::array<double, N> sum;
        std::array<double, N> saved;
        std::uint32_t node;
        std::uint8_t follows;  // o of the edge into this frame's node
        std::uint8_t savedFollows;
        bool hotLeft;
    };
    std::array<Frame, kFrames> frames;
    const Edge* nodes = nodes_.data();
    const auto hot = [&](const Edge& e) {
        const float x = row[e.splitFeature];
        return x != x ? e.defaultLeft : x < e.threshold;
    };
    if (nodes[begin].left < 0)
        return;  // a single leaf credits no feature
    std::size_t d = 0;
    frames[0].product.fill(1.0);
    frames[0].sum.fill(0.0);
    frames[0].node = begin;
    frames[0].hotLeft = hot(nodes[begin]);

    const auto close = [&](std::size_t at) {
        Frame& fr = frames[at];
        const Edge& c = nodes[fr.node];
        const std::uint32_t f = nodes[frames[at - 1].node].splitFeature;
        double* pending = s.pending.data() + f * N;
        const double* inverseQ = inverses_.data() + c.inverses + (fr.follows ? 0 : N);
        double integral = 0;
        for (std::size_t m = 0; m < N; ++m) {
            const double below = c.splitAgainBelow ? fr.sum[m] - pending[m] : fr.sum[m];
            integral += weights_[m] * inverseQ[m] * below;
        }
        s.phi[f] += ((fr.follows ? 1.0 : 0.0) - c.z) * integral;
        if (c.splitAgainBelow) {
            std::copy_n(fr.saved.begin(), N, pending);
            s.follows[f] = fr.savedFollows;
        }
        if (c.previousSameFeature >= 0) {
            for (std::size_t m = 0; m < N; ++m)
                pending[m] += fr.sum[m];
        }
        for (std::size_t m = 0; m < N; ++m)
            frames[at - 1].sum[m] += fr.sum[m];
    };

    for (std::uint32_t k = begin + 1; k < end; ++k) {
        const Edge& c = nodes[k];
        for (std::uint8_t n = c.closeBefore; n > 0; --n)
            close(d--);
        const Frame& up = frames[d];
        const std::uint32_t f = nodes[up.node].splitFeature;
        const bool followed = c.isLeftChild == up.hotLeft;
        const bool hasPrevious = c.previousSameFeature >= 0;
        const bool oldFollows = !hasPrevious || s.follows[f] != 0;
        const bool follows = oldFollows && followed;
        const double o = follows ? 1.0 : 0.0;
        Frame& fr = frames[++d];
        fr.node = k;
        fr.follows = follows;
        for (std::size_t m = 0; m < N; ++m) {
            fr.product[m] = up.product[m] * (c.z + (o - c.z) * nodesT_[m]);
        }
        if (hasPrevious) {
            const double* inverseOld =
                inverses_.data() + nodes[c.previousSameFeature].inverses + (oldFollows ? 0 : N);
            for (std::size_t m = 0; m < N; ++m)
                fr.product[m] *= inverseOld[m];
        }
        if (c.splitAgainBelow) {
            double* pending = s.pending.data() + f * N;
            fr.savedFollows = s.follows[f];
            s.follows[f] = follows;
            std::copy_n(pending, N, fr.saved.begin());
            std::fill_n(pending, N, 0.0);
        }
        if (c.left < 0) {
            for (std::size_t m = 0; m < N; ++m)
                fr.sum[m] = c.leafValue * fr.product[m];
        } else {
            fr.sum.fill(0.0);
            fr.hotLeft = hot(c);
        }
    }
    while (d > 0)
        close(d--);
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
        for (std::size_t t = 0; t < roots_.size(); ++t) {
            const auto end =
                t + 1 < roots_.size() ? roots_[t + 1] : static_cast<std::uint32_t>(nodes_.size());
            explainTree<N>(roots_[t], end, row.data(), s);
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
