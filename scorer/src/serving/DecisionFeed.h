#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "fraud/v1/scoring.pb.h"
#include "model/LoadedModel.h"

namespace fraud {

// Live decisions for WatchDecisions: the scoring path offers each decision; every watcher
// whose filter it passes and whose rate allows it gets a copy in its own bounded queue, and a
// dispatcher thread hands queued events to the watcher's stream one write at a time. Offering
// never waits for a watcher: a full queue drops the event and counts it (per watcher, for
// LiveDecision.dropped_before, and in fraud_scorer_watch_events_dropped_total), so a slow or
// stuck consumer never holds back scoring. With no watcher, offering is one atomic load.
class DecisionFeed {
public:
    struct Filter {
        double minScore = 0;
        std::vector<v1::Decision> decisions;  // empty: all
        std::vector<v1::Variant> variants;    // empty: all
        double maxPerSecond = 0;
        bool explain = false;
    };
    // One decision on its way to a watcher; the explanation is computed when it is sent.
    struct Event {
        v1::LiveDecision message;
        std::shared_ptr<const LoadedModel> model;
        std::vector<float> inputs;
    };
    struct Watcher;
    using Send = std::function<void(Event&&)>;

    DecisionFeed(std::string replica, prometheus::Counter& dropped, prometheus::Gauge& watchers,
                 std::size_t queueCapacity = 256);
    ~DecisionFeed();

    // `send` is called from the dispatcher thread with one event at a time; the watcher calls
    // writeDone when that event has been written (ok false: the stream is gone).
    std::shared_ptr<Watcher> subscribe(Filter filter, Send send);
    void writeDone(const std::shared_ptr<Watcher>& w);
    // After this returns, `send` is never called again for `w`.
    void unsubscribe(const std::shared_ptr<Watcher>& w);

    bool watched() const { return watcherCount_.load(std::memory_order_relaxed) > 0; }
    // One decision as the scoring path has it; copied only for a watcher that takes it.
    struct Offer {
        const v1::Transaction& tx;
        const v1::ScoreResult& result;
        std::uint64_t generation = 0;                     // of the serving set that decided
        const std::shared_ptr<const LoadedModel>& model;  // that decided
        std::span<const float> inputs;                    // the model's, for an explanation
    };
    void offer(const Offer& decision);

    void setReplica(std::string replica);

private:
    void dispatch(std::stop_token stop);

    std::string replica_;
    prometheus::Counter& dropped_;
    prometheus::Gauge& watchersGauge_;
    std::size_t capacity_;
    std::atomic<int> watcherCount_{0};
    mutable std::mutex mutex_;
    std::condition_variable_any changed_;
    std::list<std::shared_ptr<Watcher>> watchers_;
    std::jthread dispatcher_;
};

}  // namespace fraud
