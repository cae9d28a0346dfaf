#include "serving/DecisionFeed.h"

#include <algorithm>
#include <deque>

namespace fraud {

struct DecisionFeed::Watcher {
    Filter filter;
    Send send;
    std::deque<Event> queue;
    // Token bucket: up to one second's worth of events at once.
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled = std::chrono::steady_clock::now();
    std::uint64_t droppedSinceLast = 0;
    bool busy = false;     // an event is being written
    bool sending = false;  // the dispatcher is inside `send`
    bool closed = false;
};

DecisionFeed::DecisionFeed(std::string replica, prometheus::Counter& dropped,
                           prometheus::Gauge& watchers, std::size_t queueCapacity)
    : replica_(std::move(replica)),
      dropped_(dropped),
      watchersGauge_(watchers),
      capacity_(queueCapacity),
      dispatcher_([this](std::stop_token stop) { dispatch(stop); }) {}

DecisionFeed::~DecisionFeed() {
    dispatcher_.request_stop();
    changed_.notify_all();
}

std::shared_ptr<DecisionFeed::Watcher> DecisionFeed::subscribe(Filter filter, Send send) {
    auto w = std::make_shared<Watcher>();
    w->filter = std::move(filter);
    w->tokens = std::max(1.0, w->filter.maxPerSecond);
    w->send = std::move(send);
    std::lock_guard lock(mutex_);
    watchers_.push_back(w);
    watcherCount_.store(static_cast<int>(watchers_.size()));
    watchersGauge_.Set(static_cast<double>(watchers_.size()));
    return w;
}

void DecisionFeed::writeDone(const std::shared_ptr<Watcher>& w) {
    std::lock_guard lock(mutex_);
    w->busy = false;
    changed_.notify_all();
}

void DecisionFeed::unsubscribe(const std::shared_ptr<Watcher>& w) {
    std::unique_lock lock(mutex_);
    w->closed = true;
    changed_.wait(lock, [&] { return !w->sending; });
    watchers_.remove(w);
    watcherCount_.store(static_cast<int>(watchers_.size()));
    watchersGauge_.Set(static_cast<double>(watchers_.size()));
}

void DecisionFeed::offer(const Offer& decision) {
    const v1::ScoreResult& result = decision.result;
    const auto now = std::chrono::steady_clock::now();
    bool queued = false;
    std::lock_guard lock(mutex_);
    for (const auto& w : watchers_) {
        const Filter& f = w->filter;
        if (w->closed || result.score() < f.minScore)
            continue;
        if (!f.decisions.empty() && std::find(f.decisions.begin(), f.decisions.end(),
                                              result.decision()) == f.decisions.end())
            continue;
        if (!f.variants.empty() &&
            std::find(f.variants.begin(), f.variants.end(), result.variant()) == f.variants.end())
            continue;
        // Sampling: past the rate, decisions are skipped (not dropped: never promised).
        const double elapsed = std::chrono::duration<double>(now - w->refilled).count();
        w->refilled = now;
        w->tokens = std::min(std::max(1.0, f.maxPerSecond), w->tokens + elapsed * f.maxPerSecond);
        if (w->tokens < 1)
            continue;
        w->tokens -= 1;
        if (w->queue.size() >= capacity_) {
            ++w->droppedSinceLast;
            dropped_.Increment();
            continue;
        }
        Event e;
        *e.message.mutable_transaction() = decision.tx;
        *e.message.mutable_result() = result;
        e.message.set_replica(replica_);
        e.message.set_generation(decision.generation);
        if (f.explain) {
            e.model = decision.model;
            e.inputs.assign(decision.inputs.begin(), decision.inputs.end());
        }
        w->queue.push_back(std::move(e));
        queued = true;
    }
    if (queued)
        changed_.notify_all();
}

void DecisionFeed::setReplica(std::string replica) {
    std::lock_guard lock(mutex_);
    replica_ = std::move(replica);
}

void DecisionFeed::dispatch(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        std::shared_ptr<Watcher> ready;
        for (const auto& w : watchers_) {
            if (!w->closed && !w->busy && !w->queue.empty()) {
                ready = w;
                break;
            }
        }
        if (!ready) {
            changed_.wait(lock, stop, [&] {
                return std::any_of(watchers_.begin(), watchers_.end(), [](const auto& w) {
                    return !w->closed && !w->busy && !w->queue.empty();
                });
            });
            continue;
        }
        Event e = std::move(ready->queue.front());
        ready->queue.pop_front();
        e.message.set_dropped_before(ready->droppedSinceLast);
        ready->droppedSinceLast = 0;
        ready->busy = true;
        ready->sending = true;
        lock.unlock();
        ready->send(std::move(e));  // may compute an explanation: outside the lock
        lock.lock();
        ready->sending = false;
        changed_.notify_all();
    }
}

}  // namespace fraud
