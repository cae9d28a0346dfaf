#pragma once

#include <optional>
#include <string>
#include <vector>

#include "registry/ModelManifest.h"
#include "training/CsvTable.h"

namespace fraud {

class ModelRegistry;

// A model trained elsewhere (XGBoost's JSON, e.g. from its Python package) made into a
// registry version like any other: a schema from its feature names (the built-in transaction
// schema when the scorer computes every one of them, else a vector schema), baselines from a
// reference CSV with those columns, decision thresholds chosen on the reference rows when
// they are labelled (or given), and metrics on the reference rows and on the registry's
// evaluation set when labels exist.
struct ImportRequest {
    std::string version;
    std::string modelJson;
    std::vector<std::string> features;  // empty: the model's own feature_names
    std::string vectorSchemaName;       // for models that are not transaction models
    CsvTable reference;
    std::string labelColumn;  // empty or absent: unlabelled reference
    std::optional<DecisionThresholds> thresholds;
    double declineFalsePositiveRate = 0.001;
    double reviewFalsePositiveRate = 0.01;
    std::string source;  // where the model came from, for the provenance
};

struct ImportOutcome {
    ModelManifest manifest;
    std::string modelJson;
};

// Builds and validates (LoadedModel: the scorer's evaluator against XGBoost) the version;
// throws std::runtime_error saying what is wrong. Does not add it to the registry.
ImportOutcome importModel(const ImportRequest& request, const ModelRegistry& registry);

}  // namespace fraud
