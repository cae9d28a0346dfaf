#pragma once

#include <QPointer>
#include <map>

#include "ReplicaTableModel.h"
#include "cluster/LocalClusterState.h"
#include "control/ReplicaStatusPoller.h"
#include "profiles/ConnectionProfile.h"
#include "prometheus/PrometheusClient.h"
#include "shell/ConsolePage.h"

class QComboBox;
class QLabel;
class QPushButton;
class QDoubleSpinBox;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;

namespace fraudops {

// The replicas: address, health, generation served, versions, scores/s, p99, CPU, memory,
// restarts, uptime, from the session's ReplicaStatusPoller (GetStatus) and Prometheus; for
// the local cluster, start / stop / scale / restart-one, where card history lives (each replica,
// or shared in Redis) and the demo's drift knob.
class ClusterPage : public ConsolePage {
    Q_OBJECT
public:
    ClusterPage(ConsoleSession& session, QWidget* parent);

    QString title() const override { return QStringLiteral("Cluster"); }
    void refresh(const TimeWindow& window) override;
    PageContent content() const override;
    ReplicaTableModel& model() { return model_; }

private:
    // Keyed by the local cluster's replica name, or by a remote profile's address; a
    // remote row takes the replica's own name from GetStatus, which is what Prometheus's
    // `replica` label says too (docs/operations.md).
    struct Known {
        ReplicaRow row;
        ReplicaHealth supervised =
            ReplicaHealth::Unknown;  // a local replica's, from its supervisor
        bool statusSeen = false;
    };
    void onProfile(const ConnectionProfile& profile);
    void onLocalState(const LocalClusterState& state);
    void onReading(const ReplicaStatusReading& reading);
    void onPrometheusClient();
    void onPrometheus(PrometheusClient::RequestId id, const PrometheusResult& result);
    void publish();

    ReplicaTableModel model_;
    QSortFilterProxyModel* proxy_;
    QTableView* table_;
    QLabel* summary_;
    QPushButton* start_;
    QPushButton* stop_;
    QSpinBox* scale_;
    QPushButton* restart_;
    QDoubleSpinBox* demoDrift_;
    QComboBox* cardHistory_;
    QPointer<PrometheusClient> client_;
    std::map<QString, Known> replicas_;                   // by name
    std::map<PrometheusClient::RequestId, int> queries_;  // id -> which column it fills
    bool prometheusSeen_ = false;
    QString prometheusError_;
};

}  // namespace fraudops
