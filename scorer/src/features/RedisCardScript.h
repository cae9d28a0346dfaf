#pragma once

#include <string_view>

namespace fraud {

// The server-side script that reads, and optionally records into, one card's history in Redis,
// atomically (Redis runs a script to its end before any other command). It applies
// CardRecord's rules to the card's copy: the latest events, the oldest in event time making way
// when full; merchants and devices least recently used first out; an event remembered by its
// id and second is not recorded twice. It returns the state before the event, which the scorer
// turns into a CardRecord and views the same way the in-process store does.
//
// KEYS[1]: the card's key. ARGV: "w" to record or "r" to read; the event's second, amount (the
// bits of its float), merchant hash, has-device (0/1), device hash, id tag; the TTL in
// seconds; the capacities of events, merchants and devices.
//
// The state is one MessagePack array: n, n times, n amounts, n tags, m, m (merchant hash,
// first seen) pairs most recently used first, d, d device pairs likewise. Times are seconds.
extern const std::string_view kRedisCardScript;

}  // namespace fraud
