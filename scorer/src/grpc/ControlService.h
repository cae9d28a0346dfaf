#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "fraud/v1/control.grpc.pb.h"
#include "grpc/AccessPolicy.h"
#include "grpc/ChangeRateLimiter.h"
#include "registry/ModelRegistry.h"
#include "serving/RolloutFollower.h"

namespace fraud {

// The Control gRPC service: this replica's status, the registry's models and audit log, and
// the release actions (SetCanary, Promote, Rollback, AbortCanary). Every change names the
// generation it expects and a reason, is made in the registry under its lock and recorded in
// the audit log with the identity of the caller's token, and reaches every replica through
// its RolloutFollower (this one serves it before answering). A stale generation fails with
// FAILED_PRECONDITION, with the current state in the message and, serialized, in the
// status details.
class ControlService final : public v1::Control::CallbackService {
public:
    // GetStatus says so from now on (ScorerServer::beginDrain).
    void setDraining() { draining_ = true; }
    ControlService(ModelRegistry registry, RolloutFollower& follower, AccessPolicy& access,
                   ScorerMetrics& metrics, std::string replica,
                   ChangeRateLimiter::Options changeLimit);

    grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                        const v1::GetStatusRequest* request,
                                        v1::ReplicaStatus* response) override;
    grpc::ServerUnaryReactor* ListModels(grpc::CallbackServerContext* context,
                                         const v1::ListModelsRequest* request,
                                         v1::ListModelsResponse* response) override;
    grpc::ServerUnaryReactor* SetCanary(grpc::CallbackServerContext* context,
                                        const v1::SetCanaryRequest* request,
                                        v1::RolloutState* response) override;
    grpc::ServerUnaryReactor* Promote(grpc::CallbackServerContext* context,
                                      const v1::ChangeRequest* request,
                                      v1::RolloutState* response) override;
    grpc::ServerUnaryReactor* Rollback(grpc::CallbackServerContext* context,
                                       const v1::ChangeRequest* request,
                                       v1::RolloutState* response) override;
    grpc::ServerUnaryReactor* AbortCanary(grpc::CallbackServerContext* context,
                                          const v1::ChangeRequest* request,
                                          v1::RolloutState* response) override;
    grpc::ServerUnaryReactor* GetAuditLog(grpc::CallbackServerContext* context,
                                          const v1::GetAuditLogRequest* request,
                                          v1::AuditLog* response) override;
    grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                     const v1::WhoAmIRequest* request,
                                     v1::Identity* response) override;
    grpc::ServerUnaryReactor* GetRolloutRun(grpc::CallbackServerContext* context,
                                            const v1::GetRolloutRunRequest* request,
                                            v1::RolloutRun* response) override;
    grpc::ServerUnaryReactor* UpdateRolloutRun(grpc::CallbackServerContext* context,
                                               const v1::UpdateRolloutRunRequest* request,
                                               v1::RolloutRun* response) override;
    grpc::ServerUnaryReactor* AcquireRunnerLease(grpc::CallbackServerContext* context,
                                                 const v1::AcquireLeaseRequest* request,
                                                 v1::LeaseResponse* response) override;
    grpc::ServerUnaryReactor* RenewRunnerLease(grpc::CallbackServerContext* context,
                                               const v1::RenewLeaseRequest* request,
                                               v1::LeaseResponse* response) override;
    grpc::ServerUnaryReactor* ReleaseRunnerLease(grpc::CallbackServerContext* context,
                                                 const v1::ReleaseLeaseRequest* request,
                                                 v1::LeaseResponse* response) override;

    static void toProto(const RolloutState& state, v1::RolloutState* out);
    static void runToProto(const RolloutRun& run, v1::RolloutRun* out);
    void setReplica(std::string replica);

    struct ChangeTerms {
        const std::string& reason;
        std::uint64_t expectedGeneration;
        const google::protobuf::Map<std::string, std::string>& annotations;
        const std::string& leaseId;
    };

private:
    // Runs `body` if the caller has `role`, then finishes the call with its status.
    template <typename Body>
    grpc::ServerUnaryReactor* handle(const char* method, grpc::CallbackServerContext* context,
                                     AccessPolicy::Role role, Body&& body);
    static std::optional<grpc::Status> checkReason(const std::string& reason);
    // RESOURCE_EXHAUSTED when `who` has used up its control changes for now.
    std::optional<grpc::Status> overChangeLimit(const AccessPolicy::Identity& who);
    // FAILED_PRECONDITION for a change that expected another generation: the current state
    // in the message and, serialized, in the details.
    static grpc::Status stale(const StaleGenerationError& e);
    // Every change, one way: the reason checked, `edit` applied to `current` (which must be
    // at `expectedGeneration`), staged on this replica's follower (the one compatibility
    // check), committed to the registry, and served here. Other replicas follow rollout.json.
    // `terms.annotations` go on the audit entry; a non-empty `terms.leaseId` must be the
    // current lease.
    grpc::Status change(const AccessPolicy::Identity& who, const char* action,
                        const ChangeTerms& terms, const RolloutState& current,
                        const std::function<void(RolloutState&)>& edit, v1::RolloutState* response);

    ModelRegistry registry_;
    RolloutFollower& follower_;
    AccessPolicy& access_;
    ScorerMetrics& metrics_;
    ChangeRateLimiter changeLimit_;
    mutable std::mutex replicaMutex_;
    std::string replica_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::atomic<bool> draining_{false};
};

}  // namespace fraud
