#include "service/ScoringEngine.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "fraud/v1/transaction.pb.h"

namespace fraud {

ScoringEngine::ScoringEngine(CardHistoryStore& store, ScorerMetrics& metrics,
                             ValidationLimits limits)
    : store_(store), metrics_(metrics), limits_(limits) {}

void ScoringEngine::serve(std::shared_ptr<const LoadedModel> stable, std::uint64_t generation) {
    auto set = std::make_shared<ServingSet>();
    set->extractor = makeFeatureExtractor(stable->manifest().schema, store_);
    set->counters = metrics_.countersFor(v1::VARIANT_STABLE, stable->version());
    set->generation = generation;
    metrics_.setModelInfo(v1::VARIANT_STABLE, stable->version(), stable->manifest().schema.id(),
                          stable->manifest().modelSha256);
    metrics_.setGeneration(static_cast<double>(generation));
    set->stable = std::move(stable);
    serving_.store(std::move(set));
}

std::optional<FieldError> ScoringEngine::score(const v1::Transaction& tx, bool explain, bool record,
                                               v1::ScoreResult* out) const {
    const auto set = serving_.load();
    const LoadedModel& model = *set->stable;
    if (auto error = validateTransaction(tx, model.manifest().schema, limits_, wallClockMillis())) {
        metrics_.countInvalid(error->metricLabel());
        return error;
    }
    // Reused per thread: the request path allocates no feature buffers.
    thread_local std::vector<float> features;
    features.resize(model.featureCount());
    set->extractor->extract(tx, features, record);

    const double margin = model.forest().margin(features);
    const double score = sigmoid(margin);
    const auto& thresholds = model.manifest().thresholds;
    const v1::Decision decision = score >= thresholds.decline  ? v1::DECISION_DECLINE
                                  : score >= thresholds.review ? v1::DECISION_REVIEW
                                                               : v1::DECISION_APPROVE;
    out->set_transaction_id(tx.transaction_id());
    out->set_score(score);
    out->set_decision(decision);
    out->set_model_version(model.version());
    out->set_variant(v1::VARIANT_STABLE);
    set->counters.decisions[decision]->Increment();
    set->counters.score->Observe(score);

    if (explain) {
        thread_local std::vector<double> phi;
        thread_local std::vector<std::size_t> order;
        phi.resize(model.featureCount());
        model.explainer().contributions(features, phi);
        order.resize(phi.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return std::abs(phi[a]) > std::abs(phi[b]);
        });
        auto* explanation = out->mutable_explanation();
        explanation->set_base_value(model.explainer().baseValue());
        explanation->set_margin(margin);
        const auto& names = model.manifest().schema.features;
        for (std::size_t i : order) {
            auto* c = explanation->add_contributions();
            c->set_feature(names[i]);
            c->set_value(features[i]);
            c->set_contribution(phi[i]);
        }
    }
    return std::nullopt;
}

}  // namespace fraud
