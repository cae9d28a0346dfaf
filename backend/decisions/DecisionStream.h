#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QObject>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "fraud/v1/scoring.pb.h"
#include "scoring/ScorerChannel.h"

namespace fraudops {

// A time during which the stream could not see one replica's decisions.
struct DecisionGap {
    QString address;
    QDateTime from, to;  // `to` invalid while it lasts
};

// Where the stream stands with one replica.
struct DecisionStreamConnection {
    QString address;
    bool connected = false;
    int connects = 0;  // successful (re)connections
    QString lastError;
};

// What the stream has missed so far, and why.
struct DecisionStreamStats {
    quint64 received = 0;
    // Decisions the scorer dropped because this watcher read too slowly (dropped_before).
    quint64 droppedByScorer = 0;
    // Decisions dropped here because the queue was full (nobody took them).
    quint64 droppedByQueue = 0;
    std::vector<DecisionStreamConnection> connections;
    std::vector<DecisionGap> gaps;  // the latest, oldest first (at most kMaxGaps)
};

// WatchDecisions of every replica of a cluster, merged into one bounded queue. Each replica
// has a worker thread that connects, reads and, when the stream ends (the replica went away,
// restarted, or refused), records the gap and reconnects after a backoff (doubling to a
// maximum, reset by a connection). Consumers take decisions as values: fraudctl with take(),
// which waits; the console on `available` (queued to this object's thread), with take(0).
class DecisionStream : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::size_t queueCapacity = 10'000;
        std::chrono::milliseconds firstBackoff{250};
        std::chrono::milliseconds maxBackoff{10'000};
    };
    static constexpr std::size_t kMaxGaps = 100;

    DecisionStream(std::vector<ScorerEndpoint> endpoints, fraud::v1::WatchDecisionsRequest request,
                   Options options, QObject* parent = nullptr);
    DecisionStream(std::vector<ScorerEndpoint> endpoints, fraud::v1::WatchDecisionsRequest request,
                   QObject* parent = nullptr);
    ~DecisionStream() override;  // stops

    void start();
    // Cancels every call and joins the workers; take() returns what is queued, then nothing.
    void stop();
    // Up to `max` queued decisions, oldest first; waits up to `wait` for the first.
    std::vector<fraud::v1::LiveDecision> take(std::size_t max, std::chrono::milliseconds wait);
    DecisionStreamStats stats() const;

signals:
    // The queue went from empty to not empty. Connect before start(), as for
    // connectionChanged: a stream started with no receiver posts nothing.
    void available();
    void connectionChanged(const fraudops::DecisionStreamConnection& connection);

private:
    struct Worker;
    void run(Worker& worker, std::stop_token stop);
    void push(fraud::v1::LiveDecision&& decision);
    void setConnection(Worker& worker, bool connected, const QString& error);

    std::vector<ScorerEndpoint> endpoints_;
    fraud::v1::WatchDecisionsRequest request_;
    Options options_;
    mutable std::mutex mutex_;
    std::condition_variable_any queued_;
    std::deque<fraud::v1::LiveDecision> queue_;
    DecisionStreamStats stats_;
    std::atomic<bool> running_{false};
    bool notifyAvailable_ = false, notifyConnections_ = false;  // set by start(), then read only
    std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::DecisionStreamConnection)
