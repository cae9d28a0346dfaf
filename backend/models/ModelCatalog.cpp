#include "models/ModelCatalog.h"

namespace fraudops {

void ModelCatalog::setClient(AsyncControlClient* client) {
    if (client_ == client)
        return;
    if (client_)
        disconnect(client_, nullptr, this, nullptr);
    client_ = client;
    inFlight_.reset();
    if (client_)
        connect(client_, &AsyncControlClient::modelsListed, this, &ModelCatalog::onModels);
}

void ModelCatalog::refresh() {
    if (client_ && !inFlight_)
        inFlight_ = client_->models();
}

const ModelSummary* ModelCatalog::find(const QString& version) const {
    const auto it = models_.find(version);
    return it == models_.end() ? nullptr : &it->second;
}

void ModelCatalog::onModels(AsyncControlClient::RequestId id,
                            const Outcome<fraud::v1::ListModelsResponse>& outcome) {
    if (!inFlight_ || id != *inFlight_)
        return;
    inFlight_.reset();
    if (!outcome.ok()) {
        lastError_ = QString::fromStdString(outcome.error->message);
        emit failed(lastError_);
        return;
    }
    lastError_.clear();
    QString stable, canary;
    for (const auto& info : outcome.value->models()) {
        auto summary = modelSummaryOf(info, nullptr);
        if (!summary)
            continue;  // a manifest the console cannot read: its decisions show without one
        if (info.role() == fraud::v1::MODEL_ROLE_STABLE)
            stable = summary->version;
        else if (info.role() == fraud::v1::MODEL_ROLE_CANARY)
            canary = summary->version;
        models_[summary->version] = std::move(*summary);
    }
    stable_ = stable;
    canary_ = canary;
    answered_ = true;
    emit changed();
}

}  // namespace fraudops
