#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace fraud {

// What a model's input vector means.
//  - `transaction`: the built-in schema, derived from a transaction's typed fields and the
//    card's history (TransactionSchema.h lists the features and the raw fields each reads).
//  - `vector`: a plain vector of named numbers that the client sends in
//    Transaction.features (e.g. a model trained on a CSV by a data scientist).
struct FeatureSchema {
    enum class Kind { Transaction, Vector };

    Kind kind = Kind::Transaction;
    std::string name;  // "transaction", or the vector schema's name
    int version = 1;
    std::vector<std::string> features;
    // Features that cycle by construction (hour of day): drift verdicts leave them out.
    // Descriptive only: it does not change what the model reads, so it takes no part in
    // whether two schemas are the same.
    std::vector<std::string> cyclic;
    bool isCyclic(const std::string& feature) const;

    // "transaction/v1", "vector/ulb-creditcard/v1": what must match for two models to
    // share an evaluation set and per-card state.
    std::string id() const;

    nlohmann::json toJson() const;
    static FeatureSchema fromJson(const nlohmann::json& j);

    static FeatureSchema builtinTransaction();

    friend bool operator==(const FeatureSchema& a, const FeatureSchema& b) {
        return a.kind == b.kind && a.name == b.name && a.version == b.version &&
               a.features == b.features;
    }
};

}  // namespace fraud
