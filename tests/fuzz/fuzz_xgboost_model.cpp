// XGBoost JSON models as fraud-train import and the registry load them: parsed into the
// reference trees, compiled into the flat forest, and both evaluated on the same rows. The
// flat forest sums leaves in float in tree order, as XGBoost does, so its margin must be
// bit-identical to the same sum taken over the reference trees: any difference is a
// compiler bug that would score transactions wrongly.
#include <cmath>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include "FuzzInput.h"
#include "model/FlatForest.h"
#include "model/TreeModel.h"

namespace {

double referenceMargin(const fraud::TreeModel& model, const std::vector<float>& row) {
    float sum = 0;
    for (const auto& tree : model.trees) {
        std::size_t node = 0;
        while (!tree.isLeaf(node))
            node = tree.next(node, row[tree.feature[node]]);
        sum += tree.value[node];
    }
    return model.baseMargin + static_cast<double>(sum);
}

bool sameBits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fraud::TreeModel model;
    try {
        model = fraud::TreeModel::fromXGBoostJson(fraud::fuzz::text(data, size));
    } catch (const std::runtime_error&) {
        return 0;  // rejected, with a message: what a bad model must get
    }
    std::optional<fraud::FlatForest> forest;
    try {
        forest.emplace(model);
    } catch (const std::runtime_error&) {
        return 0;  // too many features or too deep to compile: refused, not served
    }
    if (forest->featureCount() != model.featureCount || forest->treeCount() != model.trees.size())
        fraud::fuzz::fail("the flat forest's shape differs from the model's");
    // Rows: all missing, all zero, and values taken from the input's bytes.
    const std::size_t n = model.featureCount;
    std::vector<std::vector<float>> rows{std::vector<float>(n, std::nanf("")),
                                         std::vector<float>(n, 0.0f), std::vector<float>(n)};
    for (std::size_t f = 0; f < n; ++f)
        rows[2][f] = static_cast<float>(static_cast<int>(data[f % size]) - 128) / 8.0f;
    for (const auto& row : rows) {
        if (!sameBits(forest->margin(row), referenceMargin(model, row)))
            fraud::fuzz::fail("the flat forest and the reference trees disagree on a row");
    }
    return 0;
}
