#pragma once

#include <nlohmann/json_fwd.hpp>
#include <span>

namespace fraud {

// Quality of a binary classifier's scores against labels (1 = fraud). Optional per-row
// weights let a sample stand for its population: the ULB sample keeps every fraud but
// 1.7 % of the legitimate rows, so weighting those by 1 / 0.017305 estimates the
// full-population AUPRC and precision. ROC-AUC does not depend on the class ratio.
struct ThresholdMetrics {
    double threshold = 0;
    double precision = 0;
    double recall = 0;
    double falsePositiveRate = 0;
};

struct ClassifierMetrics {
    double rocAuc = 0;
    double prAuc = 0;  // average precision, the step-wise area under precision-recall
    double recallAt1PctFpr = 0;
    double positives = 0;  // weighted counts
    double negatives = 0;
    std::size_t rows = 0;

    nlohmann::json toJson() const;
};

ClassifierMetrics evaluateScores(std::span<const float> scores, std::span<const float> labels,
                                 std::span<const float> weights = {});

ThresholdMetrics metricsAtThreshold(std::span<const float> scores, std::span<const float> labels,
                                    std::span<const float> weights, double threshold);

// The lowest score threshold whose false-positive rate stays at or under `fpr`
// (a row is flagged when score >= threshold).
double thresholdForFalsePositiveRate(std::span<const float> scores, std::span<const float> labels,
                                     std::span<const float> weights, double fpr);

}  // namespace fraud
