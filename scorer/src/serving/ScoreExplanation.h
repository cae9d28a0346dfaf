#pragma once

#include <span>

#include "model/LoadedModel.h"

namespace fraud::v1 {
class ScoreResult;
}  // namespace fraud::v1

namespace fraud {

// The one place a score is explained: `out->explanation` gets the model's base value, the
// served margin, and every input's value and contribution, largest contribution first.
// Every path that explains (Score, ScoreStream, Explain, WatchDecisions) comes here.

// One score of `model`, whose inputs are `inputs`.
void explainScore(const LoadedModel& model, std::span<const float> inputs, v1::ScoreResult* out);

// Several scores of `model` at once, their inputs back to back in `rows` (one row per result):
// the batched walk costs several times less per row (FastTreeShap.h).
void explainScores(const LoadedModel& model, std::span<const float> rows,
                   std::span<v1::ScoreResult* const> out);

}  // namespace fraud
