#include "registry/RunnerLease.h"

#include <array>
#include <random>
#include <stdexcept>

#include "common/JsonInteger.h"

namespace fraud {

nlohmann::json RunnerLease::toJson() const {
    return {{"holder", holder},        {"identity", identity},
            {"lease_id", leaseId},     {"acquired_ms", acquiredMs},
            {"renewed_ms", renewedMs}, {"expires_ms", expiresMs},
            {"ttl_ms", ttlMs}};
}

RunnerLease RunnerLease::fromJson(const nlohmann::json& j) {
    RunnerLease l;
    try {
        l.holder = j.at("holder").get<std::string>();
        l.identity = j.value("identity", "");
        l.leaseId = j.at("lease_id").get<std::string>();
        l.acquiredMs = jsonInteger<EpochMillis>(j.at("acquired_ms"), "acquired_ms");
        l.renewedMs = jsonInteger<EpochMillis>(j.at("renewed_ms"), "renewed_ms");
        l.expiresMs = jsonInteger<EpochMillis>(j.at("expires_ms"), "expires_ms");
        l.ttlMs = jsonInteger<std::int64_t>(j.at("ttl_ms"), "ttl_ms");
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("runner-lease.json: ") + e.what());
    }
    return l;
}

LeaseDecision decideAcquire(const std::optional<RunnerLease>& current, const std::string& holder,
                            const std::string& identity, std::int64_t ttlMs, EpochMillis now,
                            const std::string& newLeaseIdValue) {
    if (current && !current->expiredAt(now) && current->holder != holder) {
        return {false, *current,
                "held by " + current->holder + " (" + current->identity + ") for another " +
                    std::to_string((current->expiresMs - now + 999) / 1000) + " s"};
    }
    RunnerLease lease;
    lease.holder = holder;
    lease.identity = identity;
    lease.leaseId = newLeaseIdValue;
    lease.acquiredMs = now;
    lease.renewedMs = now;
    lease.expiresMs = now + ttlMs;
    lease.ttlMs = ttlMs;
    return {true, lease, {}};
}

LeaseDecision decideRenew(const std::optional<RunnerLease>& current, const std::string& leaseId,
                          std::int64_t ttlMs, EpochMillis now) {
    if (!current)
        return {false, {}, "no runner holds the lease"};
    if (current->leaseId != leaseId)
        return {false, *current, "the lease is held by " + current->holder + " now"};
    if (current->expiredAt(now)) {
        return {false, *current,
                "the lease expired " + std::to_string((now - current->expiresMs) / 1000) +
                    " s ago; acquire it again"};
    }
    RunnerLease lease = *current;
    lease.renewedMs = now;
    lease.expiresMs = now + ttlMs;
    lease.ttlMs = ttlMs;
    return {true, lease, {}};
}

std::string newLeaseId() {
    std::random_device device;
    constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 4; ++i) {
        const std::uint32_t word = device();
        for (int nibble = 0; nibble < 8; ++nibble)
            id += kHex[(word >> (4 * nibble)) & 0xF];
    }
    return id;
}

}  // namespace fraud
