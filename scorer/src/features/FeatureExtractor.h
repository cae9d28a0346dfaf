#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "features/FeatureSchema.h"

namespace fraud::v1 {
class Transaction;
}

namespace fraud {

class CardHistory;

// The features as a function of one raw field's value, everything else as it is for the
// transaction: for the decision boundary. The card's history is read once, so the function is
// consistent while live traffic goes on.
struct FieldSweep {
    double current = 0;                   // the field's value in the transaction
    std::vector<std::string> dependents;  // the features that depend on the field
    // The traffic's feature vector with the field at `value`.
    std::function<void(double value, std::span<float> out)> features;
};

// Turns a (validated) transaction into a model's input vector. Missing values are NaN,
// which the tree evaluator and XGBoost both send down each split's default branch.
class FeatureExtractor {
public:
    virtual ~FeatureExtractor() = default;
    virtual const FeatureSchema& schema() const = 0;
    // `record`: also add the transaction to whatever history the schema keeps. False when
    // that history could not be read (a shared store down, failing open): the features that
    // need it are missing (NaN) in `out`.
    virtual bool extract(const v1::Transaction& tx, std::span<float> out, bool record) = 0;
    // extract for each transaction, in order, into consecutive rows of `out`, with
    // `available[i]` extract's answer: a history across the network is read in one round trip.
    virtual void extractBatch(std::span<const v1::Transaction* const> txs, std::span<float> out,
                              bool record, std::vector<bool>& available) {
        available.resize(txs.size());
        const std::size_t width = schema().features.size();
        for (std::size_t i = 0; i < txs.size(); ++i)
            available[i] = extract(*txs[i], out.subspan(i * width, width), record);
    }
    // As if the card had also made the `prior` transactions, recording nothing (a dry run).
    // A schema without history ignores them. Returns as extract does.
    virtual bool extractWithPriors(const v1::Transaction& tx,
                                   std::span<const v1::Transaction* const> prior,
                                   std::span<float> out) = 0;
    // `field` as the API names it: "amount" for the transaction schema, "features[NAME]" for a
    // vector one. Throws std::invalid_argument saying why a field cannot be swept.
    virtual FieldSweep sweep(const v1::Transaction& tx,
                             std::span<const v1::Transaction* const> prior,
                             std::string_view field) = 0;
};

// The extractor a schema needs. The transaction schema reads and records card history in
// `history`, which must outlive the extractor; one store serves every model of the schema,
// so a transaction is recorded once however many models score it.
std::unique_ptr<FeatureExtractor> makeFeatureExtractor(const FeatureSchema& schema,
                                                       CardHistory& history);

}  // namespace fraud
