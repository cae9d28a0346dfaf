#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/Time.h"
#include "features/FeatureSchema.h"
#include "model/XGBoostBooster.h"
#include "registry/ModelManifest.h"
#include "training/CsvTable.h"

namespace fraud {

class ModelRegistry;
struct GeneratorConfig;

// Labelled rows in event-time order.
struct LabelledRows {
    DenseMatrix x;
    std::vector<float> labels;  // 1 = fraud
    // Per-row weights for evaluation only (population weights of a sample); empty: all 1.
    std::vector<float> evalWeights;
};

struct TrainingRequest {
    std::string version;
    FeatureSchema schema;
    LabelledRows rows;
    XGBoostBooster::TrainingParams params;
    // Decision thresholds are chosen on a validation slice (between training and hold-out
    // in time) at these false-positive rates.
    double declineFalsePositiveRate = 0.001;
    double reviewFalsePositiveRate = 0.01;
    // Also train on a stratified random 70/30 split and report its hold-out metrics, to
    // compare with published results (which mostly use random splits).
    bool compareRandomSplit = false;
    nlohmann::json provenance = nlohmann::json::object();
};

struct TrainingOutcome {
    ModelManifest manifest;
    std::string modelJson;
};

// Trains on the first 60 % of the rows by time, picks thresholds on the next 10 % and
// evaluates on the last 30 % (fraud labels arrive late: a random split would leak the
// future). Also evaluates on the registry's fixed evaluation set for the schema, creating
// it from this hold-out if it has none, so every version's metrics are comparable.
TrainingOutcome trainModel(const TrainingRequest& request, ModelRegistry& registry);

// Shared by training and import.
inline constexpr int kBaselineBins = 10;
std::vector<float> probabilities(const XGBoostBooster& booster, const DenseMatrix& x);
// Metrics of `scores` against the rows' labels, at each decision threshold too.
nlohmann::json describeScores(const std::vector<float>& scores, const LabelledRows& rows,
                              const DecisionThresholds& thresholds);
// A registry evaluation set (columns: the schema's features, label, weight).
LabelledRows labelledRowsFromCsv(const FeatureSchema& schema, const CsvTable& t);
// Quantile-binned baselines of every feature of `x`, for drift.
nlohmann::json featureBaselines(const FeatureSchema& schema, const DenseMatrix& x);

// Synthetic transactions featurized in event time by the scorer's own extractor.
LabelledRows synthesizeRows(const GeneratorConfig& config, std::size_t count,
                            EpochMillis historyWarmup = 86'400'000);

}  // namespace fraud
