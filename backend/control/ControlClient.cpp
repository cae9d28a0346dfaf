#include "control/ControlClient.h"

namespace fraudops {

ControlClient::ControlClient(ScorerEndpoint endpoint)
    : endpoint_(std::move(endpoint)),
      channel_(makeChannel(endpoint_)),
      stub_(fraud::v1::Control::NewStub(channel_)) {}

template <typename Request, typename Response, typename Call>
Outcome<Response> ControlClient::call(const Request& request, Call method) {
    grpc::ClientContext context;
    prepareCall(context, endpoint_);
    Response response;
    const auto status = ((*stub_).*method)(&context, request, &response);
    if (!status.ok())
        return {std::nullopt, toCallError(status, context)};
    return {std::move(response), std::nullopt};
}

Outcome<fraud::v1::ReplicaStatus> ControlClient::status() {
    return call<fraud::v1::GetStatusRequest, fraud::v1::ReplicaStatus>(
        fraud::v1::GetStatusRequest{}, &fraud::v1::Control::Stub::GetStatus);
}

Outcome<fraud::v1::ListModelsResponse> ControlClient::models() {
    return call<fraud::v1::ListModelsRequest, fraud::v1::ListModelsResponse>(
        fraud::v1::ListModelsRequest{}, &fraud::v1::Control::Stub::ListModels);
}

Outcome<fraud::v1::AuditLog> ControlClient::audit(unsigned limit) {
    fraud::v1::GetAuditLogRequest request;
    request.set_limit(limit);
    return call<fraud::v1::GetAuditLogRequest, fraud::v1::AuditLog>(
        request, &fraud::v1::Control::Stub::GetAuditLog);
}

Outcome<fraud::v1::RolloutState> ControlClient::setCanary(
    const fraud::v1::SetCanaryRequest& request) {
    return call<fraud::v1::SetCanaryRequest, fraud::v1::RolloutState>(
        request, &fraud::v1::Control::Stub::SetCanary);
}

Outcome<fraud::v1::RolloutState> ControlClient::promote(const fraud::v1::ChangeRequest& request) {
    return call<fraud::v1::ChangeRequest, fraud::v1::RolloutState>(
        request, &fraud::v1::Control::Stub::Promote);
}

Outcome<fraud::v1::RolloutState> ControlClient::rollback(const fraud::v1::ChangeRequest& request) {
    return call<fraud::v1::ChangeRequest, fraud::v1::RolloutState>(
        request, &fraud::v1::Control::Stub::Rollback);
}

Outcome<fraud::v1::RolloutState> ControlClient::abortCanary(
    const fraud::v1::ChangeRequest& request) {
    return call<fraud::v1::ChangeRequest, fraud::v1::RolloutState>(
        request, &fraud::v1::Control::Stub::AbortCanary);
}

Outcome<fraud::v1::Identity> ControlClient::whoAmI() {
    return call<fraud::v1::WhoAmIRequest, fraud::v1::Identity>(fraud::v1::WhoAmIRequest{},
                                                               &fraud::v1::Control::Stub::WhoAmI);
}

Outcome<fraud::v1::RolloutRun> ControlClient::rolloutRun() {
    return call<fraud::v1::GetRolloutRunRequest, fraud::v1::RolloutRun>(
        fraud::v1::GetRolloutRunRequest{}, &fraud::v1::Control::Stub::GetRolloutRun);
}

Outcome<fraud::v1::RolloutRun> ControlClient::updateRolloutRun(
    const fraud::v1::UpdateRolloutRunRequest& request) {
    return call<fraud::v1::UpdateRolloutRunRequest, fraud::v1::RolloutRun>(
        request, &fraud::v1::Control::Stub::UpdateRolloutRun);
}

Outcome<fraud::v1::LeaseResponse> ControlClient::acquireLease(const std::string& holder,
                                                              std::int64_t ttlMs) {
    fraud::v1::AcquireLeaseRequest request;
    request.set_holder(holder);
    request.set_ttl_ms(ttlMs);
    return call<fraud::v1::AcquireLeaseRequest, fraud::v1::LeaseResponse>(
        request, &fraud::v1::Control::Stub::AcquireRunnerLease);
}

Outcome<fraud::v1::LeaseResponse> ControlClient::renewLease(const std::string& leaseId,
                                                            std::int64_t ttlMs) {
    fraud::v1::RenewLeaseRequest request;
    request.set_lease_id(leaseId);
    request.set_ttl_ms(ttlMs);
    return call<fraud::v1::RenewLeaseRequest, fraud::v1::LeaseResponse>(
        request, &fraud::v1::Control::Stub::RenewRunnerLease);
}

Outcome<fraud::v1::LeaseResponse> ControlClient::releaseLease(const std::string& leaseId) {
    fraud::v1::ReleaseLeaseRequest request;
    request.set_lease_id(leaseId);
    return call<fraud::v1::ReleaseLeaseRequest, fraud::v1::LeaseResponse>(
        request, &fraud::v1::Control::Stub::ReleaseRunnerLease);
}

}  // namespace fraudops
