#include "serving/TransactionValidator.h"

namespace fraud {

ExpectedInput expectedInput(const FeatureSchema& schema) {
    return {schema.kind == FeatureSchema::Kind::Vector, schema.features, schema.id()};
}

}  // namespace fraud
