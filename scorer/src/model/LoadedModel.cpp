#include "model/LoadedModel.h"

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "common/FileIo.h"
#include "common/Sha256.h"
#include "model/XGBoostBooster.h"
#include "registry/ModelRegistry.h"

namespace fraud {
namespace {

// Rows that exercise every branch: each value sits just below, at, or just above a
// threshold the model splits that feature on, or is missing.
DenseMatrix probeRows(const TreeModel& model, std::size_t rows) {
    std::vector<std::vector<float>> thresholds(model.featureCount);
    for (const Tree& tree : model.trees) {
        for (std::size_t n = 0; n < tree.size(); ++n) {
            if (!tree.isLeaf(n))
                thresholds[tree.feature[n]].push_back(tree.value[n]);
        }
    }
    std::mt19937_64 rng(20261122);
    DenseMatrix x{rows, model.featureCount, std::vector<float>(rows * model.featureCount)};
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t f = 0; f < model.featureCount; ++f) {
            float v = 0;
            const auto& t = thresholds[f];
            const auto pick = rng() % 16;
            if (pick == 0 || t.empty()) {
                v = pick == 0 ? std::numeric_limits<float>::quiet_NaN()
                              : static_cast<float>(static_cast<int>(rng() % 200) - 100);
            } else {
                const float base = t[rng() % t.size()];
                switch (rng() % 3) {
                    case 0:
                        v = std::nextafter(base, -std::numeric_limits<float>::infinity());
                        break;
                    case 1:
                        v = base;
                        break;
                    default:
                        v = std::nextafter(base, std::numeric_limits<float>::infinity());
                }
            }
            x.row(r)[f] = v;
        }
    }
    return x;
}

void validateAgainstXGBoost(const TreeModel& trees, const FlatForest& forest,
                            std::string_view modelJson) {
    const auto booster = XGBoostBooster::fromJson(modelJson);
    const DenseMatrix probes = probeRows(trees, 512);
    const auto expected = booster.predictMargin(probes);
    for (std::size_t r = 0; r < probes.rows; ++r) {
        const double got = forest.margin(probes.row(r));
        const double want = expected[r];
        if (!(std::abs(got - want) <= 1e-5 * std::max(1.0, std::abs(want)))) {
            throw std::runtime_error("the tree evaluator disagrees with XGBoost on probe row " +
                                     std::to_string(r) + ": " + std::to_string(got) + " vs " +
                                     std::to_string(want));
        }
    }
}

}  // namespace

LoadedModel::LoadedModel(ModelManifest manifest, TreeModel trees)
    : manifest_(std::move(manifest)), trees_(std::move(trees)), forest_(trees_), shap_(trees_) {}

std::shared_ptr<const LoadedModel> LoadedModel::fromParts(ModelManifest manifest,
                                                          std::string_view modelJson) {
    const std::string sha = sha256Hex(modelJson);
    if (sha != manifest.modelSha256) {
        throw std::runtime_error("checksum mismatch: model file has sha256 " + sha +
                                 ", the manifest says " + manifest.modelSha256);
    }
    TreeModel trees = TreeModel::fromXGBoostJson(modelJson);
    const auto& names = manifest.schema.features;
    if (trees.featureCount != names.size()) {
        throw std::runtime_error("the model has " + std::to_string(trees.featureCount) +
                                 " features, its schema " + manifest.schema.id() + " has " +
                                 std::to_string(names.size()));
    }
    if (!trees.featureNames.empty() && trees.featureNames != names) {
        throw std::runtime_error("the model's feature names differ from its schema's");
    }
    auto loaded =
        std::shared_ptr<LoadedModel>(new LoadedModel(std::move(manifest), std::move(trees)));
    validateAgainstXGBoost(loaded->trees_, loaded->forest_, modelJson);
    return loaded;
}

std::shared_ptr<const LoadedModel> LoadedModel::load(const ModelRegistry& registry,
                                                     std::string_view version) {
    try {
        ModelManifest manifest = registry.readManifest(version);
        const auto modelJson = readFile(registry.versionDir(version) / manifest.modelFile);
        return fromParts(std::move(manifest), modelJson);
    } catch (const std::exception& e) {
        throw std::runtime_error("model " + std::string(version) + ": " + e.what());
    }
}

}  // namespace fraud
