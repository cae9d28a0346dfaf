#include "serving/ScoringEngine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "fraud/v1/scoring.pb.h"
#include "fraud/v1/transaction.pb.h"
#include "observability/FeatureDrift.h"
#include "serving/CanaryRouter.h"
#include "serving/DecisionBoundary.h"
#include "serving/DecisionFeed.h"
#include "serving/ScoreExplanation.h"

namespace fraud {
namespace {

// The card a transaction belongs to, for routing; a vector-schema transaction may have none.
std::string_view routingKey(const v1::Transaction& tx) {
    return tx.card_id().empty() ? std::string_view(tx.transaction_id())
                                : std::string_view(tx.card_id());
}

}  // namespace

v1::Decision decisionFor(const LoadedModel& model, double score) {
    const auto& thresholds = model.manifest().thresholds;
    return score >= thresholds.decline  ? v1::DECISION_DECLINE
           : score >= thresholds.review ? v1::DECISION_REVIEW
                                        : v1::DECISION_APPROVE;
}

ScoringEngine::ScoringEngine(CardHistory& history, ScorerMetrics& metrics, ValidationLimits limits,
                             EventClock clock)
    : store_(history), metrics_(metrics), limits_(limits), dryRunLimits_(limits), clock_(clock) {
    dryRunLimits_.maxEventAge = std::chrono::hours(24 * 365 * 100);
}

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
            set->flips = metrics_.flipsFor(set->stable.model->version(), c.model->version());
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

RequestSide ScoringEngine::sideOf(const ServingSet& set, const v1::Transaction& tx) {
    if (!set.canary || !CanaryRouter::toCanary(routingKey(tx), set.rollout.canaryWeightBp))
        return RequestSide::Stable;
    return set.shadow ? RequestSide::Shadow : RequestSide::Canary;
}

void ScoringEngine::flagError(const v1::Transaction& tx) const {
    if (tx.card_id().empty())
        return;
    const auto set = serving_.load();
    const RequestSide side = sideOf(*set, tx);
    metrics_.countCards(
        store_.flagCard(routingKey(tx), set->rollout.generation,
                        cardFlag::onSide(side != RequestSide::Stable, cardFlag::kError),
                        clock_.now()),
        set->shadow);
}

std::optional<FieldError> ScoringEngine::score(
    const v1::Transaction& tx, bool explain, v1::RecordMode mode, v1::ScoreResult* out,
    RequestSide& side, std::span<const v1::Transaction* const> prior) const {
    const auto set = serving_.load();
    Scored scored;
    auto error = scoreWith(*set, tx, mode, scored, out, prior);
    side = scored.side;
    if (error)
        return error;
    if (explain)
        explainScore(*scored.model->model, scored.inputs, out);
    return std::nullopt;
}

std::optional<FieldError> ScoringEngine::boundary(const v1::DecisionBoundaryRequest& request,
                                                  v1::DecisionBoundary* out) const {
    const auto set = serving_.load();
    std::vector<const v1::Transaction*> prior;
    for (const auto& p : request.prior())
        prior.push_back(&p);
    const auto& tx = request.transaction();
    if (auto error = validate(*set, tx, v1::RECORD_NONE, prior))
        return error;
    FieldSweep sweep;
    try {
        sweep = set->extractor->sweep(tx, prior, request.field());
    } catch (const std::invalid_argument& e) {
        return FieldError{"field", e.what()};
    }
    const bool toCanary = set->canary && !set->shadow &&
                          CanaryRouter::toCanary(routingKey(tx), set->rollout.canaryWeightBp);
    const ServedModel& model = toCanary ? *set->canary : set->stable;
    // The amount within what validation accepts; a vector feature wherever the model splits.
    const bool amount = request.field() == "amount";
    const auto found =
        findDecisionBoundary(model, sweep, set->traffic.features,
                             amount ? 0.0 : -std::numeric_limits<double>::infinity(),
                             amount ? limits_.maxAmount : std::numeric_limits<double>::infinity());
    auto* current = out->mutable_current();
    current->set_transaction_id(tx.transaction_id());
    current->set_score(found.score);
    current->set_decision(found.decision);
    current->set_model_version(model.model->version());
    current->set_variant(model.variant);
    out->set_field(request.field());
    out->set_value(found.current);
    out->set_thresholds(static_cast<std::uint32_t>(found.thresholds));
    for (const auto& d : sweep.dependents)
        out->add_dependents(d);
    for (const auto& f : found.flips) {
        auto* flip = out->add_flips();
        flip->set_value(f.value);
        flip->set_above(f.above);
        flip->set_decision(f.decision);
        flip->set_score(f.score);
    }
    return std::nullopt;
}

void ScoringEngine::scoreBatch(const google::protobuf::RepeatedPtrField<v1::Transaction>& batch,
                               bool explain, v1::RecordMode mode, BatchResults& out) const {
    const auto set = serving_.load();  // one serving set for the whole batch
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
    out.sides.clear();
    // Validated first, then every valid transaction's features at once.
    const auto n = static_cast<std::size_t>(batch.size());
    const std::size_t width = set->traffic.features.size();
    thread_local std::vector<std::optional<FieldError>> invalid;
    thread_local std::vector<const v1::Transaction*> valid;
    thread_local std::vector<float> rows;
    thread_local std::vector<bool> available;
    invalid.assign(n, std::nullopt);
    valid.clear();
    for (std::size_t i = 0; i < n; ++i) {
        const auto& tx = batch[static_cast<int>(i)];
        if (auto error = validate(*set, tx, mode, {}))
            invalid[i] = std::move(error);
        else
            valid.push_back(&tx);
    }
    rows.resize(valid.size() * width);
    set->extractor->extractBatch(valid, rows, mode != v1::RECORD_NONE, available);
    std::size_t row = 0;
    for (int i = 0; i < batch.size(); ++i) {
        v1::ScoreResult* result = out.results[static_cast<std::size_t>(i)];
        Scored scored;
        std::optional<FieldError> error;
        if (auto& bad = invalid[static_cast<std::size_t>(i)]) {
            scored.side = sideOf(*set, batch[i]);
            if (mode == v1::RECORD_ALL)
                metrics_.countInvalid(bad->metricLabel());
            error = std::move(bad);
        } else {
            const Extracted extracted{std::span<const float>(rows).subspan(row * width, width),
                                      available[row]};
            ++row;
            error = scoreWith(*set, batch[i], mode, scored, result, {}, &extracted);
        }
        out.sides.push_back(scored.side);
        if (error) {
            out.errors.emplace_back(static_cast<std::size_t>(i), std::move(*error));
            continue;
        }
        if (explain) {
            auto& p = pending[scored.model == &set->stable ? 0 : 1];
            p.rows.insert(p.rows.end(), scored.inputs.begin(), scored.inputs.end());
            p.results.push_back(result);
        }
    }
    if (!pending[0].results.empty())
        explainScores(*set->stable.model, pending[0].rows, pending[0].results);
    if (!pending[1].results.empty())
        explainScores(*set->canary->model, pending[1].rows, pending[1].results);
}

std::optional<FieldError> ScoringEngine::validate(
    const ServingSet& set, const v1::Transaction& tx, v1::RecordMode mode,
    std::span<const v1::Transaction* const> prior) const {
    const ValidationLimits& limits = mode == v1::RECORD_NONE ? dryRunLimits_ : limits_;
    const EpochMillis now = clock_.now();
    if (auto error = validateTransaction(tx, set.traffic, limits, now))
        return error;
    if (prior.empty())
        return std::nullopt;
    if (mode != v1::RECORD_NONE)
        return FieldError{"prior", "is allowed only with record_mode RECORD_NONE (a dry run)"};
    if (set.traffic.kind != FeatureSchema::Kind::Transaction) {
        return FieldError{"prior", "schema " + set.traffic.id() + " keeps no card history"};
    }
    if (prior.size() > kMaxPrior) {
        return FieldError{"prior", "has " + std::to_string(prior.size()) +
                                       " transactions; at most " + std::to_string(kMaxPrior)};
    }
    for (std::size_t i = 0; i < prior.size(); ++i) {
        const std::string at = "prior[" + std::to_string(i) + "]";
        if (auto error = validateTransaction(*prior[i], set.traffic, limits, now)) {
            error->field = at + "." + error->field;
            return error;
        }
        if (prior[i]->card_id() != tx.card_id())
            return FieldError{at + ".card_id", "must be the transaction's card, " + tx.card_id()};
    }
    return std::nullopt;
}

std::optional<FieldError> ScoringEngine::scoreWith(const ServingSet& set, const v1::Transaction& tx,
                                                   v1::RecordMode mode, Scored& scored,
                                                   v1::ScoreResult* out,
                                                   std::span<const v1::Transaction* const> prior,
                                                   const Extracted* extracted) const {
    const bool record = mode == v1::RECORD_ALL;
    scored.side = sideOf(set, tx);
    // Reused per thread: the request path allocates no feature buffers.
    thread_local std::vector<float> own, decidedBuffer, shadowBuffer;
    std::span<const float> features;
    bool historyAvailable = true;
    if (extracted != nullptr) {
        features = extracted->features;
        historyAvailable = extracted->historyAvailable;
    } else {
        if (auto error = validate(set, tx, mode, prior)) {
            if (record)
                metrics_.countInvalid(error->metricLabel());
            return error;
        }
        own.resize(set.traffic.features.size());
        historyAvailable = prior.empty() ? set.extractor->extract(tx, own, mode != v1::RECORD_NONE)
                                         : set.extractor->extractWithPriors(tx, prior, own);
        features = own;
    }

    const bool toCanary = scored.side != RequestSide::Stable;
    const auto run = [&](const ServedModel& m, std::span<const float> inputs,
                         v1::Decision& decision) {
        const double score = sigmoid(m.model->forest().margin(inputs));
        decision = decisionFor(*m.model, score);
        if (record) {
            m.counters.decisions[decision]->Increment();
            m.counters.score->Observe(score);
            if (m.drift)
                m.drift->observe(inputs, score);
        }
        return score;
    };
    scored.model = toCanary && !set.shadow ? &*set.canary : &set.stable;
    scored.inputs = scored.model->columns.select(features, decidedBuffer);
    v1::Decision decision{};
    const double score = run(*scored.model, scored.inputs, decision);
    std::uint8_t outcomes = cardFlag::kScored;
    if (toCanary && set.shadow) {
        // Shadow: the canary scores the same transaction for the record; stable decides. The
        // canary side's decline is the canary's own (what it would have done).
        v1::Decision shadowDecision{};
        run(*set.canary, set.canary->columns.select(features, shadowBuffer), shadowDecision);
        if (shadowDecision == v1::DECISION_DECLINE)
            outcomes |= cardFlag::kDecline;
        if (record && shadowDecision != decision) {
            const bool stricter = shadowDecision > decision;
            set.flips[stricter ? 0 : 1]->Increment();
            outcomes |= stricter ? cardFlag::kFlipStricter : cardFlag::kFlipLenient;
        }
    } else if (decision == v1::DECISION_DECLINE) {
        outcomes |= cardFlag::kDecline;
    }
    if (record && !tx.card_id().empty()) {
        metrics_.countCards(store_.flagCard(routingKey(tx), set.rollout.generation,
                                            cardFlag::onSide(toCanary, outcomes), clock_.now()),
                            set.shadow);
    }
    out->set_transaction_id(tx.transaction_id());
    out->set_score(score);
    out->set_decision(decision);
    out->set_model_version(scored.model->model->version());
    out->set_variant(scored.model->variant);
    if (!historyAvailable) {
        out->set_card_history_missing(true);
        if (mode != v1::RECORD_NONE)
            metrics_.countCardHistoryMissing();
    }
    if (record && feed_ != nullptr && feed_->watched()) {
        feed_->offer({.tx = tx,
                      .result = *out,
                      .generation = set.rollout.generation,
                      .model = scored.model->model,
                      .inputs = scored.inputs});
    }
    return std::nullopt;
}

}  // namespace fraud
