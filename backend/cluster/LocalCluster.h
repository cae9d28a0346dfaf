#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <QTimer>
#include <chrono>
#include <memory>
#include <vector>

#include "cluster/LocalClusterState.h"

namespace fraudops {

class LocalPrometheus;
class LocalRedis;
class ProcessSupervisor;

// The embedded local cluster the console starts with --local. Its processes are started and
// ended by a ProcessSupervisor (all asynchronous: nothing here blocks the thread it lives on):
//  - N fraud-scorer replicas on one registry, each on port 0, reporting its ports through its
//    ready line; a replica that dies is restarted after a RestartBackoff, its restarts
//    counted, in the same slot;
//  - a LocalPrometheus scraping the replicas that are up;
//  - card history in each replica, kept across its restarts in a snapshot file, or shared by
//    all in a supervised redis-server on a Unix socket (sharedCardHistory), in which case the
//    load generator spreads cards at random over the replicas, as a plain load balancer would;
//  - fraud-loadgen at a modest open-loop rate, its targets file kept current: it first warms
//    the scorers' card histories with a simulated day (RECORD_HISTORY_ONLY, reported as
//    progress), then runs live with a population sized for its rate in real time;
//  - if the registry is empty, two model versions trained first, with progress.
class LocalCluster : public QObject {
    Q_OBJECT
public:
    struct Config {
        QString binDir;    // fraud-scorer, fraud-train, fraud-loadgen
        QString registry;  // trained into if it has no rollout.json
        QString workDir;   // targets files, Prometheus's data, logs
        QString prometheusBinary = "prometheus";
        QString redisBinary = "redis-server";
        bool sharedCardHistory = false;
        // The alerting and recording rules its Prometheus evaluates (the project's
        // resources/prometheus/rules.yml); empty: none.
        QString rulesFile;
        QString tokensFile;  // passed to the scorers if set
        int replicas = 2;
        double loadRate = 50;  // transactions a second, open loop
        // A high per-card rate, for training and demo traffic alike (so the demo does not
        // drift by construction): the training data spans days of simulated time (hour of
        // day, 24-hour velocities) in a few hundred thousand rows of `trainCards` cards, and
        // the demo's population is as large as `loadRate` needs in real time (loadCards()).
        // Both transact evenly around the clock (--flat-day): with the usual day-and-night
        // curve, a few minutes' window at 3 a.m. would always look drifted from a whole-day
        // baseline in the 1-hour count and the gap since the last transaction, and the demo's
        // figures would depend on the hour. The demo sends what the population transacts in
        // real time (--real-time), never raising the per-card rate.
        double txnsPerCardPerDay = 100;
        int trainCards = 2'000;
        int trainTransactions = 300'000;  // per version, when the registry is empty
        double fraudRate = 0.01;          // training and demo traffic alike
        // Hours of the demo population's past sent first as card-history warm-up (24: the
        // longest velocity window), so that the first live transactions are not all from
        // brand-new cards. Measured: about 30 s at 50/s on two cores (docs/benchmarks.md).
        double historyHours = 24;
        std::chrono::seconds scrapeInterval{2};
        std::chrono::seconds ruleEvaluationInterval{5};
        std::chrono::seconds driftWindow{300};  // the scorers' PSI window
        // Every child (scorers, Prometheus, Redis, the load generator, the trainer) runs this
        // much nicer than the console. They share the laptop's cores with it, and on two cores
        // its page turns waited as long for a core as they worked (docs/benchmarks.md, soak
        // run 7): the window the user is looking at goes first. The demo's latencies pay only
        // while the console is busy. 0: the same priority.
        int niceness = 10;
    };
    explicit LocalCluster(Config config, QObject* parent = nullptr);
    ~LocalCluster() override;

    void start();
    // Ends every child (SIGTERM, SIGKILL after `grace`); `stopped` is emitted when all are gone.
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
    void scaleTo(int replicas);
    // Restarts the replica in `slot` at once (no backoff).
    void restartReplica(int slot);
    void setLoadRate(double perSecond);
    // Card history shared in Redis, or in each replica: a running cluster starts or stops its
    // Redis and restarts every replica and the load generator with the new setting.
    void setSharedCardHistory(bool shared);
    // The demo's drift knob: amounts of the traffic from now on multiplied by `scale` (1: off).
    void setDemoDrift(double amountScale);
    // Cards the demo population needs to supply `rate` in real time at the per-card rate.
    int loadCards() const;

    const LocalClusterState& state() const { return state_; }
    const Config& config() const { return config_; }

signals:
    void changed(const fraudops::LocalClusterState& state);
    void stopped();

private:
    struct Child;
    void train(int step);
    void startRunning();
    void startReplica(std::size_t slot);
    void onReplicaOutput(std::size_t slot);
    void onReplicaFinished(std::size_t slot, int exitCode, QProcess::ExitStatus status);
    void startLoad();
    // After a child ended: when stopping, say `stopped` once nothing runs.
    void afterExit();
    void writeTargets();
    void readLoadStatus();
    // The flags that make the simulated population behave as in training (trainer and demo).
    QStringList populationArgs() const;
    void publish();
    // cluster.json, for fraudctl --profile local: written while running, removed on stop.
    void writeAddresses();
    void fail(const QString& why);

    Config config_;
    LocalClusterState state_;
    std::vector<std::unique_ptr<Child>> replicas_;
    ProcessSupervisor* supervisor_;
    LocalPrometheus* prometheus_;
    LocalRedis* redis_;
    QProcess* trainer_ = nullptr;
    QProcess* load_ = nullptr;
    bool stopping_ = false;
    int loadStarts_ = 0;
    QTimer loadStatusPoll_;
    QByteArray addressesWritten_;
};

}  // namespace fraudops
