#include "model/TreeShap.h"

#include <algorithm>
#include <stdexcept>

namespace fraud {
namespace {

// The path's permutation weights after adding one more split on it.
template <typename P>
void extendPath(P* path, int depth, double zeroFraction, double oneFraction, int feature) {
    path[depth] = {feature, zeroFraction, oneFraction, depth == 0 ? 1.0 : 0.0};
    for (int i = depth - 1; i >= 0; --i) {
        path[i + 1].weight += oneFraction * path[i].weight * (i + 1) / (depth + 1);
        path[i].weight = zeroFraction * path[i].weight * (depth - i) / (depth + 1);
    }
}

// The inverse of extendPath for the element at `index`: undoes its split.
template <typename P>
void unwindPath(P* path, int depth, int index) {
    const double oneFraction = path[index].oneFraction;
    const double zeroFraction = path[index].zeroFraction;
    double nextOnePortion = path[depth].weight;
    for (int i = depth - 1; i >= 0; --i) {
        if (oneFraction != 0) {
            const double w = path[i].weight;
            path[i].weight = nextOnePortion * (depth + 1) / ((i + 1) * oneFraction);
            nextOnePortion = w - path[i].weight * zeroFraction * (depth - i) / (depth + 1);
        } else {
            path[i].weight = path[i].weight * (depth + 1) / (zeroFraction * (depth - i));
        }
    }
    for (int i = index; i < depth; ++i) {
        path[i].feature = path[i + 1].feature;
        path[i].zeroFraction = path[i + 1].zeroFraction;
        path[i].oneFraction = path[i + 1].oneFraction;
    }
}

// The total weight the path would have with the element at `index` unwound, without
// changing the path.
template <typename P>
double unwoundPathSum(const P* path, int depth, int index) {
    const double oneFraction = path[index].oneFraction;
    const double zeroFraction = path[index].zeroFraction;
    double nextOnePortion = path[depth].weight;
    double total = 0;
    for (int i = depth - 1; i >= 0; --i) {
        if (oneFraction != 0) {
            const double w = nextOnePortion * (depth + 1) / ((i + 1) * oneFraction);
            total += w;
            nextOnePortion = path[i].weight - w * zeroFraction * (depth - i) / (depth + 1);
        } else {
            total += path[i].weight / (zeroFraction * (depth - i) / (depth + 1));
        }
    }
    return total;
}

double meanValue(const Tree& tree, std::size_t node) {
    if (tree.isLeaf(node))
        return tree.value[node];
    const auto l = static_cast<std::size_t>(tree.left[node]);
    const auto r = static_cast<std::size_t>(tree.right[node]);
    if (tree.cover[node] <= 0)
        return 0;
    return (tree.cover[l] * meanValue(tree, l) + tree.cover[r] * meanValue(tree, r)) /
           tree.cover[node];
}

}  // namespace

double expectedMargin(const TreeModel& model) {
    double value = model.baseMargin;
    for (const Tree& tree : model.trees)
        value += meanValue(tree, 0);
    return value;
}

TreeShap::TreeShap(const TreeModel& model)
    : model_(model), baseValue_(expectedMargin(model)), maxDepth_(model.maxDepth()) {}

void TreeShap::contributions(std::span<const float> row, std::span<double> phi) const {
    if (row.size() != model_.featureCount || phi.size() != model_.featureCount) {
        throw std::invalid_argument("TreeShap: row or output has the wrong size");
    }
    std::fill(phi.begin(), phi.end(), 0.0);
    // Each recursion level works on its own copy of the path, laid out one after another.
    const auto levels = static_cast<std::size_t>(maxDepth_ + 2);
    std::vector<PathElement> paths(levels * (levels + 1) / 2);
    for (const Tree& tree : model_.trees) {
        recurse(tree, 0, row, phi, paths.data(), 0, 1.0, 1.0, -1);
    }
}

void TreeShap::recurse(const Tree& tree, std::size_t node, std::span<const float> row,
                       std::span<double> phi, PathElement* parentPath, int depth,
                       double parentZeroFraction, double parentOneFraction,
                       int parentFeature) const {
    PathElement* path = parentPath + depth;
    if (depth > 0)
        std::copy(parentPath, parentPath + depth, path);
    extendPath(path, depth, parentZeroFraction, parentOneFraction, parentFeature);

    if (tree.isLeaf(node)) {
        const double leaf = tree.value[node];
        for (int i = 1; i <= depth; ++i) {
            const double w = unwoundPathSum(path, depth, i);
            const PathElement& e = path[i];
            phi[static_cast<std::size_t>(e.feature)] += w * (e.oneFraction - e.zeroFraction) * leaf;
        }
        return;
    }

    const std::uint32_t splitFeature = tree.feature[node];
    const std::size_t hot = tree.next(node, row[splitFeature]);
    const auto left = static_cast<std::size_t>(tree.left[node]);
    const auto right = static_cast<std::size_t>(tree.right[node]);
    const std::size_t cold = hot == left ? right : left;
    const double cover = tree.cover[node];
    const double hotZeroFraction = tree.cover[hot] / cover;
    const double coldZeroFraction = tree.cover[cold] / cover;
    double incomingZeroFraction = 1;
    double incomingOneFraction = 1;

    // A feature split on again further down: undo its earlier split so it counts once.
    int pathIndex = 0;
    for (; pathIndex <= depth; ++pathIndex) {
        if (path[pathIndex].feature == static_cast<int>(splitFeature))
            break;
    }
    if (pathIndex != depth + 1) {
        incomingZeroFraction = path[pathIndex].zeroFraction;
        incomingOneFraction = path[pathIndex].oneFraction;
        unwindPath(path, depth, pathIndex);
        depth -= 1;
    }

    recurse(tree, hot, row, phi, path, depth + 1, hotZeroFraction * incomingZeroFraction,
            incomingOneFraction, static_cast<int>(splitFeature));
    recurse(tree, cold, row, phi, path, depth + 1, coldZeroFraction * incomingZeroFraction, 0,
            static_cast<int>(splitFeature));
}

}  // namespace fraud
