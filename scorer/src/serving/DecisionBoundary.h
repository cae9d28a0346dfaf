#pragma once

#include <optional>
#include <string>
#include <vector>

#include "features/FeatureExtractor.h"
#include "fraud/v1/transaction.pb.h"

namespace fraud {

struct ServedModel;

// Where a decision changes as one raw field moves, everything else held: the nearest value
// above the current one at which the decision becomes another, and the nearest below.
struct DecisionFlip {
    double value = 0;  // above: the decision holds from `value` on; below: for values under it
    bool above = true;
    v1::Decision decision = v1::DECISION_UNSPECIFIED;
    double score = 0;
};

struct DecisionBoundaryResult {
    double current = 0;
    v1::Decision decision = v1::DECISION_UNSPECIFIED;
    double score = 0;
    std::vector<DecisionFlip> flips;  // at most one above and one below
    std::size_t thresholds = 0;       // split thresholds of the dependent features considered
};

// The score is piecewise constant in the field and not monotone, so no search along the field
// is sure to find the nearest flip. It can only change where a dependent feature crosses one
// of the model's split thresholds: those crossings are found (each dependent feature is
// monotone non-decreasing in the field, as amount and amount / card mean are; each crossing
// is bisected to 1e-9 relative), and the decision is evaluated once per interval between
// them, walking out from the current value. Searches within [low, high].
DecisionBoundaryResult findDecisionBoundary(const ServedModel& model, const FieldSweep& sweep,
                                            std::span<const std::string> trafficFeatures,
                                            double low, double high);

}  // namespace fraud
