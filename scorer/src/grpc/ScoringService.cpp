#include "grpc/ScoringService.h"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <vector>

#include "serving/ScoreExplanation.h"

namespace fraud {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<const v1::Transaction*> priorList(
    const google::protobuf::RepeatedPtrField<v1::Transaction>& prior) {
    std::vector<const v1::Transaction*> list;
    list.reserve(static_cast<std::size_t>(prior.size()));
    for (const auto& p : prior)
        list.push_back(&p);
    return list;
}

// "0.4", "12": a wait in milliseconds, to a tenth.
std::string milliseconds(std::chrono::microseconds wait) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", wait.count() % 1000 ? 1 : 0,
                  static_cast<double>(wait.count()) / 1000);
    return text;
}

grpc::Status invalidArgument(const FieldError& e) {
    return {grpc::StatusCode::INVALID_ARGUMENT, e.field + ": " + e.message};
}

// Scores the batches of one ScoreStream call: read a batch, score it, write its results,
// read the next. Deletes itself when gRPC is done with the call.
class ScoreStreamReactor final
    : public grpc::ServerBidiReactor<v1::ScoreBatch, v1::ScoreBatchResult> {
public:
    ScoreStreamReactor(const ScoringEngine& engine, ScorerMetrics& metrics, int maxBatch)
        : engine_(engine), metrics_(metrics), maxBatch_(maxBatch) {
        StartRead(&batch_);
    }

    void OnReadDone(bool ok) override {
        if (!ok) {  // the client half-closed, or the call is gone
            Finish(grpc::Status::OK);
            return;
        }
        const auto mode = batch_.record_mode();
        if (batch_.transactions_size() > maxBatch_) {
            metrics_.countRequests(RpcMethod::ScoreStream, grpc::StatusCode::INVALID_ARGUMENT,
                                   batch_.transactions_size(), mode);
            Finish({grpc::StatusCode::INVALID_ARGUMENT,
                    "transactions: a batch of " + std::to_string(batch_.transactions_size()) +
                        " exceeds the limit of " + std::to_string(maxBatch_)});
            return;
        }
        const auto start = Clock::now();
        reply_.Clear();
        reply_.set_batch_id(batch_.batch_id());
        thread_local ScoringEngine::BatchResults outcome;
        outcome.results.clear();
        for (int i = 0; i < batch_.transactions_size(); ++i)
            outcome.results.push_back(reply_.add_results());
        try {
            engine_.scoreBatch(batch_.transactions(), batch_.explain(), mode, outcome);
        } catch (const CardHistoryUnavailable& e) {
            // Fail closed: the batch is refused whole, so the client retries it whole.
            metrics_.countRequests(RpcMethod::ScoreStream, grpc::StatusCode::UNAVAILABLE,
                                   batch_.transactions_size(), mode);
            Finish({grpc::StatusCode::UNAVAILABLE, e.what()});
            return;
        }
        for (auto& [index, error] : outcome.errors) {
            auto* result = outcome.results[index];
            result->Clear();
            result->set_transaction_id(
                batch_.transactions(static_cast<int>(index)).transaction_id());
            auto* e = result->mutable_error();
            e->set_code(grpc::StatusCode::INVALID_ARGUMENT);
            e->set_field(error.field);
            e->set_message(error.message);
        }
        // Counted by side and outcome: [side][0] scored, [side][1] invalid.
        std::array<std::array<double, 2>, kRequestSideCount> counts{};
        for (const auto side : outcome.sides)
            counts[static_cast<std::size_t>(side)][0] += 1;
        for (const auto& [index, error] : outcome.errors) {
            const auto side = static_cast<std::size_t>(outcome.sides[index]);
            counts[side][0] -= 1;
            counts[side][1] += 1;
        }
        std::optional<RequestSide> batchSide;
        for (std::size_t side = 0; side < kRequestSideCount; ++side) {
            const auto s = static_cast<RequestSide>(side);
            if (counts[side][0] > 0)
                metrics_.countRequests(RpcMethod::ScoreStream, grpc::StatusCode::OK,
                                       counts[side][0], mode, s);
            if (counts[side][1] > 0)
                metrics_.countRequests(RpcMethod::ScoreStream, grpc::StatusCode::INVALID_ARGUMENT,
                                       counts[side][1], mode, s);
            if (counts[side][0] + counts[side][1] > 0)
                batchSide = batchSide ? RequestSide::Mixed : s;
        }
        if (mode == v1::RECORD_ALL)
            metrics_.observeDuration(RpcMethod::ScoreStream, secondsSince(start),
                                     batchSide.value_or(RequestSide::None));
        StartWrite(&reply_);
    }

    void OnWriteDone(bool ok) override {
        if (!ok) {
            Finish({grpc::StatusCode::CANCELLED, "the client stopped reading"});
            return;
        }
        StartRead(&batch_);
    }

    void OnDone() override { delete this; }

private:
    const ScoringEngine& engine_;
    ScorerMetrics& metrics_;
    int maxBatch_;
    v1::ScoreBatch batch_;
    v1::ScoreBatchResult reply_;
};

// A stream refused before it starts (no or a bad token).
template <typename Reactor>
class RefusedStream final : public Reactor {
public:
    explicit RefusedStream(const grpc::Status& status) { this->Finish(status); }
    void OnDone() override { delete this; }
};

// Streams live decisions from the feed to one watcher until it cancels. The feed's
// dispatcher calls `send` with one event at a time; the explanation, if asked, is computed
// here, on the dispatcher thread, never on the scoring path.
class WatchDecisionsReactor final : public grpc::ServerWriteReactor<v1::LiveDecision> {
public:
    WatchDecisionsReactor(DecisionFeed& feed, DecisionFeed::Filter filter) : feed_(feed) {
        watcher_ = feed_.subscribe(std::move(filter),
                                   [this](DecisionFeed::Event&& e) { send(std::move(e)); });
    }

    void OnWriteDone(bool ok) override {
        if (!ok) {
            finishOnce(grpc::Status::CANCELLED);
            return;
        }
        feed_.writeDone(watcher_);
    }
    void OnCancel() override { finishOnce(grpc::Status::CANCELLED); }
    void OnDone() override {
        feed_.unsubscribe(watcher_);
        delete this;
    }

private:
    void send(DecisionFeed::Event&& e) {
        message_ = std::move(e.message);
        if (e.model)
            explainScore(*e.model, e.inputs, message_.mutable_result());
        std::lock_guard lock(mutex_);
        if (!finished_)
            StartWrite(&message_);
    }
    void finishOnce(const grpc::Status& status) {
        std::lock_guard lock(mutex_);
        if (finished_)
            return;
        finished_ = true;
        Finish(status);
    }

    DecisionFeed& feed_;
    std::shared_ptr<DecisionFeed::Watcher> watcher_;
    v1::LiveDecision message_;
    std::mutex mutex_;
    bool finished_ = false;
};

}  // namespace

ScoringService::ScoringService(ScoringEngine& engine, ScorerMetrics& metrics, AccessPolicy& access,
                               DecisionFeed& feed, Limits limits, AdmissionQueue* admission)
    : engine_(engine),
      metrics_(metrics),
      access_(access),
      feed_(feed),
      limits_(limits),
      admission_(admission) {}

grpc::ServerUnaryReactor* ScoringService::admit(RpcMethod method,
                                                grpc::CallbackServerContext* context,
                                                const v1::Transaction* tx, bool explain,
                                                v1::RecordMode mode, const PriorTransactions& prior,
                                                v1::ScoreResult* response) {
    auto* reactor = context->DefaultReactor();
    // The duration metric counts the wait in the queue too: it is the scorer's latency.
    const auto arrived = Clock::now();
    if (!admission_) {
        scoreOne(method, context, tx, explain, mode, prior, response, reactor, arrived);
        return reactor;
    }
    // The request, response and context live until Finish, whichever thread calls it.
    const auto verdict = admission_->submit([=, this, &prior] {
        if (context->IsCancelled()) {
            // Its deadline passed, or the client left, while it waited: no work for nobody.
            metrics_.countRequests(method, grpc::StatusCode::CANCELLED, 1, mode);
            reactor->Finish(grpc::Status::CANCELLED);
        } else {
            scoreOne(method, context, tx, explain, mode, prior, response, reactor, arrived);
        }
    });
    if (verdict.refusal != AdmissionQueue::Refusal::None) {
        metrics_.countRejected();
        metrics_.countRequests(method, grpc::StatusCode::RESOURCE_EXHAUSTED, 1, mode);
        const auto& options = admission_->options();
        reactor->Finish(
            {grpc::StatusCode::RESOURCE_EXHAUSTED,
             verdict.refusal == AdmissionQueue::Refusal::QueueFull
                 ? "overloaded: " + std::to_string(verdict.ahead) +
                       " calls are queued, the most allowed (--max-queued-requests); retry "
                       "later, or add replicas"
                 : "overloaded: the " + std::to_string(verdict.ahead) +
                       " calls queued ahead would keep this one waiting about " +
                       milliseconds(verdict.predictedWait) + " ms, over --max-queue-wait-ms (" +
                       milliseconds(options.maxWait) + " ms); retry later, or add replicas"});
    }
    return reactor;
}

void ScoringService::scoreOne(RpcMethod method, grpc::CallbackServerContext* context,
                              const v1::Transaction* tx, bool explain, v1::RecordMode mode,
                              const PriorTransactions& prior, v1::ScoreResult* response,
                              grpc::ServerUnaryReactor* reactor, Clock::time_point start) {
    grpc::Status status;
    RequestSide side = RequestSide::None;
    if (limits_.requireToken) {
        status = access_.authorize(context, AccessPolicy::Role::Viewer).status;
    }
    if (!status.ok()) {
        // refused before any work
    } else if (tx == nullptr) {
        if (mode == v1::RECORD_ALL)
            metrics_.countInvalid("transaction");
        status = {grpc::StatusCode::INVALID_ARGUMENT, "transaction: is required"};
    } else {
        try {
            if (auto error = engine_.score(*tx, explain, mode, response, side, priorList(prior))) {
                context->AddTrailingMetadata("fraud-invalid-field", error->field);
                status = invalidArgument(*error);
            }
        } catch (const CardHistoryUnavailable& e) {
            // Fail closed: the client may retry (a transaction id makes the retry safe).
            status = {grpc::StatusCode::UNAVAILABLE, e.what()};
        } catch (const std::exception& e) {
            // The scorer's own failure, not the caller's: it counts against the card's side.
            status = {grpc::StatusCode::INTERNAL, std::string("scoring failed: ") + e.what()};
            if (mode == v1::RECORD_ALL)
                engine_.flagError(*tx);
        }
    }
    metrics_.countRequests(method, status.error_code(), 1, mode, side);
    if (mode == v1::RECORD_ALL || method == RpcMethod::Explain)
        metrics_.observeDuration(method, secondsSince(start), side);
    reactor->Finish(status);
}

grpc::ServerUnaryReactor* ScoringService::Score(grpc::CallbackServerContext* context,
                                                const v1::ScoreRequest* request,
                                                v1::ScoreResult* response) {
    return admit(RpcMethod::Score, context,
                 request->has_transaction() ? &request->transaction() : nullptr, request->explain(),
                 request->record_mode(), request->prior(), response);
}

grpc::ServerUnaryReactor* ScoringService::Explain(grpc::CallbackServerContext* context,
                                                  const v1::ExplainRequest* request,
                                                  v1::ScoreResult* response) {
    return admit(RpcMethod::Explain, context,
                 request->has_transaction() ? &request->transaction() : nullptr, true,
                 v1::RECORD_NONE, request->prior(), response);
}

grpc::ServerUnaryReactor* ScoringService::FindDecisionBoundary(
    grpc::CallbackServerContext* context, const v1::DecisionBoundaryRequest* request,
    v1::DecisionBoundary* response) {
    grpc::Status status;
    if (limits_.requireToken)
        status = access_.authorize(context, AccessPolicy::Role::Viewer).status;
    if (status.ok()) {
        if (!request->has_transaction()) {
            status = {grpc::StatusCode::INVALID_ARGUMENT, "transaction: is required"};
        } else if (auto error = engine_.boundary(*request, response)) {
            context->AddTrailingMetadata("fraud-invalid-field", error->field);
            status = invalidArgument(*error);
        }
    }
    metrics_.countRequests(RpcMethod::FindDecisionBoundary, status.error_code(), 1,
                           v1::RECORD_NONE);
    auto* reactor = context->DefaultReactor();
    reactor->Finish(status);
    return reactor;
}

grpc::ServerBidiReactor<v1::ScoreBatch, v1::ScoreBatchResult>* ScoringService::ScoreStream(
    grpc::CallbackServerContext* context) {
    if (limits_.requireToken) {
        const auto decision = access_.authorize(context, AccessPolicy::Role::Viewer);
        if (!decision.status.ok()) {
            metrics_.countRequests(RpcMethod::ScoreStream, decision.status.error_code());
            return new RefusedStream<grpc::ServerBidiReactor<v1::ScoreBatch, v1::ScoreBatchResult>>(
                decision.status);
        }
    }
    return new ScoreStreamReactor(engine_, metrics_, limits_.maxBatch);
}

grpc::ServerWriteReactor<v1::LiveDecision>* ScoringService::WatchDecisions(
    grpc::CallbackServerContext* context, const v1::WatchDecisionsRequest* request) {
    const auto decision = access_.authorize(context, AccessPolicy::Role::Viewer);
    if (!decision.status.ok())
        return new RefusedStream<grpc::ServerWriteReactor<v1::LiveDecision>>(decision.status);
    const double rate = request->max_per_second();
    if (!(rate >= 0) || rate > limits_.maxWatchRate || !(request->min_score() >= 0) ||
        request->min_score() > 1) {
        return new RefusedStream<grpc::ServerWriteReactor<v1::LiveDecision>>(
            {grpc::StatusCode::INVALID_ARGUMENT,
             rate > limits_.maxWatchRate || !(rate >= 0)
                 ? "max_per_second: must be in [0, " + std::to_string(limits_.maxWatchRate) + "]"
                 : "min_score: must be in [0, 1]"});
    }
    DecisionFeed::Filter filter;
    filter.minScore = request->min_score();
    for (int d : request->decisions())
        filter.decisions.push_back(static_cast<v1::Decision>(d));
    for (int v : request->variants())
        filter.variants.push_back(static_cast<v1::Variant>(v));
    filter.maxPerSecond = rate > 0 ? rate : limits_.watchRate;
    filter.explain = request->explain();
    return new WatchDecisionsReactor(feed_, std::move(filter));
}

}  // namespace fraud
