#pragma once

#include <QMetaType>
#include <QObject>
#include <atomic>
#include <memory>

#include "async/OffThreadCalls.h"
#include "scoring/ScoringClient.h"

namespace fraudops {

// One scorer's Scoring API for a GUI thread, as AsyncControlClient is for Control: each call
// runs on a worker (ScoringClient's blocking call, with its deadline) and its outcome comes
// back as a value through a queued signal with the id the call returned. The console's test
// transactions, what-ifs and decision boundaries go through it, as dry runs.
class AsyncScoringClient : public QObject {
    Q_OBJECT
public:
    using RequestId = quint64;
    // Throws std::runtime_error if a TLS file cannot be read (as ScoringClient).
    explicit AsyncScoringClient(const ScorerEndpoint& endpoint, QObject* parent = nullptr);
    ~AsyncScoringClient() override;

    const ScorerEndpoint& endpoint() const { return endpoint_; }
    RequestId score(const fraud::v1::ScoreRequest& request);
    RequestId boundary(const fraud::v1::DecisionBoundaryRequest& request);

signals:
    void scored(fraudops::AsyncScoringClient::RequestId id,
                const fraudops::Outcome<fraud::v1::ScoreResult>& outcome);
    void boundaryFound(fraudops::AsyncScoringClient::RequestId id,
                       const fraudops::Outcome<fraud::v1::DecisionBoundary>& outcome);

private:
    ScorerEndpoint endpoint_;
    std::shared_ptr<ScoringClient> client_;
    std::atomic<RequestId> nextId_{1};
    OffThreadCalls calls_;  // last: waits for calls that use the client
};

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::Outcome<fraud::v1::ScoreResult>)
Q_DECLARE_METATYPE(fraudops::Outcome<fraud::v1::DecisionBoundary>)
