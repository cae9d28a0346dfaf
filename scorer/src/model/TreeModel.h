#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fraud {

// One regression tree as XGBoost stores it: node arrays indexed by node id, root 0.
struct Tree {
    std::vector<std::int32_t> left;  // -1 at a leaf
    std::vector<std::int32_t> right;
    std::vector<std::uint32_t> feature;
    std::vector<float> value;  // split threshold (go left if x < value), or the leaf's value
    std::vector<std::uint8_t> defaultLeft;  // where a missing (NaN) value goes
    std::vector<double> cover;              // sum of hessians: the weight TreeSHAP needs

    std::size_t size() const { return left.size(); }
    bool isLeaf(std::size_t node) const { return left[node] < 0; }
    // Which child a row goes to: the same comparison XGBoost makes, in float.
    std::size_t next(std::size_t node, float x) const {
        if (x != x)
            return static_cast<std::size_t>(defaultLeft[node] ? left[node] : right[node]);
        return static_cast<std::size_t>(x < value[node] ? left[node] : right[node]);
    }
    int depth() const;
};

// A binary-logistic gradient-boosted tree ensemble read from XGBoost's JSON model format
// (what XGBoosterSaveModel and the Python package's save_model write to *.json).
// This is the reference form; FlatForest is the fast one compiled from it.
struct TreeModel {
    std::vector<Tree> trees;
    double baseMargin = 0;  // the margin before any tree: logit(base_score)
    std::size_t featureCount = 0;
    std::vector<std::string> featureNames;  // may be empty if the model was trained unnamed
    std::string objective;

    // Throws std::runtime_error saying what is wrong (not JSON, not gbtree, a multi-class
    // or categorical model, an objective other than binary:logistic, broken node links).
    static TreeModel fromXGBoostJson(std::string_view json);

    int maxDepth() const;
    std::size_t nodeCount() const;
    // Straightforward evaluation, for checks; FlatForest is the one to use per request.
    double margin(std::span<const float> row) const;
};

inline double sigmoid(double margin) {
    return 1.0 / (1.0 + std::exp(-margin));
}

}  // namespace fraud
