#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fraud {

// Admission control for scoring calls: a fixed number of workers take calls from one queue,
// and a call that the calls ahead of it would keep waiting past a bound is refused at once.
// Under overload the calls admitted keep their latency and the ones refused cost almost
// nothing, where an unbounded queue serves every call too late (congestion collapse: at twice
// capacity without it, 2 of 45,000 explanations met a 1 s deadline). Triton's max_queue_size
// and Envoy's overload manager are the models.
//
// The wait is predicted from the calls queued and a moving average of the time a call takes,
// so the bound holds for cheap and expensive calls alike. A call once admitted is served: a
// wait measured at the worker mostly measures the host's CPU contention, not the queue (a
// check there refused calls with nothing ahead of them on a busy test machine).
class AdmissionQueue {
public:
    using Clock = std::chrono::steady_clock;

    struct Options {
        int workers = 1;                            // calls worked on at once
        std::size_t maxQueued = 1000;               // calls waiting, at most (memory)
        std::chrono::microseconds maxWait{20'000};  // predicted wait; 0: no time bound
        // Added to the workers' nice value: above 0, taking in and refusing calls goes ahead
        // of scoring on a saturated CPU. Only for a host the scorer has to itself: other
        // processes there would go ahead of scoring too.
        int workerNiceness = 0;
    };
    enum class Refusal { None, QueueFull, WaitTooLong };
    // What a refusal says: the calls ahead and the predicted wait.
    struct Verdict {
        Refusal refusal = Refusal::None;
        std::size_t ahead = 0;
        std::chrono::microseconds predictedWait{0};
    };
    // Called once, on a worker.
    using Job = std::function<void()>;

    explicit AdmissionQueue(Options options);
    // Runs what is queued, then stops the workers.
    ~AdmissionQueue();
    AdmissionQueue(const AdmissionQueue&) = delete;
    AdmissionQueue& operator=(const AdmissionQueue&) = delete;

    // Queues `job`, or refuses it at once without calling it.
    Verdict submit(Job job);

    const Options& options() const { return options_; }
    std::size_t queued() const;
    // The moving average of a call's time on a worker.
    std::chrono::microseconds serviceTime() const {
        return std::chrono::microseconds(serviceNanos_.load(std::memory_order_relaxed) / 1000);
    }

private:
    void work();

    const Options options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    // Written by whichever worker finished last, without a lock: an estimate, and a lost
    // update only delays it by one call.
    std::atomic<std::int64_t> serviceNanos_{0};
    std::vector<std::jthread> workers_;
};

}  // namespace fraud
