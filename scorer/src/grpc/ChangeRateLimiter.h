#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace fraud {

// How many control changes each identity may make: a token bucket per identity, `burst`
// deep, refilled at `perMinute`. It bounds what a runaway script or a stolen admin token can
// do to the registry (every rollout change appends an audit line and makes every replica
// reload). A change is admitted while the bucket holds a token and takes one only when it is
// made, so refused and failed calls cost nothing. A runner's lease renewals and its progress
// writes under the lease are not changes here: they replace one file, paced by its interval.
class ChangeRateLimiter {
public:
    using Clock = std::chrono::steady_clock;
    struct Options {
        double perMinute = 30;  // 0: no limit
        double burst = 30;
    };

    explicit ChangeRateLimiter(Options options);

    // How long `identity` must wait before its next change; nullopt: it may change now.
    std::optional<std::chrono::milliseconds> waitBeforeChange(const std::string& identity,
                                                              Clock::time_point now = Clock::now());
    // Takes a token for a change `identity` made.
    void changed(const std::string& identity, Clock::time_point now = Clock::now());
    const Options& options() const { return options_; }

private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point updated;
    };
    Bucket& refill(const std::string& identity, Clock::time_point now);

    Options options_;
    std::mutex mutex_;
    std::map<std::string, Bucket> buckets_;  // one per identity in the tokens file
};

}  // namespace fraud
