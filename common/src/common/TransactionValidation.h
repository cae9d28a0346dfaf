#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/Time.h"

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

// What a transaction is validated for: the typed fields of the built-in transaction schema, or
// a vector schema's named features. The scorer validates every request with it, and the
// console every test transaction before it is sent, so both say the same thing.
struct ExpectedInput {
    bool vector = false;
    std::vector<std::string> features;  // a vector schema's
    std::string schemaId;               // named in errors
};

// The first problem found with `tx`, or nothing if it is valid.
std::optional<FieldError> validateTransaction(const v1::Transaction& tx,
                                              const ExpectedInput& expected,
                                              const ValidationLimits& limits, EpochMillis now);

}  // namespace fraud
