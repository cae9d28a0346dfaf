#include "model/FlatForest.h"

#include <deque>
#include <limits>
#include <stdexcept>

namespace fraud {

FlatForest::FlatForest(const TreeModel& model)
    : baseMargin_(model.baseMargin), featureCount_(model.featureCount) {
    if (model.featureCount > std::numeric_limits<std::uint16_t>::max()) {
        throw std::runtime_error("FlatForest: more than 65535 features");
    }
    nodes_.reserve(model.nodeCount());
    roots_.reserve(model.trees.size());
    for (const Tree& tree : model.trees) {
        // Breadth-first: a node's two children are appended together, left then right.
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
                node.isLeaf = 1;
            } else {
                node.feature = static_cast<std::uint16_t>(tree.feature[src]);
                node.defaultLeft = tree.defaultLeft[src];
                node.left = static_cast<std::uint32_t>(nodes_.size());
                nodes_.push_back({});
                nodes_.push_back({});
                queue.emplace_back(static_cast<std::size_t>(tree.left[src]), node.left);
                queue.emplace_back(static_cast<std::size_t>(tree.right[src]), node.left + 1);
            }
            nodes_[dst] = node;
        }
    }
}

double FlatForest::margin(std::span<const float> row) const {
    const Node* nodes = nodes_.data();
    const float* x = row.data();
    float sum = 0;
    for (const std::uint32_t root : roots_) {
        const Node* n = nodes + root;
        while (!n->isLeaf) {
            const float v = x[n->feature];
            // NaN compares false: it goes left only where the split's default is left.
            const bool goLeft = (v < n->value) | ((v != v) & (n->defaultLeft != 0));
            n = nodes + n->left + (goLeft ? 0 : 1);
        }
        sum += n->value;
    }
    return baseMargin_ + static_cast<double>(sum);
}

}  // namespace fraud
