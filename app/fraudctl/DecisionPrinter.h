#pragma once

#include <ostream>

#include "fraud/v1/transaction.pb.h"

namespace fraudops {

// Writes a decision for a person reading a terminal: the transaction in one line, the
// score and decision, and, when explained, the features that pushed the score most.
void printDecision(std::ostream& out, const fraud::v1::Transaction& tx,
                   const fraud::v1::ScoreResult& result, int topFeatures);

}  // namespace fraudops
