#pragma once

#include "features/CardHistory.h"
#include "features/FeatureExtractor.h"

namespace fraud {

// The built-in transaction schema (TransactionSchema.h), computed in event time.
// The trainer and the scorer both use this class: there is one implementation.
class TransactionFeatureExtractor final : public FeatureExtractor {
public:
    explicit TransactionFeatureExtractor(CardHistory& history);
    const FeatureSchema& schema() const override { return schema_; }
    bool extract(const v1::Transaction& tx, std::span<float> out, bool record) override;
    void extractBatch(std::span<const v1::Transaction* const> txs, std::span<float> out,
                      bool record, std::vector<bool>& available) override;
    bool extractWithPriors(const v1::Transaction& tx, std::span<const v1::Transaction* const> prior,
                           std::span<float> out) override;
    FieldSweep sweep(const v1::Transaction& tx, std::span<const v1::Transaction* const> prior,
                     std::string_view field) override;

private:
    CardHistoryView history(const v1::Transaction& tx,
                            std::span<const v1::Transaction* const> prior);
    // `amount` in place of the transaction's (the sweep's variable).
    void fill(const v1::Transaction& tx, double amount, const CardHistoryView& h,
              std::span<float> out) const;

    CardHistory& store_;
    FeatureSchema schema_;
};

// The client sends the vector by name in Transaction.features.
class VectorFeatureExtractor final : public FeatureExtractor {
public:
    explicit VectorFeatureExtractor(FeatureSchema schema);
    const FeatureSchema& schema() const override { return schema_; }
    bool extract(const v1::Transaction& tx, std::span<float> out, bool record) override;
    bool extractWithPriors(const v1::Transaction& tx, std::span<const v1::Transaction* const>,
                           std::span<float> out) override {
        return extract(tx, out, false);
    }
    FieldSweep sweep(const v1::Transaction& tx, std::span<const v1::Transaction* const> prior,
                     std::string_view field) override;

private:
    FeatureSchema schema_;
};

}  // namespace fraud
