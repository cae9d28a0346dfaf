// Transactions as the scorer receives them: a ScoreBatch's raw protobuf bytes, decoded, each
// transaction validated for the built-in schema and for a vector schema, and the valid ones'
// features extracted against a card history, as the engine does (validate the batch, then one
// extractBatch).
#include <vector>

#include "FuzzInput.h"
#include "features/CardHistoryStore.h"
#include "features/FeatureExtractor.h"
#include "features/FeatureSchema.h"
#include "features/TransactionFeatureExtractor.h"
#include "fraud/v1/scoring.pb.h"
#include "serving/TransactionValidator.h"

namespace {

// A fixed "now" (2026-01-01T00:00:00Z), so whether an event time is too old or too far ahead
// depends on the input alone.
constexpr fraud::EpochMillis kNow = 1'767'225'600'000;

const fraud::FeatureSchema& vectorSchema() {
    static const auto schema = [] {
        fraud::FeatureSchema s;
        s.kind = fraud::FeatureSchema::Kind::Vector;
        s.name = "fuzz";
        s.features = {"V1", "V2", "Amount"};
        return s;
    }();
    return schema;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fraud::v1::ScoreBatch batch;
    if (!batch.ParseFromArray(data, static_cast<int>(size)))
        return 0;
    const auto builtin = fraud::FeatureSchema::builtinTransaction();
    const fraud::ValidationLimits limits;
    std::vector<const fraud::v1::Transaction*> valid;
    for (const auto& tx : batch.transactions()) {
        const auto error = fraud::validateTransaction(tx, builtin, limits, kNow);
        if (error && error->field.empty())
            fraud::fuzz::fail("a validation error that names no field");
        if (!error)
            valid.push_back(&tx);
        (void)fraud::validateTransaction(tx, vectorSchema(), limits, kNow);
    }
    if (valid.empty())
        return 0;
    fraud::CardHistoryStore history({.shards = 1, .maxCards = 64});
    fraud::TransactionFeatureExtractor extractor(history);
    std::vector<float> features(valid.size() * builtin.features.size());
    std::vector<bool> available;
    extractor.extractBatch(valid, features, /*record=*/true, available);
    if (available.size() != valid.size())
        fraud::fuzz::fail("extractBatch did not say, for each transaction, whether it had history");
    return 0;
}
