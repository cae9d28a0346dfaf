#include "features/CardRecord.h"

#include <algorithm>
#include <limits>

namespace fraud {
namespace {

std::int32_t clampToInt32(std::int64_t v) {
    return static_cast<std::int32_t>(std::clamp<std::int64_t>(
        v, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
}

}  // namespace

CardRecord CardRecord::startingAt(EpochMillis origin) {
    CardRecord card;
    card.baseSeconds = floorSeconds(origin);
    return card;
}

std::int32_t CardRecord::relative(EpochMillis t) const {
    return clampToInt32(floorSeconds(t) - baseSeconds);
}

CardHistoryView CardRecord::view(const CardRecord* card, const CardEvent& event) {
    CardHistoryView view;
    if (card == nullptr) {
        view.newDevice = event.hasDevice;
        return view;
    }
    const std::int32_t t = card->relative(event.time);
    const int self = card->indexOf(event, t);  // a re-score or a retry: not its own history
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

int CardRecord::indexOf(const CardEvent& event, std::int32_t t) const {
    const std::uint16_t eventTag = cardEventTag(event.id);
    if (eventTag == 0)
        return -1;
    for (int i = 0; i < events; ++i) {
        const auto at = static_cast<std::size_t>(i);
        if (tag[at] == eventTag && time[at] == t)
            return i;
    }
    return -1;
}

bool CardRecord::record(const CardEvent& event) {
    const std::int32_t t = relative(event.time);
    if (indexOf(event, t) >= 0)
        return false;
    remember(event, t);
    return true;
}

void CardRecord::remember(const CardEvent& event, std::int32_t t) {
    std::size_t slot = events;
    if (events < kCardEventCapacity) {
        ++events;
    } else {
        // Full: the oldest event in event time makes way, unless the new one is older still.
        slot = static_cast<std::size_t>(std::min_element(time.begin(), time.end()) - time.begin());
        if (time[slot] >= t)
            slot = kCardEventCapacity;
    }
    if (slot < kCardEventCapacity) {
        time[slot] = t;
        amount[slot] = static_cast<float>(event.amount);
        tag[slot] = cardEventTag(event.id);
    }
    merchants.remember(event.merchant, t);
    if (event.hasDevice)
        devices.remember(event.device, t);
}

template <std::size_t N>
bool CardRecord::SeenSet<N>::seenBy(std::uint32_t h, std::int32_t t, bool self) const {
    for (std::size_t i = 0; i < count; ++i) {
        if (hash[i] == h && (firstSeen[i] < t || (firstSeen[i] == t && !self)))
            return true;
    }
    return false;
}

template <std::size_t N>
void CardRecord::SeenSet<N>::remember(std::uint32_t h, std::int32_t t) {
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

template struct CardRecord::SeenSet<kCardMerchantCapacity>;
template struct CardRecord::SeenSet<kCardDeviceCapacity>;

}  // namespace fraud
