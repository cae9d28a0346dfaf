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
    // Reused per thread: the request path allocates no feature buffers.
    thread_local std::vector<float> features;
    if (auto error = scoreWith(*set, tx, record, features, out))
        return error;
    if (explain) {
        thread_local std::vector<double> phi;
        phi.resize(features.size());
        set->stable->explainer().contributions(features, phi);
        writeExplanation(*set->stable, features, phi, out);
    }
    return std::nullopt;
}

void ScoringEngine::scoreBatch(const google::protobuf::RepeatedPtrField<v1::Transaction>& batch,
                               bool explain, BatchResults& out) const {
    const auto set = serving_.load();  // one model for the whole batch
    const LoadedModel& model = *set->stable;
    const std::size_t width = model.featureCount();
    thread_local std::vector<float> features;
    thread_local std::vector<float> explained;  // rows of the valid transactions, to explain
    thread_local std::vector<v1::ScoreResult*> explainedResults;
    explained.clear();
    explainedResults.clear();
    out.errors.clear();
    for (int i = 0; i < batch.size(); ++i) {
        v1::ScoreResult* result = out.results[static_cast<std::size_t>(i)];
        if (auto error = scoreWith(*set, batch[i], true, features, result)) {
            out.errors.emplace_back(static_cast<std::size_t>(i), std::move(*error));
            continue;
        }
        if (explain) {
            explained.insert(explained.end(), features.begin(), features.end());
            explainedResults.push_back(result);
        }
    }
    if (explainedResults.empty())
        return;
    // All rows at once: the batched walk is several times cheaper per row (FastTreeShap.h).
    thread_local std::vector<double> phi;
    phi.resize(explained.size());
    model.explainer().contributionsBatch(explained, phi);
    for (std::size_t r = 0; r < explainedResults.size(); ++r) {
        writeExplanation(model, std::span<const float>(explained).subspan(r * width, width),
                         std::span<const double>(phi).subspan(r * width, width),
                         explainedResults[r]);
    }
}

std::optional<FieldError> ScoringEngine::scoreWith(const ServingSet& set, const v1::Transaction& tx,
                                                   bool record, std::vector<float>& features,
                                                   v1::ScoreResult* out) const {
    const LoadedModel& model = *set.stable;
    if (auto error = validateTransaction(tx, model.manifest().schema, limits_, wallClockMillis())) {
        metrics_.countInvalid(error->metricLabel());
        return error;
    }
    features.resize(model.featureCount());
    set.extractor->extract(tx, features, record);

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
    set.counters.decisions[decision]->Increment();
    set.counters.score->Observe(score);
    return std::nullopt;
}

void ScoringEngine::writeExplanation(const LoadedModel& model, std::span<const float> features,
                                     std::span<const double> phi, v1::ScoreResult* out) {
    thread_local std::vector<std::size_t> order;
    order.resize(phi.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return std::abs(phi[a]) > std::abs(phi[b]); });
    auto* explanation = out->mutable_explanation();
    explanation->set_base_value(model.explainer().baseValue());
    // The served margin (float-summed like XGBoost's), which base + contributions equal
    // within 1e-5; recomputed here rather than carried so that plain scores stay lean.
    explanation->set_margin(model.forest().margin(features));
    const auto& names = model.manifest().schema.features;
    for (std::size_t i : order) {
        auto* c = explanation->add_contributions();
        c->set_feature(names[i]);
        c->set_value(features[i]);
        c->set_contribution(phi[i]);
    }
}

}  // namespace fraud
