#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "fraud/v1/control.grpc.pb.h"
#include "scoring/ScorerChannel.h"

namespace fraudops {

// Blocking calls to one scorer's Control service over one channel, each with a deadline,
// results and errors as values. For a GUI thread: AsyncControlClient, ReplicaStatusPoller.
class ControlClient {
public:
    explicit ControlClient(ScorerEndpoint endpoint);

    Outcome<fraud::v1::ReplicaStatus> status();
    Outcome<fraud::v1::ListModelsResponse> models();
    Outcome<fraud::v1::AuditLog> audit(unsigned limit);
    Outcome<fraud::v1::RolloutState> setCanary(const fraud::v1::SetCanaryRequest& request);
    Outcome<fraud::v1::RolloutState> promote(const fraud::v1::ChangeRequest& request);
    Outcome<fraud::v1::RolloutState> rollback(const fraud::v1::ChangeRequest& request);
    Outcome<fraud::v1::RolloutState> abortCanary(const fraud::v1::ChangeRequest& request);
    // The release's shared state: who the token is, the run record, the runner lease.
    Outcome<fraud::v1::Identity> whoAmI();
    Outcome<fraud::v1::RolloutRun> rolloutRun();
    Outcome<fraud::v1::RolloutRun> updateRolloutRun(
        const fraud::v1::UpdateRolloutRunRequest& request);
    Outcome<fraud::v1::LeaseResponse> acquireLease(const std::string& holder, std::int64_t ttlMs);
    Outcome<fraud::v1::LeaseResponse> renewLease(const std::string& leaseId, std::int64_t ttlMs);
    Outcome<fraud::v1::LeaseResponse> releaseLease(const std::string& leaseId);

private:
    template <typename Request, typename Response, typename Call>
    Outcome<Response> call(const Request& request, Call method);

    ScorerEndpoint endpoint_;
    std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<fraud::v1::Control::Stub> stub_;
};

}  // namespace fraudops
