#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "features/FeatureSchema.h"

namespace fraud {

// Where a model's inputs sit in the vector the scorer computes for its traffic. One feature
// vector is computed per transaction (and recorded once); a model whose schema lists the same
// features in the same order reads it as it is, another one (a canary trained on a subset,
// say) through this map.
class FeatureColumns {
public:
    // The traffic's full vector for a stable model of `schema`: every built-in feature for the
    // transaction kind, the schema's own list for a vector schema.
    static FeatureSchema trafficSchema(const FeatureSchema& stable);

    FeatureColumns() = default;  // the same order
    // Throws std::runtime_error naming every feature of `model` that `traffic` does not
    // compute (or the kinds, if they differ).
    FeatureColumns(const FeatureSchema& traffic, const FeatureSchema& model);

    bool identity() const { return columns_.empty(); }
    // The model's inputs: `traffic` itself, or gathered into `buffer`.
    std::span<const float> select(std::span<const float> traffic, std::vector<float>& buffer) const;

private:
    std::vector<std::uint32_t> columns_;  // empty: the same order
};

}  // namespace fraud
