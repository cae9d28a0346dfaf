#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/Time.h"

namespace fraud {

// runner-lease.json: which rollout runner drives the release. A runner acquires the lease for
// a time to live and renews it well before it runs out; while it holds it no other runner
// acts, and if it goes away the lease expires and another takes over (the canary stays at its
// weight meanwhile). Every time here is on the clock of the scorer that wrote it, never the
// runner's, so runners on machines with skewed clocks still agree on who holds the lease.
struct RunnerLease {
    std::string holder;    // the runner's own name, e.g. "fraudctl@build-7:4123"
    std::string identity;  // the token's identity that acquired it
    std::string leaseId;   // a random secret: renew and release present it
    EpochMillis acquiredMs = 0;
    EpochMillis renewedMs = 0;
    EpochMillis expiresMs = 0;
    std::int64_t ttlMs = 0;

    bool expiredAt(EpochMillis now) const { return now >= expiresMs; }
    nlohmann::json toJson() const;
    static RunnerLease fromJson(const nlohmann::json& j);
    friend bool operator==(const RunnerLease&, const RunnerLease&) = default;
};

// Shortest and longest time to live a runner may ask for: shorter than a second would expire
// between two renewals on a busy machine; longer than ten minutes leaves a dead runner's
// rollout unattended for too long.
inline constexpr std::int64_t kMinLeaseTtlMs = 1'000;
inline constexpr std::int64_t kMaxLeaseTtlMs = 600'000;

// What a lease request decides, given the current lease (if any) and the scorer's clock.
struct LeaseDecision {
    bool granted = false;
    RunnerLease lease;   // the new lease if granted; otherwise the one that stands
    std::string reason;  // why not, for the caller
};

// A new lease for `holder` if there is none, it expired, or `holder` holds it already (a
// runner restarted under the same name takes its lease back without waiting it out).
LeaseDecision decideAcquire(const std::optional<RunnerLease>& current, const std::string& holder,
                            const std::string& identity, std::int64_t ttlMs, EpochMillis now,
                            const std::string& newLeaseId);
// The lease extended by `ttlMs` from now, if `leaseId` is the current, unexpired lease. An
// expired lease is never renewed, even if nobody took it: its holder must assume it lost it.
LeaseDecision decideRenew(const std::optional<RunnerLease>& current, const std::string& leaseId,
                          std::int64_t ttlMs, EpochMillis now);

// 128 random bits as hex, from the operating system's generator.
std::string newLeaseId();

}  // namespace fraud
