#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "common/Time.h"

namespace fraud {

class CardHistoryStore;

// The in-process card history kept across a restart: written atomically when the scorer
// drains, read back when it starts. The file is binary, versioned and checksummed; one that is
// corrupt, truncated, foreign, of another format version or older than the cards' idle TTL is
// refused whole, with the reason, and the scorer starts empty.
struct CardSnapshotLoad {
    bool found = false;        // a snapshot file existed
    std::string refused;       // why it was not used; empty when it was
    std::size_t restored = 0;  // cards put back
    std::size_t expired = 0;   // cards idle past the TTL by now, left out
    double ageSeconds = 0;     // how long ago it was written
};

// Writes every card of `store` to `path` (temporary file, fsync, rename, fsync of the
// directory); returns the number of cards. Throws std::runtime_error naming the path.
std::size_t saveCardSnapshot(const CardHistoryStore& store, const std::filesystem::path& path,
                             EpochMillis now = wallClockMillis());

// Restores `path` into `store`, all or nothing. Never throws for a bad file: says why in
// `refused`.
CardSnapshotLoad loadCardSnapshot(CardHistoryStore& store, const std::filesystem::path& path,
                                  EpochMillis now = wallClockMillis());

// A one-line account of a load, for the scorer's log.
std::string describe(const CardSnapshotLoad& load, const std::filesystem::path& path);

}  // namespace fraud
