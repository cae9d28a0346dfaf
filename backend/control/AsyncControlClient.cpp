#include "control/AsyncControlClient.h"

namespace fraudops {

AsyncControlClient::AsyncControlClient(const ScorerEndpoint& endpoint, QObject* parent)
    : QObject(parent), client_(std::make_shared<ControlClient>(endpoint)), calls_(this, 2) {
    qRegisterMetaType<fraudops::AsyncControlClient::RequestId>(
        "fraudops::AsyncControlClient::RequestId");
    qRegisterMetaType<Outcome<fraud::v1::ReplicaStatus>>();
    qRegisterMetaType<Outcome<fraud::v1::ListModelsResponse>>();
    qRegisterMetaType<Outcome<fraud::v1::AuditLog>>();
    qRegisterMetaType<Outcome<fraud::v1::RolloutState>>();
}

AsyncControlClient::~AsyncControlClient() = default;

template <typename Call, typename Emit>
AsyncControlClient::RequestId AsyncControlClient::submit(Call call, Emit emitResult) {
    const RequestId id = nextId_.fetch_add(1);
    calls_.run([client = client_, call = std::move(call)] { return call(*client); },
               [this, id, emitResult](auto outcome) { emitResult(this, id, outcome); });
    return id;
}

AsyncControlClient::RequestId AsyncControlClient::status() {
    return submit([](ControlClient& c) { return c.status(); },
                  [](AsyncControlClient* self, RequestId id, const auto& o) {
                      emit self->statusRead(id, o);
                  });
}

AsyncControlClient::RequestId AsyncControlClient::models() {
    return submit([](ControlClient& c) { return c.models(); },
                  [](AsyncControlClient* self, RequestId id, const auto& o) {
                      emit self->modelsListed(id, o);
                  });
}

AsyncControlClient::RequestId AsyncControlClient::audit(unsigned limit) {
    return submit(
        [limit](ControlClient& c) { return c.audit(limit); },
        [](AsyncControlClient* self, RequestId id, const auto& o) { emit self->auditRead(id, o); });
}

namespace {
const auto emitRollout = [](AsyncControlClient* self, AsyncControlClient::RequestId id,
                            const Outcome<fraud::v1::RolloutState>& o) {
    emit self->rolloutChanged(id, o);
};
}  // namespace

AsyncControlClient::RequestId AsyncControlClient::setCanary(
    const fraud::v1::SetCanaryRequest& request) {
    return submit([request](ControlClient& c) { return c.setCanary(request); }, emitRollout);
}

AsyncControlClient::RequestId AsyncControlClient::promote(const fraud::v1::ChangeRequest& request) {
    return submit([request](ControlClient& c) { return c.promote(request); }, emitRollout);
}

AsyncControlClient::RequestId AsyncControlClient::rollback(
    const fraud::v1::ChangeRequest& request) {
    return submit([request](ControlClient& c) { return c.rollback(request); }, emitRollout);
}

AsyncControlClient::RequestId AsyncControlClient::abortCanary(
    const fraud::v1::ChangeRequest& request) {
    return submit([request](ControlClient& c) { return c.abortCanary(request); }, emitRollout);
}

}  // namespace fraudops
