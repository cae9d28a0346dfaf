#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "features/FeatureSchema.h"

namespace fraud {

// Scores at or above `decline` are declined, at or above `review` sent to review.
struct DecisionThresholds {
    double review = 0.5;
    double decline = 0.9;
};

// models/<version>/manifest.json: everything the registry knows about a version besides
// the model itself. Typed where the scorer acts on it; the rest (metrics, baselines,
// provenance) kept as JSON for the console and for people.
struct ModelManifest {
    std::string version;
    std::string createdAt;  // RFC 3339
    FeatureSchema schema;
    DecisionThresholds thresholds;
    std::string modelFile = "model.json";
    std::string modelSha256;
    nlohmann::json metrics = nlohmann::json::object();
    nlohmann::json baseline = nlohmann::json::object();  // "score" and "features": histograms
    nlohmann::json training = nlohmann::json::object();  // provenance
    nlohmann::json model = nlohmann::json::object();     // trees, depth, objective

    nlohmann::json toJson() const;
    static ModelManifest fromJson(const nlohmann::json& j);
};

}  // namespace fraud
