#pragma once

#include <atomic>
#include <chrono>
#include <mutex>

namespace fraud {

// Stops calling a dependency that keeps failing, so that each request does not wait out a
// timeout: after `failures` consecutive failures it opens for `openFor`, and calls fail at once;
// then one trial call goes through (half-open), and its outcome closes or reopens it.
class CircuitBreaker {
public:
    enum class State { Closed, Open, HalfOpen };
    using Clock = std::chrono::steady_clock;

    CircuitBreaker(int failures, std::chrono::milliseconds openFor)
        : threshold_(failures), openFor_(openFor) {}

    // Whether a call may go out now. In half-open state only one caller gets true (the
    // trial), until it reports.
    bool allow(Clock::time_point now = Clock::now());
    void succeeded();
    void failed(Clock::time_point now = Clock::now());
    State state() const;

private:
    const int threshold_;
    const std::chrono::milliseconds openFor_;
    mutable std::mutex mutex_;
    State state_ = State::Closed;
    int consecutive_ = 0;
    Clock::time_point openedAt_{};
    bool trialOut_ = false;
};

}  // namespace fraud
