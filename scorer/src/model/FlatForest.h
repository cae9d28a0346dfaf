#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/TreeModel.h"

namespace fraud {

// The tree ensemble compiled for scoring one row at a time: every node of every tree in
// one contiguous array of 12-byte nodes, each tree in breadth-first order with siblings
// adjacent (right child = left child + 1), so a traversal touches few cache lines and
// chooses a child without a branch.
class FlatForest {
public:
    explicit FlatForest(const TreeModel& model);

    // The margin (log-odds) for one row of featureCount() floats; NaN means missing.
    double margin(std::span<const float> row) const;
    std::size_t featureCount() const { return featureCount_; }
    std::size_t treeCount() const { return roots_.size(); }

private:
    struct Node {
        float value;          // threshold, or the leaf's value
        std::uint32_t left;   // index of the left child; the right one follows it
        std::uint16_t feature;
        std::uint8_t isLeaf;
        std::uint8_t defaultLeft;
    };
    static_assert(sizeof(Node) == 12);

    std::vector<Node> nodes_;
    std::vector<std::uint32_t> roots_;
    double baseMargin_ = 0;
    std::size_t featureCount_ = 0;
};

}  // namespace fraud
