#include "features/FeatureSchema.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/JsonInteger.h"
#include "features/TransactionSchema.h"

namespace fraud {

std::string FeatureSchema::id() const {
    if (kind == Kind::Transaction)
        return "transaction/v" + std::to_string(version);
    return "vector/" + name + "/v" + std::to_string(version);
}

bool FeatureSchema::isCyclic(const std::string& feature) const {
    return std::find(cyclic.begin(), cyclic.end(), feature) != cyclic.end();
}

nlohmann::json FeatureSchema::toJson() const {
    return nlohmann::json{{"kind", kind == Kind::Transaction ? "transaction" : "vector"},
                          {"name", name},
                          {"version", version},
                          {"features", features},
                          {"cyclic", cyclic}};
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
    s.version = jsonInteger<int>(j.at("version"), "version");
    s.features = j.at("features").get<std::vector<std::string>>();
    if (s.features.empty())
        throw std::runtime_error("feature schema has no features");
    if (s.kind == Kind::Transaction) {
        // The built-in schema's own word, also for manifests written before the flag.
        s.cyclic = builtinTransaction().cyclic;
    } else if (j.contains("cyclic")) {
        s.cyclic = j.at("cyclic").get<std::vector<std::string>>();
        for (const auto& c : s.cyclic) {
            if (std::find(s.features.begin(), s.features.end(), c) == s.features.end())
                throw std::runtime_error("cyclic feature '" + c + "' is not in the schema");
        }
    }
    return s;
}

FeatureSchema FeatureSchema::builtinTransaction() {
    FeatureSchema s;
    s.kind = Kind::Transaction;
    s.name = "transaction";
    s.version = kTransactionSchemaVersion;
    for (const auto& f : transactionFeatures()) {
        s.features.emplace_back(f.name);
        if (f.cyclic)
            s.cyclic.emplace_back(f.name);
    }
    return s;
}

}  // namespace fraud
