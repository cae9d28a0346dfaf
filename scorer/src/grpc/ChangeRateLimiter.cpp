#include "grpc/ChangeRateLimiter.h"

#include <algorithm>
#include <cmath>

namespace fraud {

ChangeRateLimiter::ChangeRateLimiter(Options options) : options_(options) {
    options_.burst = std::max(1.0, options_.burst);
}

ChangeRateLimiter::Bucket& ChangeRateLimiter::refill(const std::string& identity,
                                                     Clock::time_point now) {
    auto [it, added] = buckets_.try_emplace(identity, Bucket{options_.burst, now});
    Bucket& b = it->second;
    if (!added && now > b.updated) {
        const double minutes =
            std::chrono::duration<double, std::ratio<60>>(now - b.updated).count();
        b.tokens = std::min(options_.burst, b.tokens + minutes * options_.perMinute);
        b.updated = now;
    }
    return b;
}

std::optional<std::chrono::milliseconds> ChangeRateLimiter::waitBeforeChange(
    const std::string& identity, Clock::time_point now) {
    if (options_.perMinute <= 0)
        return std::nullopt;
    std::lock_guard lock(mutex_);
    const Bucket& b = refill(identity, now);
    // A whole token, give or take the rounding of the refill's arithmetic.
    if (b.tokens >= 1 - 1e-9)
        return std::nullopt;
    const double ms = (1 - b.tokens) / options_.perMinute * 60'000;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(ms)));
}

void ChangeRateLimiter::changed(const std::string& identity, Clock::time_point now) {
    if (options_.perMinute <= 0)
        return;
    std::lock_guard lock(mutex_);
    Bucket& b = refill(identity, now);
    b.tokens = std::max(0.0, b.tokens - 1);
}

}  // namespace fraud
