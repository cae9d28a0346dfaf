#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "features/CardHistory.h"
#include "features/CardRecord.h"

namespace fraud {

// Card history in the scorer's own memory, the default: sharded so request threads rarely
// contend, bounded by card count (evicting the least recently touched cards, sampled) and by
// idle age. Keyed by a 64-bit hash of the card id. CardHistorySnapshot keeps it across restarts.
class CardHistoryStore final : public CardHistory {
public:
    struct Options {
        std::size_t shards = 64;
        std::size_t maxCards = 1'000'000;
        std::chrono::seconds idleTtl = std::chrono::hours(24 * 7);
    };

    CardHistoryStore();
    explicit CardHistoryStore(Options options);
    ~CardHistoryStore() override;
    CardHistoryStore(const CardHistoryStore&) = delete;
    CardHistoryStore& operator=(const CardHistoryStore&) = delete;

    CardHistoryView observe(std::string_view cardId, const CardEvent& event, bool record) override;
    CardHistoryView observeWithPriors(std::string_view cardId, std::span<const CardEvent> prior,
                                      const CardEvent& event) override;
    std::uint8_t flagCard(std::string_view cardId, std::uint64_t generation, std::uint8_t bits,
                          EpochMillis now) override;
    std::size_t size() const override;
    std::size_t maintain() override { return evictIdle(); }
    std::string kind() const override { return "memory"; }

    // Forgets cards untouched (by processing time) for longer than the idle TTL.
    std::size_t evictIdle();
    static std::size_t bytesPerCard();
    const Options& options() const { return options_; }

    // For snapshots: every card with its key and how long it has been idle, shard by shard
    // (each shard locked while it is visited)...
    void forEachCard(const std::function<void(std::uint64_t key, const CardRecord& card,
                                              std::uint32_t idleSeconds)>& visit) const;
    // ...and a card put back, idle for `idleSeconds` already. Replaces a card of the same key.
    void restore(std::uint64_t key, const CardRecord& card, std::uint32_t idleSeconds);

private:
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::uint64_t, CardRecord> cards;
        std::uint64_t sampler = 0;
    };

    std::uint32_t processingSeconds() const;
    void makeRoom(Shard& shard);
    Shard& shardOf(std::uint64_t key) const { return *shards_[key % shards_.size()]; }

    Options options_;
    std::size_t perShardCapacity_;
    std::chrono::steady_clock::time_point started_;
    std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace fraud
