#pragma once

#include <string_view>

namespace fraud {

// The server-side scripts of card history in Redis (see CardLog.h for what a card's string
// holds). Both touch one key, so Redis Cluster serves them by the key's hash tag.
//
// Record: returns the card's log as it was (nil for a card never seen) and appends the event,
// as one atomic step, and renews the key's TTL. KEYS[1]: the card; ARGV: the event's bytes, the
// TTL in seconds. Redis runs it to its end before any other command, so two replicas scoring one
// card at once each see the other's event or not, never half.
extern const std::string_view kRedisRecordScript;

// Compaction: replaces the first ARGV[1] bytes of the card's log by the snapshot ARGV[3], if
// they still begin with ARGV[2] (the log's first 8 bytes as the scorer read them: a snapshot's
// header with its generation, or the first event). Appends only add at the end and only a
// compaction rewrites the start, so an unchanged start means an unchanged prefix; a replica that
// compacted first wins, and the loser's attempt changes nothing. Returns 1 if it replaced.
extern const std::string_view kRedisCompactScript;

}  // namespace fraud
