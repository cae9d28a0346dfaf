#include "features/FeatureSchema.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "features/TransactionSchema.h"

namespace fraud {

std::string FeatureSchema::id() const {
    if (kind == Kind::Transaction)
        return "transaction/v" + std::to_string(version);
    return "vector/" + name + "/v" + std::to_string(version);
}

nlohmann::json FeatureSchema::toJson() const {
    return nlohmann::json{{"kind", kind == Kind::Transaction ? "transaction" : "vector"},
                          {"name", name},
                          {"version", version},
                          {"features", features}};
}

FeatureSchema FeatureSchema::fromJson(const nlohmann::json& j) {
    FeatureSchema s;
    const auto kind = j.at("kind").get<std::string>();
    if (kind == "transaction") {
        s.kind = Kind::Transaction;
    } else if (kind == "vector") {
        s.kind = Kind::Vector;
    } else {
        throw std::runtime_error("unknown feature schema kind '" + kind + "'");
    }
    s.name = j.at("name").get<std::string>();
    s.version = j.at("version").get<int>();
    s.features = j.at("features").get<std::vector<std::string>>();
    if (s.features.empty())
        throw std::runtime_error("feature schema has no features");
    return s;
}

FeatureSchema FeatureSchema::builtinTransaction() {
    FeatureSchema s;
    s.kind = Kind::Transaction;
    s.name = "transaction";
    s.version = kTransactionSchemaVersion;
    for (const auto& f : transactionFeatures())
        s.features.emplace_back(f.name);
    return s;
}

}  // namespace fraud
