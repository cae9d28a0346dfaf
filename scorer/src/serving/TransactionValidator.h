#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/Time.h"
#include "features/FeatureSchema.h"

namespace fraud::v1 {
class Transaction;
}

namespace fraud {

// What is wrong with a transaction: the field (as named in the API, e.g. "amount" or
// "features[V14]") and why, for INVALID_ARGUMENT and the invalid-input metric.
struct FieldError {
    std::string field;
    std::string message;

    // The field without an index, so the metric's label values stay few.
    std::string_view metricLabel() const;
};

struct ValidationLimits {
    std::size_t maxIdLength = 128;  // ids, device id
    double maxAmount = 1'000'000;   // in currency units; larger is absurd for one card payment
    // Event times outside [now - maxEventAge, now + maxFutureSkew] are invalid: late events
    // would corrupt the card's history, future ones the velocity windows. Simulated
    // traffic can widen the window.
    std::chrono::seconds maxEventAge = std::chrono::hours(24 * 7);
    std::chrono::seconds maxFutureSkew = std::chrono::minutes(5);
};

// The first problem found with `tx` for a model of `schema`, or nothing if it is valid.
std::optional<FieldError> validateTransaction(const v1::Transaction& tx,
                                              const FeatureSchema& schema,
                                              const ValidationLimits& limits, EpochMillis now);

}  // namespace fraud
