#include "features/CardLog.h"

#include <cstring>
#include <stdexcept>

namespace fraud {
namespace {

constexpr std::uint8_t kSnapshotTag = 0xFC;
constexpr std::uint8_t kEventTag = 0xE1;
constexpr std::uint8_t kFormat = 1;

template <typename T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

class Reader {
public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}
    template <typename T>
    T get() {
        T v{};
        if (bytes_.size() - at_ < sizeof v)
            throw std::runtime_error("a card log is truncated");
        std::memcpy(&v, bytes_.data() + at_, sizeof v);
        at_ += sizeof v;
        return v;
    }
    bool done() const { return at_ == bytes_.size(); }
    std::uint8_t peek() const { return static_cast<std::uint8_t>(bytes_[at_]); }

private:
    std::string_view bytes_;
    std::size_t at_ = 0;
};

template <std::size_t N>
void putSeen(std::string& out, const CardRecord::SeenSet<N>& s) {
    put(out, s.count);
    for (std::size_t i = 0; i < s.count; ++i) {
        put(out, s.hash[i]);
        put(out, s.firstSeen[i]);
        put(out, s.age[i]);
    }
}

template <std::size_t N>
void getSeen(Reader& in, CardRecord::SeenSet<N>& s) {
    s.count = in.get<std::uint8_t>();
    if (s.count > N)
        throw std::runtime_error("a card log's snapshot holds more than a card can");
    for (std::size_t i = 0; i < s.count; ++i) {
        s.hash[i] = in.get<std::uint32_t>();
        s.firstSeen[i] = in.get<std::int32_t>();
        s.age[i] = in.get<std::uint8_t>();
    }
}

}  // namespace

std::string CardLog::encodeEvent(const CardEvent& e) {
    std::string out;
    out.reserve(kEventBytes);
    put(out, kEventTag);
    put(out, static_cast<std::int64_t>(e.time));
    put(out, static_cast<float>(e.amount));  // what CardRecord keeps of it
    put(out, e.merchant);
    put(out, e.device);
    put(out, static_cast<std::uint8_t>(e.hasDevice ? 1 : 0));
    put(out, e.id);
    return out;
}

std::string CardLog::encodeSnapshot(const CardRecord& c, std::uint32_t generation) {
    std::string out;
    out.reserve(kHeaderBytes + 16 + c.events * 10u + 8 * 9 + 4 * 9);
    put(out, kSnapshotTag);
    put(out, kFormat);
    put(out, std::uint16_t{0});
    put(out, generation);
    put(out, c.baseSeconds);
    put(out, c.events);
    for (std::size_t i = 0; i < c.events; ++i)
        put(out, c.time[i]);
    for (std::size_t i = 0; i < c.events; ++i)
        put(out, c.amount[i]);
    for (std::size_t i = 0; i < c.events; ++i)
        put(out, c.tag[i]);
    putSeen(out, c.merchants);
    putSeen(out, c.devices);
    return out;
}

CardLog::Replayed CardLog::replay(std::string_view log, EpochMillis origin) {
    Replayed r;
    if (log.empty())
        return r;
    Reader in(log);
    r.known = true;
    r.card = CardRecord::startingAt(origin);
    bool first = true;
    if (in.peek() == kSnapshotTag) {
        in.get<std::uint8_t>();
        if (in.get<std::uint8_t>() != kFormat)
            throw std::runtime_error("a card log of another format");
        in.get<std::uint16_t>();
        r.generation = in.get<std::uint32_t>();
        CardRecord& c = r.card;
        c.baseSeconds = in.get<std::int64_t>();
        c.events = in.get<std::uint8_t>();
        if (c.events > kCardEventCapacity)
            throw std::runtime_error("a card log's snapshot holds more than a card can");
        for (std::size_t i = 0; i < c.events; ++i)
            c.time[i] = in.get<std::int32_t>();
        for (std::size_t i = 0; i < c.events; ++i)
            c.amount[i] = in.get<float>();
        for (std::size_t i = 0; i < c.events; ++i)
            c.tag[i] = in.get<std::uint16_t>();
        getSeen(in, c.merchants);
        getSeen(in, c.devices);
        first = false;
    }
    while (!in.done()) {
        if (in.get<std::uint8_t>() != kEventTag)
            throw std::runtime_error("a card log holds something that is not an event");
        CardEvent e;
        e.time = in.get<std::int64_t>();
        e.amount = in.get<float>();
        e.merchant = in.get<std::uint32_t>();
        e.device = in.get<std::uint32_t>();
        e.hasDevice = in.get<std::uint8_t>() != 0;
        e.id = in.get<std::uint32_t>();
        if (first) {
            // As the in-process store does: a new card's times count from its first event.
            r.card = CardRecord::startingAt(e.time);
            first = false;
        }
        r.card.record(e);
        ++r.events;
    }
    return r;
}

}  // namespace fraud
