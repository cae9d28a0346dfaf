#pragma once

#include <span>
#include <vector>

#include "model/TreeModel.h"

namespace fraud {

// Exact SHAP values of a tree ensemble for one row (Lundberg, Erion & Lee, "Consistent
// Individualized Feature Attribution for Tree Ensembles", 2018, algorithm 2), weighting
// each path by the nodes' covers as XGBoost does. The contributions plus baseValue() sum
// to the row's margin.
class TreeShap {
public:
    explicit TreeShap(const TreeModel& model);

    // Writes featureCount() contributions for `row` into `phi`.
    void contributions(std::span<const float> row, std::span<double> phi) const;
    // The margin expected over the training data: base margin + each tree's cover-weighted
    // mean leaf value.
    double baseValue() const { return baseValue_; }
    std::size_t featureCount() const { return model_.featureCount; }

private:
    struct PathElement {
        int feature;
        double zeroFraction;
        double oneFraction;
        double weight;
    };
    void recurse(const Tree& tree, std::size_t node, std::span<const float> row,
                 std::span<double> phi, PathElement* parentPath, int depth,
                 double parentZeroFraction, double parentOneFraction, int parentFeature) const;

    const TreeModel& model_;
    double baseValue_ = 0;
    int maxDepth_ = 0;
};

// The margin expected over the training data: base margin plus each tree's cover-weighted
// mean leaf value (TreeSHAP's base value, XGBoost's bias column).
double expectedMargin(const TreeModel& model);

}  // namespace fraud
