#include "training/ClassifierMetrics.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace fraud {
namespace {

double weightOf(std::span<const float> weights, std::size_t i) {
    return weights.empty() ? 1.0 : static_cast<double>(weights[i]);
}

std::vector<std::size_t> byScoreDescending(std::span<const float> scores) {
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    return order;
}

void checkSizes(std::span<const float> scores, std::span<const float> labels,
                std::span<const float> weights) {
    if (scores.size() != labels.size() || (!weights.empty() && weights.size() != scores.size())) {
        throw std::invalid_argument("metrics: scores, labels and weights differ in length");
    }
}

}  // namespace

nlohmann::json ClassifierMetrics::toJson() const {
    return {
        {"roc_auc", rocAuc},      {"pr_auc", prAuc},        {"recall_at_1pct_fpr", recallAt1PctFpr},
        {"positives", positives}, {"negatives", negatives}, {"rows", rows}};
}

ClassifierMetrics evaluateScores(std::span<const float> scores, std::span<const float> labels,
                                 std::span<const float> weights) {
    checkSizes(scores, labels, weights);
    ClassifierMetrics m;
    m.rows = scores.size();
    for (std::size_t i = 0; i < scores.size(); ++i) {
        (labels[i] > 0.5f ? m.positives : m.negatives) += weightOf(weights, i);
    }
    if (m.positives <= 0 || m.negatives <= 0)
        return m;

    // Sweep thresholds from the highest score down, one step per group of tied scores.
    const auto order = byScoreDescending(scores);
    double tp = 0, fp = 0, prevTpr = 0, prevFpr = 0;
    double auc = 0, ap = 0;
    for (std::size_t k = 0; k < order.size();) {
        const float s = scores[order[k]];
        while (k < order.size() && scores[order[k]] == s) {
            const std::size_t i = order[k++];
            (labels[i] > 0.5f ? tp : fp) += weightOf(weights, i);
        }
        const double tpr = tp / m.positives;
        const double fpr = fp / m.negatives;
        auc += (fpr - prevFpr) * (tpr + prevTpr) / 2;
        if (tp + fp > 0)
            ap += (tpr - prevTpr) * (tp / (tp + fp));
        if (fpr <= 0.01)
            m.recallAt1PctFpr = tpr;
        prevTpr = tpr;
        prevFpr = fpr;
    }
    m.rocAuc = auc;
    m.prAuc = ap;
    return m;
}

ThresholdMetrics metricsAtThreshold(std::span<const float> scores, std::span<const float> labels,
                                    std::span<const float> weights, double threshold) {
    checkSizes(scores, labels, weights);
    double tp = 0, fp = 0, positives = 0, negatives = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        const double w = weightOf(weights, i);
        const bool fraud = labels[i] > 0.5f;
        (fraud ? positives : negatives) += w;
        if (scores[i] >= threshold)
            (fraud ? tp : fp) += w;
    }
    ThresholdMetrics t;
    t.threshold = threshold;
    t.precision = tp + fp > 0 ? tp / (tp + fp) : 0;
    t.recall = positives > 0 ? tp / positives : 0;
    t.falsePositiveRate = negatives > 0 ? fp / negatives : 0;
    return t;
}

double thresholdForFalsePositiveRate(std::span<const float> scores, std::span<const float> labels,
                                     std::span<const float> weights, double fpr) {
    checkSizes(scores, labels, weights);
    double negatives = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (labels[i] <= 0.5f)
            negatives += weightOf(weights, i);
    }
    const auto order = byScoreDescending(scores);
    double fp = 0;
    double threshold = 1.0;  // flags nothing scored below 1
    for (std::size_t k = 0; k < order.size();) {
        const float s = scores[order[k]];
        double groupFp = 0;
        while (k < order.size() && scores[order[k]] == s) {
            const std::size_t i = order[k++];
            if (labels[i] <= 0.5f)
                groupFp += weightOf(weights, i);
        }
        if (negatives > 0 && (fp + groupFp) / negatives > fpr)
            break;
        fp += groupFp;
        threshold = s;
    }
    return threshold;
}

}  // namespace fraud
