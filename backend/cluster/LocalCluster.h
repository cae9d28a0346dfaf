#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <QTimer>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "cluster/LocalClusterState.h"

namespace fraudops {

// The embedded local cluster the console starts with --local, supervised with QProcess (all
// asynchronous: nothing here blocks the thread it lives on):
//  - N fraud-scorer replicas on one registry, each on port 0, reporting its ports through its
//    ready line; a replica that dies is restarted with backoff (1 s doubling to 30 s, reset
//    after a minute up), and its restarts are counted;
//  - a real Prometheus whose targets come from a file_sd file rewritten whenever a replica
//    starts, stops or moves, with its data in the work directory;
//  - fraud-loadgen at a modest open-loop rate, its targets file kept current;
//  - if the registry is empty, two model versions trained first, with progress.
// Every child gets PR_SET_PDEATHSIG, so none outlives the console even if it is killed, and
// stop() ends them cleanly (SIGTERM, then SIGKILL after a grace period).
class LocalCluster : public QObject {
    Q_OBJECT
public:
    struct Config {
        QString binDir;    // fraud-scorer, fraud-train, fraud-loadgen
        QString registry;  // trained into if it has no rollout.json
        QString workDir;   // targets files, Prometheus's data, logs
        QString prometheusBinary = "prometheus";
        QString tokensFile;  // passed to the scorers if set
        int replicas = 2;
        double loadRate = 50;  // transactions a second, open loop
        // Few cards at a high per-card rate: the training data then spans days of simulated
        // time (hour of day, 24-hour velocities) in a few hundred thousand rows, and the demo
        // traffic keeps the same per-card rate.
        int loadCards = 2'000;
        double txnsPerCardPerDay = 100;   // training and load alike, so the demo does not drift
        int trainTransactions = 300'000;  // per version, when the registry is empty
        std::chrono::seconds scrapeInterval{2};
    };
    explicit LocalCluster(Config config, QObject* parent = nullptr);
    ~LocalCluster() override;

    void start();
    // Ends every child (SIGTERM, SIGKILL after `grace`); `stopped` is emitted when all are gone.
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
    void scaleTo(int replicas);
    void restartReplica(int index);
    void setLoadRate(double perSecond);

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
    void startPrometheus();
    void startLoad();
    // After Prometheus or the load generator ended: tell, and restart it after a backoff
    // unless the cluster is stopping (then say `stopped` once nothing runs).
    void afterServiceExit(const std::function<void()>& restart);
    void writeTargets();
    void publish();
    QProcess* spawn(const QString& program, const QStringList& args, const QString& logName,
                    bool mergeChannels = false);
    void fail(const QString& why);

    Config config_;
    LocalClusterState state_;
    std::vector<std::unique_ptr<Child>> replicas_;
    QProcess* trainer_ = nullptr;
    QProcess* prometheus_ = nullptr;
    QProcess* load_ = nullptr;
    bool stopping_ = false;
};

}  // namespace fraudops
