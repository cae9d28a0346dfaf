#include "scoring/ScoringClient.h"

namespace fraudops {

ScoringClient::ScoringClient(ScorerEndpoint endpoint)
    : endpoint_(std::move(endpoint)),
      channel_(grpc::CreateChannel(endpoint_.address, grpc::InsecureChannelCredentials())),
      stub_(fraud::v1::Scoring::NewStub(channel_)) {}

void ScoringClient::prepare(grpc::ClientContext& context) const {
    context.set_deadline(std::chrono::system_clock::now() + endpoint_.deadline);
    if (!endpoint_.bearerToken.empty()) {
        // gRPC refuses call credentials on an insecure channel, so the token goes as metadata.
        context.AddMetadata("authorization", "Bearer " + endpoint_.bearerToken);
    }
}

CallError ScoringClient::toError(const grpc::Status& status, const grpc::ClientContext& context) {
    CallError e{status.error_code(), status.error_message(), {}};
    const auto& trailers = context.GetServerTrailingMetadata();
    if (const auto it = trailers.find("fraud-invalid-field"); it != trailers.end()) {
        e.field.assign(it->second.data(), it->second.size());
    }
    return e;
}

ScoreOutcome ScoringClient::score(const fraud::v1::Transaction& tx, bool explain) {
    grpc::ClientContext context;
    prepare(context);
    fraud::v1::ScoreRequest request;
    *request.mutable_transaction() = tx;
    request.set_explain(explain);
    fraud::v1::ScoreResult result;
    const auto status = stub_->Score(&context, request, &result);
    if (!status.ok())
        return {std::nullopt, toError(status, context)};
    return {std::move(result), std::nullopt};
}

ScoreOutcome ScoringClient::explain(const fraud::v1::Transaction& tx) {
    grpc::ClientContext context;
    prepare(context);
    fraud::v1::ExplainRequest request;
    *request.mutable_transaction() = tx;
    fraud::v1::ScoreResult result;
    const auto status = stub_->Explain(&context, request, &result);
    if (!status.ok())
        return {std::nullopt, toError(status, context)};
    return {std::move(result), std::nullopt};
}

}  // namespace fraudops
