#include "model/FlatForest.h"

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <stdexcept>

namespace fraud {

FlatForest::FlatForest(const TreeModel& model)
    : baseMargin_(model.baseMargin), featureCount_(model.featureCount) {
    if (2 * model.featureCount + 1 > std::numeric_limits<std::uint16_t>::max()) {
        throw std::runtime_error("FlatForest: at most 32767 features");
    }
    const auto features = static_cast<std::uint16_t>(model.featureCount);
    const auto leafInput = static_cast<std::uint16_t>(2 * features);  // the extra -inf input
    nodes_.reserve(model.nodeCount());
    roots_.reserve(model.trees.size());
    for (const Tree& tree : model.trees) {
        const int depth = tree.depth();
        if (depth > 255)
            throw std::runtime_error("FlatForest: a tree deeper than 255");
        treeDepth_.push_back(static_cast<std::uint8_t>(depth));
        if (tree.size() > std::numeric_limits<std::uint16_t>::max()) {
            throw std::runtime_error("FlatForest: a tree of more than 65535 nodes");
        }
        const auto root = static_cast<std::uint32_t>(nodes_.size());
        roots_.push_back(root);
        std::deque<std::pair<std::size_t, std::uint32_t>> queue;  // (tree node, flat index)
        nodes_.push_back({});
        queue.emplace_back(0, root);
        while (!queue.empty()) {
            const auto [src, dst] = queue.front();
            queue.pop_front();
            Node node{};
            node.value = tree.value[src];
            if (tree.isLeaf(src)) {
                node.input = leafInput;
                node.toLeft = 0;
            } else {
                node.input = static_cast<std::uint16_t>(tree.feature[src] +
                                                        (tree.defaultLeft[src] ? 0 : features));
                const auto left = static_cast<std::uint32_t>(nodes_.size());
                node.toLeft = static_cast<std::uint16_t>(left - dst);
                nodes_.push_back({});
                nodes_.push_back({});
                queue.emplace_back(static_cast<std::size_t>(tree.left[src]), left);
                queue.emplace_back(static_cast<std::size_t>(tree.right[src]), left + 1);
            }
            nodes_[dst] = node;
        }
    }
    for (std::size_t t = 0; t < treeDepth_.size(); t += kLanes) {
        const auto end = std::min(treeDepth_.size(), t + kLanes);
        groupDepth_.push_back(*std::max_element(treeDepth_.begin() + static_cast<long>(t),
                                                treeDepth_.begin() + static_cast<long>(end)));
    }
}

double FlatForest::margin(std::span<const float> row) const {
    // The doubled row (NaN as -inf, then NaN as +inf) and the extra -inf input; small schemas
    // stay on the stack.
    constexpr std::size_t kStackFeatures = 127;
    constexpr float kInf = std::numeric_limits<float>::infinity();
    std::array<float, 2 * kStackFeatures + 1> stackRow;
    std::vector<float> heapRow;
    float* x = stackRow.data();
    if (featureCount_ > kStackFeatures) {
        heapRow.resize(2 * featureCount_ + 1);
        x = heapRow.data();
    }
    for (std::size_t f = 0; f < featureCount_; ++f) {
        const float v = row[f];
        const bool missing = v != v;
        x[f] = missing ? -kInf : v;
        x[featureCount_ + f] = missing ? kInf : v;
    }
    x[2 * featureCount_] = -kInf;

    const std::size_t trees = roots_.size();
    float sum = 0;
    std::size_t t = 0;
    for (; t + kLanes <= trees; t += kLanes) {
        std::array<std::uint32_t, kLanes> at;
        std::copy_n(roots_.data() + t, kLanes, at.begin());
        for (int k = groupDepth_[t / kLanes]; k > 0; --k) {
            for (std::size_t lane = 0; lane < kLanes; ++lane) {
                at[lane] = step(at[lane], x);
            }
        }
        for (std::size_t lane = 0; lane < kLanes; ++lane) {
            sum += nodes_[at[lane]].value;
        }
    }
    for (; t < trees; ++t) {
        std::uint32_t at = roots_[t];
        for (int k = treeDepth_[t]; k > 0; --k) {
            at = step(at, x);
        }
        sum += nodes_[at].value;
    }
    return baseMargin_ + static_cast<double>(sum);
}

}  // namespace fraud
