#include "scoring/AsyncScoringClient.h"

namespace fraudops {

AsyncScoringClient::AsyncScoringClient(const ScorerEndpoint& endpoint, QObject* parent)
    : QObject(parent),
      endpoint_(endpoint),
      client_(std::make_shared<ScoringClient>(endpoint)),
      calls_(this, 2) {
    qRegisterMetaType<fraudops::AsyncScoringClient::RequestId>(
        "fraudops::AsyncScoringClient::RequestId");
    qRegisterMetaType<Outcome<fraud::v1::ScoreResult>>();
    qRegisterMetaType<Outcome<fraud::v1::DecisionBoundary>>();
}

AsyncScoringClient::~AsyncScoringClient() = default;

AsyncScoringClient::RequestId AsyncScoringClient::score(const fraud::v1::ScoreRequest& request) {
    const RequestId id = nextId_.fetch_add(1);
    calls_.run([client = client_, request] { return client->score(request); },
               [this, id](const Outcome<fraud::v1::ScoreResult>& o) { emit scored(id, o); });
    return id;
}

AsyncScoringClient::RequestId AsyncScoringClient::boundary(
    const fraud::v1::DecisionBoundaryRequest& request) {
    const RequestId id = nextId_.fetch_add(1);
    calls_.run(
        [client = client_, request] { return client->boundary(request); },
        [this, id](const Outcome<fraud::v1::DecisionBoundary>& o) { emit boundaryFound(id, o); });
    return id;
}

}  // namespace fraudops
