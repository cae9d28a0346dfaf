#include "training/ModelImport.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/Sha256.h"
#include "common/Time.h"
#include "model/LoadedModel.h"
#include "model/TreeModel.h"
#include "model/XGBoostBooster.h"
#include "registry/ModelRegistry.h"
#include "training/ClassifierMetrics.h"
#include "training/Histogram.h"
#include "training/Trainer.h"

namespace fraud {
namespace {

// The built-in transaction schema if the scorer computes every feature (in any order, a
// subset allowed), else a vector schema of these names.
FeatureSchema schemaFor(const std::vector<std::string>& features, const std::string& vectorName) {
    const auto builtin = FeatureSchema::builtinTransaction();
    const bool transaction = std::all_of(features.begin(), features.end(), [&](const auto& f) {
        return std::find(builtin.features.begin(), builtin.features.end(), f) !=
               builtin.features.end();
    });
    FeatureSchema schema;
    if (transaction) {
        schema = builtin;
    } else {
        if (vectorName.empty()) {
            throw std::runtime_error(
                "the model's features are not all built-in transaction features: name its "
                "vector schema (--schema-name)");
        }
        schema.kind = FeatureSchema::Kind::Vector;
        schema.name = vectorName;
    }
    schema.features = features;
    return schema;
}

}  // namespace

ImportOutcome importModel(const ImportRequest& request, const ModelRegistry& registry) {
    const TreeModel trees = TreeModel::fromXGBoostJson(request.modelJson);
    std::vector<std::string> features = request.features;
    if (features.empty())
        features = trees.featureNames;
    if (features.empty()) {
        throw std::runtime_error(
            "the model names no features (feature_names): give them with "
            "--features");
    }
    if (features.size() != trees.featureCount) {
        throw std::runtime_error("the model reads " + std::to_string(trees.featureCount) +
                                 " features, " + std::to_string(features.size()) + " are named");
    }
    if (std::set<std::string>(features.begin(), features.end()).size() != features.size())
        throw std::runtime_error("feature names repeat");

    ImportOutcome out;
    ModelManifest& m = out.manifest;
    m.version = request.version;
    m.createdAt = formatRfc3339(wallClockMillis());
    m.schema = schemaFor(features, request.vectorSchemaName);
    // The scorer checks the model's own names against the schema: make them agree.
    auto json = nlohmann::json::parse(request.modelJson);
    json["learner"]["feature_names"] = features;
    if (!json["learner"].contains("feature_types") ||
        json["learner"]["feature_types"].size() != features.size())
        json["learner"]["feature_types"] = std::vector<std::string>(features.size(), "float");
    out.modelJson = json.dump();
    m.modelSha256 = sha256Hex(out.modelJson);
    m.model = {{"format", "xgboost-json"},
               {"objective", trees.objective},
               {"trees", trees.trees.size()},
               {"max_depth", trees.maxDepth()},
               {"nodes", trees.nodeCount()}};

    // The reference rows: every feature must be a column; the label is optional.
    LabelledRows reference;
    reference.x.cols = features.size();
    std::vector<std::size_t> cols;
    for (const auto& f : features)
        cols.push_back(request.reference.column(f));  // throws naming a missing column
    const auto& names = request.reference.columns;
    const bool labelled = !request.labelColumn.empty() &&
                          std::find(names.begin(), names.end(), request.labelColumn) != names.end();
    const std::size_t labelCol = labelled ? request.reference.column(request.labelColumn) : 0;
    for (const auto& row : request.reference.rows) {
        for (std::size_t c : cols)
            reference.x.values.push_back(static_cast<float>(row[c]));
        if (labelled)
            reference.labels.push_back(row[labelCol] > 0.5 ? 1.0f : 0.0f);
    }
    reference.x.rows = request.reference.rows.size();
    if (reference.x.rows < 100)
        throw std::runtime_error("the reference CSV needs at least 100 rows for baselines");

    const auto booster = XGBoostBooster::fromJson(out.modelJson);
    const auto scores = probabilities(booster, reference.x);
    if (request.thresholds) {
        m.thresholds = *request.thresholds;
    } else if (labelled) {
        m.thresholds.decline = thresholdForFalsePositiveRate(scores, reference.labels, {},
                                                             request.declineFalsePositiveRate);
        m.thresholds.review = std::min(
            m.thresholds.decline, thresholdForFalsePositiveRate(scores, reference.labels, {},
                                                                request.reviewFalsePositiveRate));
    } else {
        throw std::runtime_error(
            "the reference CSV has no label column: give the decision thresholds "
            "(--review-threshold, --decline-threshold)");
    }
    if (!(m.thresholds.review <= m.thresholds.decline))
        throw std::runtime_error("the review threshold is above the decline threshold");

    if (labelled)
        m.metrics["reference"] = describeScores(scores, reference, m.thresholds);
    const auto evalPath = registry.evalSetPath(m.schema);
    if (std::filesystem::exists(evalPath)) {
        const auto evalSet = labelledRowsFromCsv(m.schema, CsvTable::read(evalPath));
        auto j = describeScores(probabilities(booster, evalSet.x), evalSet, m.thresholds);
        j["file"] = std::filesystem::relative(evalPath, registry.root()).string();
        m.metrics["registry_eval"] = j;
        // The console compares versions by their hold-out figures: the registry's fixed
        // evaluation set is this version's hold-out.
        m.metrics["holdout"] = j;
    }
    m.baseline = {{"features", featureBaselines(m.schema, reference.x)},
                  {"score", Histogram::fromQuantiles(scores, kBaselineBins).toJson()}};
    m.training = {{"trainer", "imported"},
                  {"source", request.source},
                  {"reference_rows", reference.x.rows},
                  {"reference_labelled", labelled},
                  {"xgboost_version_here", XGBoostBooster::version()}};
    // What the scorer will do before serving it: checksum, names, evaluator against XGBoost.
    LoadedModel::fromParts(m, out.modelJson);
    return out;
}

}  // namespace fraud
