#pragma once

#include <QMetaType>
#include <QObject>
#include <atomic>
#include <memory>

#include "async/OffThreadCalls.h"
#include "control/ControlClient.h"

namespace fraudops {

// One scorer's Control API for a GUI thread: each call runs on a worker (ControlClient's
// blocking call, with its deadline) and its outcome, a value, comes back through a queued
// signal with the id the call returned.
class AsyncControlClient : public QObject {
    Q_OBJECT
public:
    using RequestId = quint64;
    // Throws std::runtime_error if a TLS file cannot be read (as ControlClient).
    explicit AsyncControlClient(const ScorerEndpoint& endpoint, QObject* parent = nullptr);
    ~AsyncControlClient() override;

    RequestId status();
    RequestId models();
    RequestId audit(unsigned limit);
    RequestId setCanary(const fraud::v1::SetCanaryRequest& request);
    RequestId promote(const fraud::v1::ChangeRequest& request);
    RequestId rollback(const fraud::v1::ChangeRequest& request);
    RequestId abortCanary(const fraud::v1::ChangeRequest& request);

signals:
    void statusRead(fraudops::AsyncControlClient::RequestId id,
                    const fraudops::Outcome<fraud::v1::ReplicaStatus>& outcome);
    void modelsListed(fraudops::AsyncControlClient::RequestId id,
                      const fraudops::Outcome<fraud::v1::ListModelsResponse>& outcome);
    void auditRead(fraudops::AsyncControlClient::RequestId id,
                   const fraudops::Outcome<fraud::v1::AuditLog>& outcome);
    // SetCanary, Promote, Rollback and AbortCanary: the rollout as it is after the change.
    void rolloutChanged(fraudops::AsyncControlClient::RequestId id,
                        const fraudops::Outcome<fraud::v1::RolloutState>& outcome);

private:
    template <typename Call, typename Emit>
    RequestId submit(Call call, Emit emitResult);

    std::shared_ptr<ControlClient> client_;
    std::atomic<RequestId> nextId_{1};
    OffThreadCalls calls_;  // last: waits for calls that use the client
};

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::Outcome<fraud::v1::ReplicaStatus>)
Q_DECLARE_METATYPE(fraudops::Outcome<fraud::v1::ListModelsResponse>)
Q_DECLARE_METATYPE(fraudops::Outcome<fraud::v1::AuditLog>)
Q_DECLARE_METATYPE(fraudops::Outcome<fraud::v1::RolloutState>)
