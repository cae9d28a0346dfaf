#pragma once

#include <QPointer>
#include <QWidget>
#include <map>

#include "ReplicaTableModel.h"
#include "cluster/LocalClusterState.h"
#include "prometheus/PrometheusClient.h"

class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;

namespace fraudops {

class LocalCluster;

// The replicas: address, health, generation served, versions, scores/s, p99, CPU, memory,
// restarts, uptime, from the Control API (GetStatus, on worker threads) and Prometheus; for
// the local cluster, start / stop / scale / restart-one.
class ClusterPage : public QWidget {
    Q_OBJECT
public:
    explicit ClusterPage(QWidget* parent = nullptr);

    void setLocalCluster(LocalCluster* cluster);
    void setEndpoints(const QStringList& addresses, const QString& token);
    void setClient(PrometheusClient* client);
    void refresh();
    bool hasData() const;
    ReplicaTableModel& model() { return model_; }

private:
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
    QPointer<LocalCluster> cluster_;
    QPointer<PrometheusClient> client_;
    QString token_;
    std::map<QString, Known> replicas_;                   // by name
    std::map<PrometheusClient::RequestId, int> queries_;  // id -> which column it fills
    bool prometheusSeen_ = false;
};

}  // namespace fraudops
