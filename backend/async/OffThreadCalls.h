#pragma once

#include <QMetaObject>
#include <QObject>
#include <QThreadPool>
#include <atomic>
#include <memory>
#include <utility>

namespace fraudops {

// The one way the backend's clients run blocking calls (gRPC, HTTP) off the caller's thread:
// each call runs on a worker of this object's own pool, and its result, a value, is handed to
// `deliver` on the owner's thread through a queued call. The owner emits it as a signal, so a
// receiver that is gone simply gets nothing (Qt drops the connection with the receiver).
//
// Make it a member of the owning QObject: its destructor stops new deliveries, drops queued
// calls and waits for running ones; a call already posted to the owner is dropped by Qt with
// the owner. Calls check `alive()` to give up early (libcurl's abort callback does).
class OffThreadCalls {
public:
    explicit OffThreadCalls(QObject* owner, int workers = 4)
        : owner_(owner), alive_(std::make_shared<std::atomic<bool>>(true)) {
        pool_.setMaxThreadCount(std::max(1, workers));
    }
    OffThreadCalls(const OffThreadCalls&) = delete;
    OffThreadCalls& operator=(const OffThreadCalls&) = delete;
    ~OffThreadCalls() {
        alive_->store(false);
        pool_.clear();
        pool_.waitForDone();
    }

    // `work()` on a worker; then `deliver(result)` on the owner's thread.
    template <typename Work, typename Deliver>
    void run(Work work, Deliver deliver) {
        pool_.start([owner = owner_, alive = alive_, work = std::move(work),
                     deliver = std::move(deliver)]() mutable {
            auto result = work();
            if (!alive->load())
                return;
            // The destructor waits for this job, so `owner` is still a QObject here.
            QMetaObject::invokeMethod(
                owner,
                [alive, deliver = std::move(deliver), result = std::move(result)]() mutable {
                    if (alive->load())
                        deliver(std::move(result));
                },
                Qt::QueuedConnection);
        });
    }

    // Cleared when the owner goes: long calls poll it to stop early.
    std::shared_ptr<const std::atomic<bool>> alive() const { return alive_; }
    int activeCalls() const { return pool_.activeThreadCount(); }

private:
    QObject* owner_;
    std::shared_ptr<std::atomic<bool>> alive_;
    QThreadPool pool_;
};

}  // namespace fraudops
