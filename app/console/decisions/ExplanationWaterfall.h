#pragma once

#include <QString>

#include "charts/WaterfallChart.h"
#include "fraud/v1/scoring.pb.h"
#include "models/ModelSummary.h"

namespace fraudops {

// How far an explanation's parts are from its margin: base + contributions - margin.
double explanationResidual(const fraud::v1::Explanation& explanation);

// A score's explanation as a waterfall in margin (log-odds) space: the base value, the
// `shown` largest contributions by size (each with the feature's value and, when the version's
// baseline is known, where it falls in training), the rest folded into "others", and the
// margin with its probability. The review and decline thresholds are marked at their margins.
// The bars sum to the explanation's margin up to its own residual.
WaterfallData explanationWaterfall(const fraud::v1::ScoreResult& result, const ModelSummary* model,
                                   int shown = 10);

// "amount = 714.19"; integers without decimals; "missing" for NaN.
QString featureValueText(double value);

}  // namespace fraudops
