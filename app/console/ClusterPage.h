#pragma once

#include <QPointer>
#include <QWidget>
#include <map>
#include <memory>

#include "ReplicaTableModel.h"
#include "cluster/LocalClusterState.h"
#include "profiles/ConnectionProfile.h"
#include "prometheus/PrometheusClient.h"

class QLabel;
class QPushButton;
class QDoubleSpinBox;
class QSpinBox;
class QTableView;

namespace fraudops {

class ControlClient;
class LocalCluster;

// The replicas: address, health, generation served, versions, scores/s, p99, CPU, memory,
// restarts, uptime, from the Control API (GetStatus, on worker threads) and Prometheus; for
// the local cluster, start / stop / scale / restart-one.
class ClusterPage : public QWidget {
    Q_OBJECT
public:
    explicit ClusterPage(QWidget* parent = nullptr);

    void setLocalCluster(LocalCluster* cluster);
    // The replicas of a profile (for `local`, the local cluster's), called with `token`.
    void setProfile(const ConnectionProfile& profile, const QString& token);
    void setClient(PrometheusClient* client);
    void refresh();
    bool hasData() const;
    ReplicaTableModel& model() { return model_; }

private:
    // Keyed by the local cluster's replica name, or by a remote profile's address; a
    // remote row takes the replica's own name from GetStatus, which is what Prometheus's
    // `replica` label says too (docs/operations.md).
    struct Known {
        ReplicaRow row;
        bool statusSeen = false;
    };
    void onLocalState(const LocalClusterState& state);
    void onPrometheus(PrometheusClient::RequestId id, const PrometheusResult& result);
    void publish();

    ReplicaTableModel model_;
    QTableView* table_;
    QLabel* summary_;
    QPushButton* start_;
    QPushButton* stop_;
    QSpinBox* scale_;
    QPushButton* restart_;
    QDoubleSpinBox* demoDrift_;
    QPointer<LocalCluster> cluster_;
    QPointer<PrometheusClient> client_;
    ConnectionProfile profile_;
    std::map<QString, std::shared_ptr<ControlClient>> controlClients_;  // by address
    QString token_;
    std::map<QString, Known> replicas_;                   // by name
    std::map<PrometheusClient::RequestId, int> queries_;  // id -> which column it fills
    bool prometheusSeen_ = false;
};

}  // namespace fraudops
