#include "serving/DecisionBoundary.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "serving/ScoringEngine.h"

namespace fraud {
DecisionBoundaryResult findDecisionBoundary(const ServedModel& model, const FieldSweep& sweep,
                                            std::span<const std::string> trafficFeatures,
                                            double low, double high) {
    const auto& schema = model.model->manifest().schema.features;
    std::vector<float> traffic(trafficFeatures.size()), buffer;
    // The model's inputs at a value of the field.
    const auto inputsAt = [&](double value) {
        sweep.features(value, traffic);
        return model.columns.select(traffic, buffer);
    };
    const auto scoreAt = [&](double value) {
        return sigmoid(model.model->forest().margin(inputsAt(value)));
    };

    // The model's input columns that depend on the field, and their split thresholds.
    std::set<std::pair<std::size_t, float>> splits;
    for (const Tree& tree : model.model->trees().trees) {
        for (std::size_t node = 0; node < tree.size(); ++node) {
            if (tree.isLeaf(node))
                continue;
            const std::size_t f = tree.feature[node];
            if (f < schema.size() && std::find(sweep.dependents.begin(), sweep.dependents.end(),
                                               schema[f]) != sweep.dependents.end())
                splits.emplace(f, tree.value[node]);
        }
    }

    // An unbounded end (a vector feature): just past the outermost threshold, beyond which
    // the score is constant.
    if (!std::isfinite(low) || !std::isfinite(high)) {
        double least = sweep.current, most = sweep.current;
        for (const auto& [f, t] : splits) {
            least = std::min<double>(least, t);
            most = std::max<double>(most, t);
        }
        const double margin = std::max(1.0, (most - least) * 0.01);
        if (!std::isfinite(low))
            low = std::isnan(least) ? -margin : least - margin;
        if (!std::isfinite(high))
            high = std::isnan(most) ? margin : most + margin;
    }

    DecisionBoundaryResult result;
    result.current = sweep.current;
    result.thresholds = splits.size();
    result.score = scoreAt(sweep.current);
    result.decision = decisionFor(*model.model, result.score);

    // Where each dependent input reaches each threshold (x < t goes left): the least value of
    // the field at which input >= t.
    const auto inputAt = [&](double value, std::size_t f) { return inputsAt(value)[f]; };
    std::vector<double> crossings;
    for (const auto& [f, t] : splits) {
        double lo = low, hi = high;
        const float atLow = inputAt(lo, f), atHigh = inputAt(hi, f);
        if (std::isnan(atLow) || std::isnan(atHigh) || atLow >= t || atHigh < t)
            continue;  // never crossed within the range (or missing throughout)
        for (int i = 0; i < 200 && hi - lo > 1e-9 * std::max(1.0, std::abs(hi)); ++i) {
            const double mid = lo + (hi - lo) / 2;
            (inputAt(mid, f) >= t ? hi : lo) = mid;
        }
        crossings.push_back(hi);
    }
    std::sort(crossings.begin(), crossings.end());
    crossings.erase(std::unique(crossings.begin(), crossings.end()), crossings.end());

    // Upward: each interval [c, next) has one decision, read at c.
    for (double c : crossings) {
        if (c <= sweep.current)
            continue;
        const double score = scoreAt(c);
        const auto decision = decisionFor(*model.model, score);
        if (decision != result.decision) {
            result.flips.push_back({c, true, decision, score});
            break;
        }
    }
    // Downward: the interval below a crossing c ≤ current, [previous crossing or low, c).
    for (auto it = crossings.rbegin(); it != crossings.rend(); ++it) {
        if (*it > sweep.current)
            continue;
        const auto below = std::next(it);
        const double at = below == crossings.rend() ? low : *below;
        const double score = scoreAt(at);
        const auto decision = decisionFor(*model.model, score);
        if (decision != result.decision) {
            result.flips.push_back({*it, false, decision, score});
            break;
        }
    }
    return result;
}

}  // namespace fraud
