#pragma once

#include <memory>
#include <string_view>

#include "model/FastTreeShap.h"
#include "model/FlatForest.h"
#include "model/TreeModel.h"
#include "registry/ModelManifest.h"

namespace fraud {

class ModelRegistry;

// A registry version ready to serve: manifest, reference trees, the fast evaluator and the
// explainer. Immutable once built, shared by every request that started on it (requests in
// flight keep theirs alive through the shared_ptr when a newer one replaces it).
class LoadedModel {
public:
    // Loads and validates `version`: the model file's sha256 must match the manifest, the
    // model must parse, its features must be the schema's, and the fast evaluator must
    // agree with XGBoost's own prediction on probe rows. Throws std::runtime_error saying
    // which check failed; a model that fails never serves.
    static std::shared_ptr<const LoadedModel> load(const ModelRegistry& registry,
                                                   std::string_view version);
    static std::shared_ptr<const LoadedModel> fromParts(ModelManifest manifest,
                                                        std::string_view modelJson);

    const ModelManifest& manifest() const { return manifest_; }
    const std::string& version() const { return manifest_.version; }
    const TreeModel& trees() const { return trees_; }
    const FlatForest& forest() const { return forest_; }
    const FastTreeShap& explainer() const { return shap_; }
    std::size_t featureCount() const { return trees_.featureCount; }

    LoadedModel(const LoadedModel&) = delete;
    LoadedModel& operator=(const LoadedModel&) = delete;

private:
    LoadedModel(ModelManifest manifest, TreeModel trees);

    ModelManifest manifest_;
    TreeModel trees_;
    FlatForest forest_;
    FastTreeShap shap_;
};

}  // namespace fraud
