#include "features/CardHistorySnapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/FileIo.h"
#include "common/Hash.h"
#include "features/CardHistoryStore.h"

namespace fraud {
namespace {

constexpr char kMagic[8] = {'F', 'O', 'C', 'A', 'R', 'D', 'S', '\n'};
constexpr std::uint32_t kFormatVersion = 1;

// A card's bytes, field by field in little-endian order (the machines this runs on), never the
// struct's memory: padding and a layout change must not reach the file. Writer and Reader are
// the two archives cardFields walks, so the file's order is written down once.
class Writer {
public:
    template <typename T>
    void operator()(const T& v) {
        bytes_.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    template <typename T, std::size_t N>
    void operator()(const std::array<T, N>& a) {
        bytes_.append(reinterpret_cast<const char*>(a.data()), sizeof(T) * N);
    }
    std::string& bytes() { return bytes_; }

private:
    std::string bytes_;
};

class Reader {
public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}
    template <typename T>
    void operator()(T& v) {
        take(&v, sizeof v);
    }
    template <typename T, std::size_t N>
    void operator()(std::array<T, N>& a) {
        take(a.data(), sizeof(T) * N);
    }
    bool ok() const { return ok_; }

private:
    void take(void* to, std::size_t n) {
        if (bytes_.size() - at_ < n) {
            ok_ = false;
            return;
        }
        std::memcpy(to, bytes_.data() + at_, n);
        at_ += n;
    }
    std::string_view bytes_;
    std::size_t at_ = 0;
    bool ok_ = true;
};

// One card entry's fields, in file order: its key, how long it has been idle, the card.
template <typename Archive, typename Key, typename Idle, typename Card>
void cardFields(Archive& a, Key& key, Idle& idle, Card& c) {
    const auto seen = [&a](auto& set) {
        a(set.hash);
        a(set.firstSeen);
        a(set.age);
        a(set.count);
    };
    a(key);
    a(idle);
    a(c.baseSeconds);
    a(c.events);
    a(c.flags);
    a(c.flagGeneration);
    a(c.time);
    a(c.amount);
    a(c.tag);
    seen(c.merchants);
    seen(c.devices);
}

void putCard(Writer& w, std::uint64_t key, const CardRecord& c, std::uint32_t idle) {
    cardFields(w, key, idle, c);
}

std::size_t entryBytes() {
    Writer w;
    putCard(w, 0, CardRecord{}, 0);
    return w.bytes().size();
}

// Throws with errno's reason.
[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
    throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

std::size_t saveCardSnapshot(const CardHistoryStore& store, const std::filesystem::path& path,
                             EpochMillis now) {
    // Streamed, not built in memory: a million cards are ~300 MB.
    const auto temp = std::filesystem::path(path.string() + ".tmp");
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        fail("cannot write", temp);
    std::unique_ptr<FILE, int (*)(FILE*)> out(::fdopen(fd, "wb"), &std::fclose);
    if (!out) {
        ::close(fd);
        fail("cannot write", temp);
    }
    // The header's count is written last, over a placeholder: the store keeps serving (and
    // changing) while it is visited.
    Writer header;
    header.bytes().append(kMagic, sizeof kMagic);
    header(kFormatVersion);
    header(static_cast<std::uint32_t>(entryBytes()));
    header(static_cast<std::int64_t>(now));
    std::uint64_t count = 0;
    std::uint64_t checksum = 0;
    const long countAt = static_cast<long>(header.bytes().size());
    header(count);
    bool written = std::fwrite(header.bytes().data(), 1, header.bytes().size(), out.get()) ==
                   header.bytes().size();
    Writer entry;
    store.forEachCard([&](std::uint64_t key, const CardRecord& card, std::uint32_t idle) {
        entry.bytes().clear();
        putCard(entry, key, card, idle);
        checksum = hash64(entry.bytes(), checksum);
        written = written && std::fwrite(entry.bytes().data(), 1, entry.bytes().size(),
                                         out.get()) == entry.bytes().size();
        ++count;
    });
    // The checksum covers the header too, count included.
    Writer counted;
    counted(count);
    std::string headerBytes = header.bytes();
    headerBytes.replace(static_cast<std::size_t>(countAt), sizeof count, counted.bytes());
    checksum = hash64(headerBytes, checksum);
    written = written && std::fwrite(&checksum, sizeof checksum, 1, out.get()) == 1 &&
              std::fseek(out.get(), countAt, SEEK_SET) == 0 &&
              std::fwrite(&count, sizeof count, 1, out.get()) == 1 && std::fflush(out.get()) == 0 &&
              ::fsync(::fileno(out.get())) == 0;
    if (!written) {
        const int saved = errno;
        out.reset();
        std::filesystem::remove(temp);
        errno = saved;
        fail("cannot write", temp);
    }
    out.reset();
    if (::rename(temp.c_str(), path.c_str()) != 0)
        fail("cannot rename over", path);
    syncDirectory(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
    return count;
}

CardSnapshotLoad loadCardSnapshot(CardHistoryStore& store, const std::filesystem::path& path,
                                  EpochMillis now) {
    CardSnapshotLoad load;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return load;
    load.found = true;
    std::string bytes;
    try {
        bytes = readFile(path);
    } catch (const std::exception& e) {
        load.refused = e.what();
        return load;
    }
    Reader in(bytes);
    char magic[sizeof kMagic]{};
    for (char& c : magic)
        in(c);
    if (!in.ok() || std::memcmp(magic, kMagic, sizeof kMagic) != 0) {
        load.refused = "not a card-history snapshot (no FOCARDS header)";
        return load;
    }
    std::uint32_t version = 0, entrySize = 0;
    std::int64_t writtenAt = 0;
    std::uint64_t count = 0;
    in(version);
    in(entrySize);
    in(writtenAt);
    in(count);
    if (!in.ok()) {
        load.refused = "truncated header";
        return load;
    }
    if (version != kFormatVersion) {
        load.refused = "format version " + std::to_string(version) + "; this scorer reads " +
                       std::to_string(kFormatVersion);
        return load;
    }
    if (entrySize != entryBytes()) {
        load.refused = "cards of " + std::to_string(entrySize) + " bytes; this scorer's are " +
                       std::to_string(entryBytes());
        return load;
    }
    const std::size_t headerSize = sizeof kMagic + 4 + 4 + 8 + 8;
    if (bytes.size() != headerSize + count * entrySize + sizeof(std::uint64_t)) {
        load.refused = "size " + std::to_string(bytes.size()) + " bytes does not match its " +
                       std::to_string(count) + " cards (truncated or corrupt)";
        return load;
    }
    std::uint64_t checksum = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        checksum =
            hash64(std::string_view(bytes).substr(headerSize + i * entrySize, entrySize), checksum);
    }
    checksum = hash64(std::string_view(bytes).substr(0, headerSize), checksum);
    std::uint64_t stored = 0;
    std::memcpy(&stored, bytes.data() + bytes.size() - sizeof stored, sizeof stored);
    if (stored != checksum) {
        load.refused = "checksum mismatch (corrupt)";
        return load;
    }
    load.ageSeconds = static_cast<double>(now - writtenAt) / 1000.0;
    const double ttl = static_cast<double>(store.options().idleTtl.count());
    if (load.ageSeconds > ttl) {
        load.refused = "written " + std::to_string(static_cast<long long>(load.ageSeconds)) +
                       " s ago, longer than the cards' idle TTL of " +
                       std::to_string(static_cast<long long>(ttl)) + " s";
        return load;
    }
    struct Entry {
        std::uint64_t key;
        CardRecord card;
        std::uint32_t idle;
    };
    std::vector<Entry> entries;
    entries.reserve(static_cast<std::size_t>(count));
    const auto age = static_cast<std::uint32_t>(std::max(0.0, load.ageSeconds));
    for (std::uint64_t i = 0; i < count; ++i) {
        Entry e{};
        cardFields(in, e.key, e.idle, e.card);
        const CardRecord& c = e.card;
        // Counts index the arrays: a checksummed file from a buggy writer must not overrun.
        if (c.events > kCardEventCapacity || c.merchants.count > kCardMerchantCapacity ||
            c.devices.count > kCardDeviceCapacity) {
            load.refused = "card " + std::to_string(i) + " holds more than a card can";
            return load;
        }
        if (static_cast<double>(e.idle) + load.ageSeconds > ttl) {
            ++load.expired;
            continue;
        }
        e.idle += age;
        entries.push_back(e);
    }
    for (const Entry& e : entries)
        store.restore(e.key, e.card, e.idle);
    load.restored = entries.size();
    return load;
}

std::string describe(const CardSnapshotLoad& load, const std::filesystem::path& path) {
    if (!load.found)
        return "no card-history snapshot at " + path.string() + ": starting with no card history";
    if (!load.refused.empty())
        return "card-history snapshot " + path.string() + " refused: " + load.refused +
               "; starting with no card history";
    return "restored " + std::to_string(load.restored) + " cards from " + path.string() +
           " (written " + std::to_string(static_cast<long long>(load.ageSeconds)) + " s ago; " +
           std::to_string(load.expired) + " idle past the TTL left out)";
}

}  // namespace fraud
