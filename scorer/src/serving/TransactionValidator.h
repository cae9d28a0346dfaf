#pragma once

#include "common/TransactionValidation.h"
#include "features/FeatureSchema.h"

namespace fraud {

// What a model of `schema` expects of a transaction.
ExpectedInput expectedInput(const FeatureSchema& schema);

// The first problem found with `tx` for a model of `schema`, or nothing if it is valid.
inline std::optional<FieldError> validateTransaction(const v1::Transaction& tx,
                                                     const FeatureSchema& schema,
                                                     const ValidationLimits& limits,
                                                     EpochMillis now) {
    return validateTransaction(tx, expectedInput(schema), limits, now);
}

}  // namespace fraud
