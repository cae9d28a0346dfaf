#include "features/CardHistoryStore.h"

#include <algorithm>
#include <limits>

#include "common/Hash.h"

namespace fraud {
namespace {

std::int64_t floorSeconds(EpochMillis ms) {
    return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}

std::int32_t clampToInt32(std::int64_t v) {
    return static_cast<std::int32_t>(std::clamp<std::int64_t>(
        v, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
}

// CardEvent::id in 16 bits, never 0 ("no id") for an event with one.
std::uint16_t tagOf(std::uint32_t id) {
    return id == 0 ? 0 : static_cast<std::uint16_t>(std::max<std::uint32_t>(1, id & 0xffffu));
}

}  // namespace

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
    return sizeof(Card) + sizeof(std::uint64_t) + 2 * sizeof(void*) + sizeof(std::size_t);
}

std::uint32_t CardHistoryStore::processingSeconds() const {
    return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::steady_clock::now() - started_)
                                          .count());
}

CardHistoryView CardHistoryStore::view(const Card* card, const CardEvent& event) {
    CardHistoryView view;
    if (card == nullptr) {
        view.newDevice = event.hasDevice;
        return view;
    }
    const std::int32_t t = clampToInt32(floorSeconds(event.time) - card->baseSeconds);
    const int self = indexOf(*card, event, t);  // a re-score or a retry: not its own history
    double sumAll = 0;
    std::int32_t latest = std::numeric_limits<std::int32_t>::min();
    for (int i = 0; i < card->events; ++i) {
        const std::int32_t time = card->time[static_cast<std::size_t>(i)];
        if (time > t || i == self)
            continue;  // later in event time: not history yet
        const double amount = card->amount[static_cast<std::size_t>(i)];
        ++view.remembered;
        sumAll += amount;
        latest = std::max(latest, time);
        // Windows are half-open: (t - window, t].
        if (time > t - 3600)
            ++view.count1h;
        if (time > t - 86400) {
            ++view.count24h;
            view.amountSum24h += amount;
        }
    }
    if (view.remembered > 0) {
        view.meanAmount = sumAll / view.remembered;
        view.secondsSinceLast = static_cast<double>(t - latest);
    }
    view.newMerchant = !card->merchants.seenBy(event.merchant, t, self >= 0);
    view.newDevice = event.hasDevice && !card->devices.seenBy(event.device, t, self >= 0);
    return view;
}

int CardHistoryStore::indexOf(const Card& card, const CardEvent& event, std::int32_t t) {
    const std::uint16_t tag = tagOf(event.id);
    if (tag == 0)
        return -1;
    for (int i = 0; i < card.events; ++i) {
        const auto at = static_cast<std::size_t>(i);
        if (card.tag[at] == tag && card.time[at] == t)
            return i;
    }
    return -1;
}

CardHistoryView CardHistoryStore::observe(std::string_view cardId, const CardEvent& event,
                                          bool record) {
    const std::uint64_t key = hash64(cardId);
    Shard& shard = *shards_[key % shards_.size()];

    std::lock_guard lock(shard.mutex);
    auto it = shard.cards.find(key);
    const CardHistoryView seen = view(it == shard.cards.end() ? nullptr : &it->second, event);
    if (record) {
        if (it == shard.cards.end()) {
            if (shard.cards.size() >= perShardCapacity_)
                makeRoom(shard);
            it = shard.cards.try_emplace(key).first;
            it->second.baseSeconds = floorSeconds(event.time);
        }
        Card& card = it->second;
        card.lastTouch = processingSeconds();
        const std::int32_t t = clampToInt32(floorSeconds(event.time) - card.baseSeconds);
        if (indexOf(card, event, t) < 0)
            remember(card, event, t);
    }
    return seen;
}

std::uint8_t CardHistoryStore::flagCard(std::string_view cardId, std::uint64_t generation,
                                        std::uint8_t bits, EpochMillis now) {
    const std::uint64_t key = hash64(cardId);
    Shard& shard = *shards_[key % shards_.size()];
    std::lock_guard lock(shard.mutex);
    auto it = shard.cards.find(key);
    if (it == shard.cards.end()) {
        if (shard.cards.size() >= perShardCapacity_)
            makeRoom(shard);
        it = shard.cards.try_emplace(key).first;
        it->second.baseSeconds = floorSeconds(now);
        it->second.lastTouch = processingSeconds();
    }
    Card& card = it->second;
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
                                                    const CardEvent& event) const {
    const std::uint64_t key = hash64(cardId);
    const Shard& shard = *shards_[key % shards_.size()];
    Card scratch;
    bool known = false;
    {
        std::lock_guard lock(shard.mutex);
        if (const auto it = shard.cards.find(key); it != shard.cards.end()) {
            scratch = it->second;
            known = true;
        }
    }
    if (!known && prior.empty())
        return view(nullptr, event);
    if (!known)
        scratch.baseSeconds = floorSeconds(event.time);
    for (const CardEvent& p : prior) {
        const std::int32_t t = clampToInt32(floorSeconds(p.time) - scratch.baseSeconds);
        if (indexOf(scratch, p, t) < 0)
            remember(scratch, p, t);
    }
    return view(&scratch, event);
}

void CardHistoryStore::remember(Card& card, const CardEvent& event, std::int32_t t) {
    std::size_t slot = card.events;
    if (card.events < kCardEventCapacity) {
        ++card.events;
    } else {
        // Full: the oldest event in event time makes way, unless the new one is older still.
        slot = static_cast<std::size_t>(std::min_element(card.time.begin(), card.time.end()) -
                                        card.time.begin());
        if (card.time[slot] >= t)
            slot = kCardEventCapacity;
    }
    if (slot < kCardEventCapacity) {
        card.time[slot] = t;
        card.amount[slot] = static_cast<float>(event.amount);
        card.tag[slot] = tagOf(event.id);
    }
    card.merchants.remember(event.merchant, t);
    if (event.hasDevice) {
        card.devices.remember(event.device, t);
    }
}

template <std::size_t N>
bool CardHistoryStore::SeenSet<N>::seenBy(std::uint32_t h, std::int32_t t, bool self) const {
    for (std::size_t i = 0; i < count; ++i) {
        if (hash[i] == h && (firstSeen[i] < t || (firstSeen[i] == t && !self)))
            return true;
    }
    return false;
}

template <std::size_t N>
void CardHistoryStore::SeenSet<N>::remember(std::uint32_t h, std::int32_t t) {
    std::size_t slot = count;
    for (std::size_t i = 0; i < count; ++i) {
        if (hash[i] == h) {
            slot = i;
            break;
        }
    }
    if (slot < count) {
        firstSeen[slot] = std::min(firstSeen[slot], t);
    } else if (count < N) {
        slot = count++;
        hash[slot] = h;
        firstSeen[slot] = t;
        age[slot] = static_cast<std::uint8_t>(N);  // older than all: every other entry ages below
    } else {
        slot = static_cast<std::size_t>(std::max_element(age.begin(), age.end()) - age.begin());
        hash[slot] = h;
        firstSeen[slot] = t;
    }
    // Everything used more recently than this entry ages by one; it becomes the newest.
    const std::uint8_t was = age[slot];
    for (std::size_t i = 0; i < count; ++i) {
        if (age[i] < was)
            ++age[i];
    }
    age[slot] = 0;
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

}  // namespace fraud
