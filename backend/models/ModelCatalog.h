#pragma once

#include <QObject>
#include <QPointer>
#include <map>
#include <optional>

#include "control/AsyncControlClient.h"
#include "models/ModelSummary.h"

namespace fraudops {

// The registry's model versions as the console knows them: each version's manifest
// (thresholds, baselines, percentiles) and dependency map, and which version is stable and
// which the canary, read with ListModels through one replica's Control API (the registry is
// the cluster's). The session keeps one for every page: a refresh asks once, whoever asks,
// and answers arrive as `changed`.
class ModelCatalog : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    // The replica to ask; null: none yet. What is known stays until the next answer.
    void setClient(AsyncControlClient* client);
    // Asks again, unless a call is in flight.
    void refresh();

    const ModelSummary* find(const QString& version) const;
    const std::map<QString, ModelSummary>& models() const { return models_; }
    QString stableVersion() const { return stable_; }
    QString canaryVersion() const { return canary_; }
    bool answered() const { return answered_; }
    QString lastError() const { return lastError_; }

signals:
    // An answer came: the versions, or their roles, may have changed.
    void changed();
    void failed(const QString& error);

private:
    void onModels(AsyncControlClient::RequestId id,
                  const Outcome<fraud::v1::ListModelsResponse>& outcome);

    QPointer<AsyncControlClient> client_;
    std::optional<AsyncControlClient::RequestId> inFlight_;
    std::map<QString, ModelSummary> models_;
    QString stable_, canary_;
    bool answered_ = false;
    QString lastError_;
};

}  // namespace fraudops
