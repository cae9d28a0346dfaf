#include "serving/ScoringEngine.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "fraud/v1/transaction.pb.h"
#include "observability/FeatureDrift.h"
#include "serving/CanaryRouter.h"
#include "serving/DecisionFeed.h"

namespace fraud {
namespace {

v1::Decision decide(const LoadedModel& model, double score) {
    const auto& thresholds = model.manifest().thresholds;
    return score >= thresholds.decline  ? v1::DECISION_DECLINE
           : score >= thresholds.review ? v1::DECISION_REVIEW
                                        : v1::DECISION_APPROVE;
}

// The card a transaction belongs to, for routing; a vector-schema transaction may have none.
std::string_view routingKey(const v1::Transaction& tx) {
    return tx.card_id().empty() ? std::string_view(tx.transaction_id())
                                : std::string_view(tx.card_id());
}

}  // namespace

ScoringEngine::ScoringEngine(CardHistoryStore& store, ScorerMetrics& metrics,
                             ValidationLimits limits, EventClock clock)
    : store_(store), metrics_(metrics), limits_(limits), clock_(clock) {}

std::shared_ptr<ServingSet> ScoringEngine::prepare(const RolloutState& rollout,
                                                   std::shared_ptr<const LoadedModel> stable,
                                                   std::shared_ptr<const LoadedModel> canary,
                                                   std::shared_ptr<FeatureDrift> stableDrift,
                                                   std::shared_ptr<FeatureDrift> canaryDrift) {
    auto set = std::make_shared<ServingSet>();
    set->rollout = rollout;
    set->traffic = FeatureColumns::trafficSchema(stable->manifest().schema);
    set->extractor = makeFeatureExtractor(set->traffic, store_);
    set->stable.columns = FeatureColumns(set->traffic, stable->manifest().schema);
    set->stable.variant = v1::VARIANT_STABLE;
    set->stable.counters = metrics_.countersFor("stable", stable->version());
    set->stable.drift = std::move(stableDrift);
    set->stable.model = std::move(stable);
    if (canary) {
        ServedModel c;
        c.columns = FeatureColumns(set->traffic, canary->manifest().schema);  // may throw
        c.variant = v1::VARIANT_CANARY;
        set->shadow = rollout.mode == RolloutMode::Shadow;
        c.counters = metrics_.countersFor(set->shadow ? "shadow" : "canary", canary->version());
        c.drift = std::move(canaryDrift);
        c.model = std::move(canary);
        if (set->shadow)
            set->flips = &metrics_.flipsFor(set->stable.model->version(), c.model->version());
        set->canary = std::move(c);
    }
    return set;
}

void ScoringEngine::serve(std::shared_ptr<const ServingSet> set) {
    const auto info = [&](const ServedModel& m) {
        metrics_.setModelInfo(m.variant, m.model->version(), m.model->manifest().schema.id(),
                              m.model->manifest().modelSha256);
    };
    info(set->stable);
    if (set->canary)
        info(*set->canary);
    else
        metrics_.clearModelInfo(v1::VARIANT_CANARY);
    metrics_.setGeneration(static_cast<double>(set->rollout.generation));
    serving_.store(std::move(set));
}

std::optional<FieldError> ScoringEngine::score(const v1::Transaction& tx, bool explain,
                                               v1::RecordMode mode, v1::ScoreResult* out) const {
    const auto set = serving_.load();
    // Reused per thread: the request path allocates no feature buffers.
    thread_local std::vector<float> features, selected;
    const ServedModel* decided = nullptr;
    if (auto error = scoreWith(*set, tx, mode, features, decided, out))
        return error;
    if (explain) {
        thread_local std::vector<double> phi;
        const auto inputs = decided->columns.select(features, selected);
        phi.resize(inputs.size());
        decided->model->explainer().contributions(inputs, phi);
        writeExplanation(*decided->model, inputs, phi, out);
    }
    return std::nullopt;
}

void ScoringEngine::scoreBatch(const google::protobuf::RepeatedPtrField<v1::Transaction>& batch,
                               bool explain, v1::RecordMode mode, BatchResults& out) const {
    const auto set = serving_.load();  // one serving set for the whole batch
    thread_local std::vector<float> features, selected;
    // Rows to explain, per model that decided (stable, canary), explained together.
    struct Pending {
        std::vector<float> rows;
        std::vector<v1::ScoreResult*> results;
    };
    thread_local std::array<Pending, 2> pending;
    for (auto& p : pending) {
        p.rows.clear();
        p.results.clear();
    }
    out.errors.clear();
    for (int i = 0; i < batch.size(); ++i) {
        v1::ScoreResult* result = out.results[static_cast<std::size_t>(i)];
        const ServedModel* decided = nullptr;
        if (auto error = scoreWith(*set, batch[i], mode, features, decided, result)) {
            out.errors.emplace_back(static_cast<std::size_t>(i), std::move(*error));
            continue;
        }
        if (explain) {
            auto& p = pending[decided == &set->stable ? 0 : 1];
            const auto inputs = decided->columns.select(features, selected);
            p.rows.insert(p.rows.end(), inputs.begin(), inputs.end());
            p.results.push_back(result);
        }
    }
    for (std::size_t k = 0; k < pending.size(); ++k) {
        auto& p = pending[k];
        if (p.results.empty())
            continue;
        const LoadedModel& model = k == 0 ? *set->stable.model : *set->canary->model;
        const std::size_t width = model.featureCount();
        // All rows at once: the batched walk is several times cheaper per row (FastTreeShap.h).
        thread_local std::vector<double> phi;
        phi.resize(p.rows.size());
        model.explainer().contributionsBatch(p.rows, phi);
        for (std::size_t r = 0; r < p.results.size(); ++r) {
            writeExplanation(model, std::span<const float>(p.rows).subspan(r * width, width),
                             std::span<const double>(phi).subspan(r * width, width), p.results[r]);
        }
    }
}

std::optional<FieldError> ScoringEngine::scoreWith(const ServingSet& set, const v1::Transaction& tx,
                                                   v1::RecordMode mode,
                                                   std::vector<float>& features,
                                                   const ServedModel*& decided,
                                                   v1::ScoreResult* out) const {
    const bool record = mode == v1::RECORD_ALL;
    if (auto error = validateTransaction(tx, set.traffic, limits_, clock_.now())) {
        if (record)
            metrics_.countInvalid(error->metricLabel());
        return error;
    }
    features.resize(set.traffic.features.size());
    set.extractor->extract(tx, features, mode != v1::RECORD_NONE);

    const bool toCanary =
        set.canary && CanaryRouter::toCanary(routingKey(tx), set.rollout.canaryWeightBp);
    thread_local std::vector<float> selected;
    const auto run = [&](const ServedModel& m, v1::Decision& decision) {
        const auto inputs = m.columns.select(features, selected);
        const double score = sigmoid(m.model->forest().margin(inputs));
        decision = decide(*m.model, score);
        if (record) {
            m.counters.decisions[decision]->Increment();
            m.counters.score->Observe(score);
            if (m.drift)
                m.drift->observe(inputs, score);
        }
        return score;
    };
    decided = toCanary && !set.shadow ? &*set.canary : &set.stable;
    v1::Decision decision{};
    const double score = run(*decided, decision);
    if (toCanary && set.shadow) {
        // Shadow: the canary scores the same transaction for the record; stable decides.
        v1::Decision shadowDecision{};
        run(*set.canary, shadowDecision);
        if (record && shadowDecision != decision)
            set.flips->Increment();
    }
    out->set_transaction_id(tx.transaction_id());
    out->set_score(score);
    out->set_decision(decision);
    out->set_model_version(decided->model->version());
    out->set_variant(decided->variant);
    if (record && feed_ != nullptr && feed_->watched())
        feed_->offer(set, *decided, tx, *out, decided->columns.select(features, selected));
    return std::nullopt;
}

void writeExplanation(const LoadedModel& model, std::span<const float> features,
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
