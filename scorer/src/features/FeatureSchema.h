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

    // "transaction/v1", "vector/ulb-creditcard/v1": what must match for two models to
    // share an evaluation set and per-card state.
    std::string id() const;

    nlohmann::json toJson() const;
    static FeatureSchema fromJson(const nlohmann::json& j);

    static FeatureSchema builtinTransaction();

    friend bool operator==(const FeatureSchema&, const FeatureSchema&) = default;
};

}  // namespace fraud
