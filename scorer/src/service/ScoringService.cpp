#include "service/ScoringService.h"

#include <chrono>

namespace fraud {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
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
        if (batch_.transactions_size() > maxBatch_) {
            metrics_.countRequests(RpcMethod::ScoreStream, grpc::StatusCode::INVALID_ARGUMENT,
                                   batch_.transactions_size());
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
        engine_.scoreBatch(batch_.transactions(), batch_.explain(), outcome);
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
        const auto invalid = static_cast<double>(outcome.errors.size());
        const double scored = batch_.transactions_size() - invalid;
        if (scored > 0)
            metrics_.countRequests(RpcMethod::ScoreStream, grpc::StatusCode::OK, scored);
        if (invalid > 0) {
            metrics_.countRequests(RpcMethod::ScoreStream, grpc::StatusCode::INVALID_ARGUMENT,
                                   invalid);
        }
        metrics_.observeDuration(RpcMethod::ScoreStream, secondsSince(start));
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

}  // namespace

ScoringService::ScoringService(ScoringEngine& engine, ScorerMetrics& metrics, Limits limits)
    : engine_(engine), metrics_(metrics), limits_(limits) {}

grpc::ServerUnaryReactor* ScoringService::scoreOne(RpcMethod method,
                                                   grpc::CallbackServerContext* context,
                                                   const v1::Transaction* tx, bool explain,
                                                   bool record, v1::ScoreResult* response) {
    const auto start = Clock::now();
    grpc::Status status;
    if (tx == nullptr) {
        metrics_.countInvalid("transaction");
        status = {grpc::StatusCode::INVALID_ARGUMENT, "transaction: is required"};
    } else if (auto error = engine_.score(*tx, explain, record, response)) {
        context->AddTrailingMetadata("fraud-invalid-field", error->field);
        status = invalidArgument(*error);
    }
    metrics_.countRequests(method, status.error_code());
    metrics_.observeDuration(method, secondsSince(start));
    auto* reactor = context->DefaultReactor();
    reactor->Finish(status);
    return reactor;
}

grpc::ServerUnaryReactor* ScoringService::Score(grpc::CallbackServerContext* context,
                                                const v1::ScoreRequest* request,
                                                v1::ScoreResult* response) {
    return scoreOne(RpcMethod::Score, context,
                    request->has_transaction() ? &request->transaction() : nullptr,
                    request->explain(), true, response);
}

grpc::ServerUnaryReactor* ScoringService::Explain(grpc::CallbackServerContext* context,
                                                  const v1::ExplainRequest* request,
                                                  v1::ScoreResult* response) {
    return scoreOne(RpcMethod::Explain, context,
                    request->has_transaction() ? &request->transaction() : nullptr, true, false,
                    response);
}

grpc::ServerBidiReactor<v1::ScoreBatch, v1::ScoreBatchResult>* ScoringService::ScoreStream(
    grpc::CallbackServerContext*) {
    return new ScoreStreamReactor(engine_, metrics_, limits_.maxBatch);
}

}  // namespace fraud
