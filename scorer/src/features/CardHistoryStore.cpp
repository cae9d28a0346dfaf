#include "features/CardHistoryStore.h"

#include <algorithm>

#include "common/Hash.h"

namespace fraud {

CardHistoryStore::CardHistoryStore() : CardHistoryStore(Options{}) {}

CardHistoryStore::CardHistoryStore(Options options)
    : options_(options),
      perShardCapacity_(
          std::max<std::size_t>(1, options.maxCards / std::max<std::size_t>(1, options.shards))),
      started_(std::chrono::steady_clock::now()) {
    shards_.reserve(std::max<std::size_t>(1, options_.shards));
    for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.shards); ++i) {
        shards_.push_back(std::make_unique<Shard>());
    }
}

CardHistoryStore::~CardHistoryStore() = default;

std::size_t CardHistoryStore::bytesPerCard() {
    // The node of an unordered_map: key, value, next pointer, cached hash; plus a bucket slot.
    return sizeof(CardRecord) + sizeof(std::uint64_t) + 2 * sizeof(void*) + sizeof(std::size_t);
}

std::uint32_t CardHistoryStore::processingSeconds() const {
    return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::steady_clock::now() - started_)
                                          .count());
}

CardHistoryView CardHistoryStore::observe(std::string_view cardId, const CardEvent& event,
                                          bool record) {
    const std::uint64_t key = hash64(cardId);
    Shard& shard = shardOf(key);

    std::lock_guard lock(shard.mutex);
    auto it = shard.cards.find(key);
    const CardHistoryView seen =
        CardRecord::view(it == shard.cards.end() ? nullptr : &it->second, event);
    if (record) {
        if (it == shard.cards.end()) {
            if (shard.cards.size() >= perShardCapacity_)
                makeRoom(shard);
            it = shard.cards.emplace(key, CardRecord::startingAt(event.time)).first;
        }
        it->second.lastTouch = processingSeconds();
        it->second.record(event);
    }
    return seen;
}

std::uint8_t CardHistoryStore::flagCard(std::string_view cardId, std::uint64_t generation,
                                        std::uint8_t bits, EpochMillis now) {
    const std::uint64_t key = hash64(cardId);
    Shard& shard = shardOf(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.cards.find(key);
    if (it == shard.cards.end()) {
        if (shard.cards.size() >= perShardCapacity_)
            makeRoom(shard);
        it = shard.cards.emplace(key, CardRecord::startingAt(now)).first;
        it->second.lastTouch = processingSeconds();
    }
    CardRecord& card = it->second;
    const auto g = static_cast<std::uint16_t>(generation);
    if (card.flagGeneration != g) {
        card.flagGeneration = g;
        card.flags = 0;
    }
    const auto fresh = static_cast<std::uint8_t>(bits & ~card.flags);
    card.flags |= bits;
    return fresh;
}

CardHistoryView CardHistoryStore::observeWithPriors(std::string_view cardId,
                                                    std::span<const CardEvent> prior,
                                                    const CardEvent& event) {
    const std::uint64_t key = hash64(cardId);
    const Shard& shard = shardOf(key);
    CardRecord scratch = CardRecord::startingAt(event.time);
    bool known = false;
    {
        std::lock_guard lock(shard.mutex);
        if (const auto it = shard.cards.find(key); it != shard.cards.end()) {
            scratch = it->second;
            known = true;
        }
    }
    if (!known && prior.empty())
        return CardRecord::view(nullptr, event);
    for (const CardEvent& p : prior)
        scratch.record(p);
    return CardRecord::view(&scratch, event);
}

void CardHistoryStore::makeRoom(Shard& shard) {
    // Approximate LRU, as Redis does: sample a few cards from pseudo-random buckets and
    // evict the least recently touched. Exact LRU would cost a list node per card.
    constexpr int kSamples = 5;
    auto victim = shard.cards.end();
    const std::size_t buckets = shard.cards.bucket_count();
    for (int s = 0, tries = 0; s < kSamples && tries < 64; ++tries) {
        shard.sampler = mix64(shard.sampler + 0x9e3779b97f4a7c15ULL);
        const std::size_t b = shard.sampler % buckets;
        if (shard.cards.bucket_size(b) == 0)
            continue;
        // A bucket's first card stands for the bucket.
        const auto candidate = shard.cards.find(shard.cards.begin(b)->first);
        if (victim == shard.cards.end() || candidate->second.lastTouch < victim->second.lastTouch) {
            victim = candidate;
        }
        ++s;
    }
    if (victim == shard.cards.end())
        victim = shard.cards.begin();
    if (victim != shard.cards.end())
        shard.cards.erase(victim);
}

std::size_t CardHistoryStore::size() const {
    std::size_t n = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        n += shard->cards.size();
    }
    return n;
}

std::size_t CardHistoryStore::evictIdle() {
    const std::uint32_t now = processingSeconds();
    const auto ttl = static_cast<std::uint32_t>(options_.idleTtl.count());
    if (now < ttl)
        return 0;
    const std::uint32_t cutoff = now - ttl;
    std::size_t evicted = 0;
    for (auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        evicted += std::erase_if(
            shard->cards, [cutoff](const auto& entry) { return entry.second.lastTouch < cutoff; });
    }
    return evicted;
}

void CardHistoryStore::forEachCard(
    const std::function<void(std::uint64_t, const CardRecord&, std::uint32_t)>& visit) const {
    const std::uint32_t now = processingSeconds();
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        for (const auto& [key, card] : shard->cards)
            visit(key, card, now >= card.lastTouch ? now - card.lastTouch : 0);
    }
}

void CardHistoryStore::restore(std::uint64_t key, const CardRecord& card,
                               std::uint32_t idleSeconds) {
    Shard& shard = shardOf(key);
    std::lock_guard lock(shard.mutex);
    if (shard.cards.size() >= perShardCapacity_ && !shard.cards.contains(key))
        makeRoom(shard);
    CardRecord& kept = shard.cards[key] = card;
    // Processing time starts at 0 with the store, so a card idle longer than the store has run
    // is as idle as the clock can say; the TTL check at load dropped the ones past the TTL.
    const std::uint32_t now = processingSeconds();
    kept.lastTouch = now >= idleSeconds ? now - idleSeconds : 0;
}

}  // namespace fraud
