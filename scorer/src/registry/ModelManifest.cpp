#include "registry/ModelManifest.h"

#include <stdexcept>

namespace fraud {

nlohmann::json ModelManifest::toJson() const {
    return {{"format", 1},
            {"version", version},
            {"created_at", createdAt},
            {"schema", schema.toJson()},
            {"thresholds", {{"review", thresholds.review}, {"decline", thresholds.decline}}},
            {"model_file", modelFile},
            {"model_sha256", modelSha256},
            {"model", model},
            {"metrics", metrics},
            {"baseline", baseline},
            {"training", training}};
}

ModelManifest ModelManifest::fromJson(const nlohmann::json& j) {
    ModelManifest m;
    try {
        m.version = j.at("version").get<std::string>();
        m.createdAt = j.value("created_at", "");
        m.schema = FeatureSchema::fromJson(j.at("schema"));
        m.thresholds.review = j.at("thresholds").at("review").get<double>();
        m.thresholds.decline = j.at("thresholds").at("decline").get<double>();
        m.modelFile = j.value("model_file", "model.json");
        m.modelSha256 = j.at("model_sha256").get<std::string>();
        m.model = j.value("model", nlohmann::json::object());
        m.metrics = j.value("metrics", nlohmann::json::object());
        m.baseline = j.value("baseline", nlohmann::json::object());
        m.training = j.value("training", nlohmann::json::object());
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("manifest: ") + e.what());
    }
    if (!(m.thresholds.review >= 0 && m.thresholds.review <= m.thresholds.decline &&
          m.thresholds.decline <= 1)) {
        throw std::runtime_error("manifest: thresholds must satisfy 0 <= review <= decline <= 1");
    }
    if (m.modelFile.find('/') != std::string::npos || m.modelFile.starts_with(".")) {
        throw std::runtime_error("manifest: model_file must be a plain file name");
    }
    return m;
}

}  // namespace fraud
