#include "serving/AdmissionQueue.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace fraud {

AdmissionQueue::AdmissionQueue(Options options) : options_(options) {
    if (options_.workers < 1)
        throw std::invalid_argument("an admission queue needs at least one worker");
    workers_.reserve(static_cast<std::size_t>(options_.workers));
    for (int i = 0; i < options_.workers; ++i) {
        workers_.emplace_back([this, i] {
            // Named for top -H and perf. With a niceness, below gRPC's threads in priority, so
            // that taking in and refusing calls (tens of microseconds each) is not held up
            // behind scoring (milliseconds for an explanation) on a saturated CPU.
            const std::string name = "score-worker-" + std::to_string(i);
            pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
            if (options_.workerNiceness > 0) {
                const auto tid = static_cast<id_t>(::gettid());
                setpriority(PRIO_PROCESS, tid,
                            getpriority(PRIO_PROCESS, tid) + options_.workerNiceness);
            }
            work();
        });
    }
}

AdmissionQueue::~AdmissionQueue() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    workers_.clear();  // joins, once the queue is empty
}

AdmissionQueue::Verdict AdmissionQueue::submit(Job job) {
    Verdict verdict;
    {
        std::lock_guard lock(mutex_);
        verdict.ahead = queue_.size();
        // Calls ahead, shared among the workers, each the average time: what this one waits.
        verdict.predictedWait = std::chrono::microseconds(
            static_cast<std::int64_t>(verdict.ahead) *
            serviceNanos_.load(std::memory_order_relaxed) / 1000 / options_.workers);
        if (verdict.ahead >= options_.maxQueued)
            verdict.refusal = Refusal::QueueFull;
        else if (options_.maxWait.count() > 0 && verdict.predictedWait > options_.maxWait)
            verdict.refusal = Refusal::WaitTooLong;
        else
            queue_.push_back(std::move(job));
    }
    if (verdict.refusal == Refusal::None)
        wake_.notify_one();
    return verdict;
}

std::size_t AdmissionQueue::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void AdmissionQueue::work() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty())
            return;  // stopping, and nothing left
        Job job = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        const auto start = Clock::now();
        job();
        // A moving average over about 16 calls: follows a change of traffic mix within
        // milliseconds, and one slow call moves it by a sixteenth.
        const auto took =
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
        const auto average = serviceNanos_.load(std::memory_order_relaxed);
        serviceNanos_.store(average == 0 ? took : average + (took - average) / 16,
                            std::memory_order_relaxed);
        lock.lock();
    }
}

}  // namespace fraud
