#include "serving/ScoreExplanation.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "fraud/v1/transaction.pb.h"

namespace fraud {
namespace {

void write(const LoadedModel& model, std::span<const float> inputs, std::span<const double> phi,
           v1::ScoreResult* out) {
    thread_local std::vector<std::size_t> order;
    order.resize(phi.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return std::abs(phi[a]) > std::abs(phi[b]); });
    auto* explanation = out->mutable_explanation();
    explanation->set_base_value(model.explainer().baseValue());
    // The served margin (float-summed like XGBoost's), which base + contributions equal
    // within 1e-5; recomputed here rather than carried so that plain scores stay lean.
    explanation->set_margin(model.forest().margin(inputs));
    const auto& names = model.manifest().schema.features;
    for (std::size_t i : order) {
        auto* c = explanation->add_contributions();
        c->set_feature(names[i]);
        c->set_value(inputs[i]);
        c->set_contribution(phi[i]);
    }
}

}  // namespace

void explainScore(const LoadedModel& model, std::span<const float> inputs, v1::ScoreResult* out) {
    thread_local std::vector<double> phi;
    phi.resize(inputs.size());
    model.explainer().contributions(inputs, phi);
    write(model, inputs, phi, out);
}

void explainScores(const LoadedModel& model, std::span<const float> rows,
                   std::span<v1::ScoreResult* const> out) {
    const std::size_t width = model.featureCount();
    thread_local std::vector<double> phi;
    phi.resize(rows.size());
    model.explainer().contributionsBatch(rows, phi);
    for (std::size_t r = 0; r < out.size(); ++r) {
        write(model, rows.subspan(r * width, width),
              std::span<const double>(phi).subspan(r * width, width), out[r]);
    }
}

}  // namespace fraud
