#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <vector>

#include "cluster/ReplicaHealth.h"

namespace fraudops {

// What the embedded local cluster looks like right now, as a value for views.
struct LocalReplica {
    int slot = 0;     // its place in the cluster: restarts and scaling keep it
    QString name;     // local-<slot>
    QString address;  // 127.0.0.1:<gRPC port>, once known
    int grpcPort = 0;
    int metricsPort = 0;
    qint64 pid = 0;
    ReplicaHealth health = ReplicaHealth::Starting;  // Starting, Up, Restarting, Stopping
    int restarts = 0;
    QDateTime upSince;
    QString lastExit;  // how the previous process ended
};

struct LocalClusterState {
    enum class Phase { Idle, Training, Running, Stopping, Failed };
    Phase phase = Phase::Idle;
    QString message;  // training progress, or why it failed
    int desiredReplicas = 0;
    std::vector<LocalReplica> replicas;
    QString prometheusUrl;  // empty until Prometheus listens
    bool prometheusUp = false;
    qint64 prometheusPid = 0;
    bool loadRunning = false;
    qint64 loadPid = 0;
    double loadRate = 0;  // asked for
    // The demo traffic: first it warms the scorers' card histories (a simulated day sent as
    // RECORD_HISTORY_ONLY), then it runs live. From the load generator's status file.
    enum class LoadPhase { Off, WarmingUp, Live };
    LoadPhase loadPhase = LoadPhase::Off;
    double warmupProgress = 0;     // 0 to 1 while warming up
    double loadSentPerSecond = 0;  // what it sent in its last second
    int loadCards = 0;             // its population
    // Live requests answered since the load generator started, and those that failed.
    qint64 loadCompleted = 0;
    qint64 loadFailed = 0;
    double demoAmountScale = 1;  // the demo's drift knob: amounts multiplied by this
    // Card history: in each replica (kept across its restarts by a snapshot), or shared by all
    // in the cluster's Redis.
    bool sharedCardHistory = false;
    bool redisUp = false;
    qint64 redisPid = 0;
    int upCount() const {
        int n = 0;
        for (const auto& r : replicas)
            n += r.health == ReplicaHealth::Up;
        return n;
    }
};

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::LocalClusterState)
