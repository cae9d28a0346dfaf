#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "features/CardHistory.h"
#include "features/CardHistoryStore.h"
#include "features/CircuitBreaker.h"

struct redisContext;

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace fraud {

// Card history in Redis, shared by every replica: behind a plain load balancer they agree
// about a card, and a restart, a crash or a scale-out forgets nothing.
//  - Atomic: each card's read-and-record is one server-side script (RedisCardScript.h), run
//    by EVALSHA: it returns the card's log and appends the event (CardLog.h), so Redis copies
//    bytes and the scorer computes; two replicas scoring one card at once each see the other's
//    transaction.
//  - One round trip a batch: observeBatch pipelines a script call per transaction.
//  - Pooled: a request thread takes a connection from the pool and gives it back, so each
//    thread in flight has its own and no connection is shared mid-pipeline.
//  - Bounded: a card's key expires `ttl` after its last transaction.
//  - When Redis is slow or down: each round trip has a timeout; after consecutive failures a
//    circuit breaker stops calling for a while (then tries one call), and scoring fails open
//    (views marked unavailable: their features are missing) or, if so configured, closed
//    (CardHistoryUnavailable).
// Keys carry the card id in a hash tag ("<prefix>card:{<card id>}"), so Redis Cluster puts
// each card on one slot. The per-card release flags (flagCard) stay in this replica's memory.
class RedisCardHistory final : public CardHistory {
public:
    struct Options {
        // "unix:/path/to/socket", "redis://host:port" or "host:port".
        std::string address;
        std::string password;  // AUTH, when set
        std::string keyPrefix = "fraudops:";
        std::chrono::seconds ttl = std::chrono::hours(24 * 7);
        std::chrono::milliseconds timeout{100};  // connect, and each round trip
        int breakerFailures = 3;
        std::chrono::milliseconds breakerOpenFor{1000};
        bool failClosed = false;
        CardHistoryStore::Options flags;  // the local store that keeps flagCard's bits
    };
    // Where the store reports (any may be null).
    struct Metrics {
        prometheus::Gauge* up = nullptr;  // 1 while the breaker is closed
        prometheus::Counter* timeouts = nullptr;
        prometheus::Counter* errors = nullptr;
        prometheus::Counter* rejected = nullptr;  // calls not made: the breaker was open
        prometheus::Histogram* roundTrip = nullptr;
    };

    explicit RedisCardHistory(Options options);
    RedisCardHistory(Options options, Metrics metrics);
    ~RedisCardHistory() override;

    // Connects once and loads the script: throws std::runtime_error with Redis's reason. A
    // scorer that starts while Redis is down still starts (see ScorerServer): this is for
    // tools and tests that want to know.
    void check();

    CardHistoryView observe(std::string_view cardId, const CardEvent& event, bool record) override;
    void observeBatch(std::span<const CardLookup> lookups, std::span<CardHistoryView> out) override;
    CardHistoryView observeWithPriors(std::string_view cardId, std::span<const CardEvent> prior,
                                      const CardEvent& event) override;
    std::uint8_t flagCard(std::string_view cardId, std::uint64_t generation, std::uint8_t bits,
                          EpochMillis now) override;
    std::size_t size() const override { return 0; }
    std::size_t maintain() override;
    std::string kind() const override { return "redis"; }

    std::string key(std::string_view cardId) const;
    CircuitBreaker::State breakerState() const { return breaker_.state(); }
    // A one-line account of the last failure ("timeout after 100 ms", Redis's error), for logs.
    std::string lastError() const;

private:
    struct Connection;
    struct Released {
        void operator()(Connection* c) const;
    };
    using ConnectionPtr = std::unique_ptr<Connection, Released>;

    ConnectionPtr connect();  // throws std::runtime_error
    ConnectionPtr acquire();
    void release(ConnectionPtr connection);
    // Runs the batch (records as each lookup says, unless `readOnly`) and fills `out`, and
    // `records` with the cards' states when given; throws RedisFailure.
    void run(Connection& c, std::span<const CardLookup> lookups, std::span<CardHistoryView> out,
             bool readOnly, std::vector<CardRecord>* records);
    // observeBatch's and observeWithPriors' common path: the breaker, the pool, the metrics.
    bool call(std::span<const CardLookup> lookups, std::span<CardHistoryView> out,
              std::vector<CardRecord>* records);
    void failed(const std::string& reason, bool timeout);

    Options options_;
    Metrics metrics_;
    CircuitBreaker breaker_;
    CardHistoryStore flags_;
    void loadScripts(redisContext& context);  // throws RedisFailure

    std::string recordSha_, compactSha_;
    mutable std::mutex mutex_;  // the pool, the scripts' SHA1s and lastError_
    std::vector<ConnectionPtr> pool_;
    std::string lastError_;
};

}  // namespace fraud
