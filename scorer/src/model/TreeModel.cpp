#include "model/TreeModel.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/JsonInteger.h"

namespace fraud {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& why) {
    throw std::runtime_error("XGBoost model: " + why);
}

double parseNumber(const json& j, const char* what) {
    if (j.is_number())
        return j.get<double>();
    if (j.is_string()) {
        try {
            return std::stod(j.get<std::string>());
        } catch (const std::exception&) {
        }
    }
    fail(std::string("cannot read ") + what);
}

// An array of integers, each read strictly: nlohmann's get<std::vector<std::int32_t>>() casts
// a float out of range with undefined behaviour (the model fuzzer found 5.9e22 in
// left_children).
template <typename Int>
std::vector<Int> integers(const json& array, const char* field) {
    if (!array.is_array())
        throw std::runtime_error(std::string(field) + ": expected an array");
    std::vector<Int> out;
    out.reserve(array.size());
    for (const auto& v : array)
        out.push_back(jsonInteger<Int>(v, field));
    return out;
}

// An array of numbers that must fit a float (a double beyond it converts with undefined
// behaviour).
std::vector<float> floats(const json& array, const char* field) {
    if (!array.is_array())
        throw std::runtime_error(std::string(field) + ": expected an array");
    std::vector<float> out;
    out.reserve(array.size());
    for (const auto& v : array) {
        const double d = v.get<double>();
        if (!(std::abs(d) <= std::numeric_limits<float>::max()))
            throw std::runtime_error(std::string(field) + ": " + v.dump() + " is not a float");
        out.push_back(static_cast<float>(d));
    }
    return out;
}

Tree parseTree(const json& t, std::size_t featureCount, std::size_t index) {
    Tree tree;
    const std::string where = "tree " + std::to_string(index) + ": ";
    bool categorical = false;
    try {
        tree.left = integers<std::int32_t>(t.at("left_children"), "left_children");
        tree.right = integers<std::int32_t>(t.at("right_children"), "right_children");
        tree.feature = integers<std::uint32_t>(t.at("split_indices"), "split_indices");
        tree.value = floats(t.at("split_conditions"), "split_conditions");
        tree.cover = t.at("sum_hessian").get<std::vector<double>>();
        for (const auto& d : t.at("default_left")) {
            tree.defaultLeft.push_back(d.is_boolean() ? d.get<bool>()
                                                      : jsonInteger<int>(d, "default_left") != 0);
        }
        if (t.contains("split_type")) {
            for (const auto& s : t.at("split_type"))
                categorical = categorical || jsonInteger<int>(s, "split_type") != 0;
        }
    } catch (const std::exception& e) {  // nlohmann's, and the strict readers'
        fail(where + e.what());
    }
    if (categorical)
        fail(where + "categorical splits are not supported");
    const std::size_t n = tree.left.size();
    if (n == 0 || tree.right.size() != n || tree.feature.size() != n || tree.value.size() != n ||
        tree.cover.size() != n || tree.defaultLeft.size() != n) {
        fail(where + "node arrays differ in length");
    }
    // Every node must be reached exactly once from the root, children after parents.
    std::vector<std::uint8_t> reached(n, 0);
    reached[0] = 1;
    for (std::size_t i = 0; i < n; ++i) {
        if (!reached[i])
            fail(where + "node " + std::to_string(i) + " is not reachable");
        if (tree.left[i] < 0) {
            if (tree.right[i] >= 0)
                fail(where + "node " + std::to_string(i) + " is half a leaf");
            if (!std::isfinite(tree.value[i]))
                fail(where + "a leaf value is not finite");
            continue;
        }
        for (std::int32_t c : {tree.left[i], tree.right[i]}) {
            if (c <= static_cast<std::int32_t>(i) || static_cast<std::size_t>(c) >= n ||
                reached[static_cast<std::size_t>(c)]) {
                fail(where + "node " + std::to_string(i) + " has a bad child link");
            }
            reached[static_cast<std::size_t>(c)] = 1;
        }
        if (tree.feature[i] >= featureCount) {
            fail(where + "split on feature " + std::to_string(tree.feature[i]) + " of " +
                 std::to_string(featureCount));
        }
    }
    return tree;
}

}  // namespace

int Tree::depth() const {
    std::function<int(std::size_t)> walk = [&](std::size_t node) -> int {
        if (isLeaf(node))
            return 0;
        return 1 + std::max(walk(static_cast<std::size_t>(left[node])),
                            walk(static_cast<std::size_t>(right[node])));
    };
    return walk(0);
}

TreeModel TreeModel::fromXGBoostJson(std::string_view text) {
    json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded())
        fail("not valid JSON");
    TreeModel model;
    try {
        const json& learner = doc.at("learner");
        const json& booster = learner.at("gradient_booster");
        const auto boosterName = booster.at("name").get<std::string>();
        if (boosterName != "gbtree")
            fail("booster '" + boosterName + "' is not supported (gbtree only)");
        model.objective = learner.at("objective").at("name").get<std::string>();
        if (model.objective != "binary:logistic" && model.objective != "reg:logistic") {
            fail("objective '" + model.objective + "' is not supported (binary:logistic only)");
        }
        const json& params = learner.at("learner_model_param");
        const double numClass = parseNumber(params.at("num_class"), "num_class");
        if (numClass > 1)
            fail("multi-class models are not supported");
        const double features = parseNumber(params.at("num_feature"), "num_feature");
        // Checked before the cast: a double beyond size_t's range converts with undefined
        // behaviour. FlatForest takes at most 32767 features anyway.
        if (!(features >= 0 && features <= 1'000'000) || features != std::floor(features))
            fail("num_feature must be a whole number of at most 1000000");
        model.featureCount = static_cast<std::size_t>(features);
        const double baseScore = parseNumber(params.at("base_score"), "base_score");
        if (!(baseScore > 0 && baseScore < 1))
            fail("base_score must lie in (0, 1)");
        model.baseMargin = -std::log(1.0 / baseScore - 1.0);
        if (learner.contains("feature_names")) {
            model.featureNames = learner.at("feature_names").get<std::vector<std::string>>();
            if (!model.featureNames.empty() && model.featureNames.size() != model.featureCount) {
                fail("feature_names and num_feature disagree");
            }
        }
        const json& trees = booster.at("model").at("trees");
        model.trees.reserve(trees.size());
        for (std::size_t i = 0; i < trees.size(); ++i) {
            model.trees.push_back(parseTree(trees[i], model.featureCount, i));
        }
    } catch (const json::exception& e) {
        fail(e.what());
    }
    if (model.trees.empty())
        fail("the model has no trees");
    if (model.featureCount == 0)
        fail("the model has no features");
    return model;
}

int TreeModel::maxDepth() const {
    int d = 0;
    for (const auto& t : trees)
        d = std::max(d, t.depth());
    return d;
}

std::size_t TreeModel::nodeCount() const {
    std::size_t n = 0;
    for (const auto& t : trees)
        n += t.size();
    return n;
}

double TreeModel::margin(std::span<const float> row) const {
    double sum = baseMargin;
    for (const auto& tree : trees) {
        std::size_t node = 0;
        while (!tree.isLeaf(node))
            node = tree.next(node, row[tree.feature[node]]);
        sum += tree.value[node];
    }
    return sum;
}

}  // namespace fraud
