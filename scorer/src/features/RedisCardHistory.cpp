#include "features/RedisCardHistory.h"

#include <hiredis/hiredis.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <sys/time.h>

#include <bit>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <stdexcept>

#include "features/RedisCardScript.h"

namespace fraud {
namespace {

// A round trip that failed, and whether by timeout.
struct RedisFailure : std::runtime_error {
    RedisFailure(const std::string& what, bool timedOut)
        : std::runtime_error(what), timeout(timedOut) {}
    bool timeout;
};

struct Reply {
    redisReply* r = nullptr;
    ~Reply() {
        if (r != nullptr)
            freeReplyObject(r);
    }
};

timeval toTimeval(std::chrono::milliseconds ms) {
    return {static_cast<time_t>(ms.count() / 1000),
            static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

[[noreturn]] void throwContextError(const redisContext& c, std::chrono::milliseconds timeout) {
    const bool timedOut = c.err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
    if (timedOut)
        throw RedisFailure("no answer within " + std::to_string(timeout.count()) + " ms", true);
    throw RedisFailure(c.errstr[0] != '\0' ? std::string(c.errstr) : "connection error", false);
}

// The card's state as the script returned it (see RedisCardScript.h), as a CardRecord whose
// relative times start at `origin`; false for a card Redis has never seen.
bool decode(const redisReply& reply, EpochMillis origin, CardRecord& card) {
    if (reply.type != REDIS_REPLY_ARRAY)
        throw RedisFailure("the card script returned no array", false);
    if (reply.elements == 0)
        return false;
    std::size_t at = 0;
    const auto next = [&]() -> long long {
        if (at >= reply.elements || reply.element[at]->type != REDIS_REPLY_INTEGER)
            throw RedisFailure("a card's state in Redis is malformed", false);
        return reply.element[at++]->integer;
    };
    card = CardRecord::startingAt(origin);
    const long long n = next();
    if (n < 0 || n > static_cast<long long>(kCardEventCapacity))
        throw RedisFailure("a card's state in Redis is malformed", false);
    card.events = static_cast<std::uint8_t>(n);
    const auto events = static_cast<std::size_t>(n);
    for (std::size_t i = 0; i < events; ++i)
        card.time[i] = card.relative(next() * 1000);
    for (std::size_t i = 0; i < events; ++i)
        card.amount[i] = std::bit_cast<float>(static_cast<std::uint32_t>(next()));
    for (std::size_t i = 0; i < events; ++i)
        card.tag[i] = static_cast<std::uint16_t>(next());
    const auto seen = [&](auto& set, std::size_t capacity) {
        const long long count = next();
        if (count < 0 || count > static_cast<long long>(capacity))
            throw RedisFailure("a card's state in Redis is malformed", false);
        set.count = static_cast<std::uint8_t>(count);
        for (std::size_t i = 0; i < set.count; ++i) {
            set.hash[i] = static_cast<std::uint32_t>(next());
            set.firstSeen[i] = card.relative(next() * 1000);
            set.age[i] = static_cast<std::uint8_t>(i);  // the script keeps them most recent first
        }
    };
    seen(card.merchants, kCardMerchantCapacity);
    seen(card.devices, kCardDeviceCapacity);
    return true;
}

}  // namespace

struct RedisCardHistory::Connection {
    redisContext* context = nullptr;
};

void RedisCardHistory::Released::operator()(Connection* c) const {
    if (c->context != nullptr)
        redisFree(c->context);
    delete c;
}

RedisCardHistory::RedisCardHistory(Options options)
    : RedisCardHistory(std::move(options), Metrics{}) {}

RedisCardHistory::RedisCardHistory(Options options, Metrics metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      breaker_(options_.breakerFailures, options_.breakerOpenFor),
      flags_(options_.flags) {
    // hiredis writes with write(2): a Redis that went away would raise SIGPIPE and end the
    // process. The failed write's EPIPE is what we want; gRPC ignores SIGPIPE the same way.
    std::signal(SIGPIPE, SIG_IGN);
    if (metrics_.up != nullptr)
        metrics_.up->Set(1);
}

RedisCardHistory::~RedisCardHistory() = default;

std::string RedisCardHistory::key(std::string_view cardId) const {
    std::string k;
    k.reserve(options_.keyPrefix.size() + cardId.size() + 7);
    k.append(options_.keyPrefix).append("card:{").append(cardId).append("}");
    return k;
}

std::string RedisCardHistory::lastError() const {
    std::lock_guard lock(mutex_);
    return lastError_;
}

RedisCardHistory::ConnectionPtr RedisCardHistory::connect() {
    const timeval tv = toTimeval(options_.timeout);
    std::string_view address = options_.address;
    redisContext* context = nullptr;
    if (address.starts_with("unix:")) {
        address.remove_prefix(5);
        if (address.starts_with("//"))
            address.remove_prefix(2);
        context = redisConnectUnixWithTimeout(std::string(address).c_str(), tv);
    } else {
        if (address.starts_with("redis://"))
            address.remove_prefix(8);
        const auto colon = address.rfind(':');
        int port = 6379;
        if (colon != std::string_view::npos) {
            const auto digits = address.substr(colon + 1);
            const auto [end, ec] =
                std::from_chars(digits.data(), digits.data() + digits.size(), port);
            if (ec != std::errc() || end != digits.data() + digits.size())
                throw RedisFailure("bad Redis address " + options_.address, false);
            address = address.substr(0, colon);
        }
        context = redisConnectWithTimeout(std::string(address).c_str(), port, tv);
    }
    ConnectionPtr c(new Connection{context});
    if (context == nullptr)
        throw RedisFailure("cannot allocate a Redis connection", false);
    if (context->err != 0)
        throw RedisFailure(
            "cannot connect to Redis at " + options_.address + ": " + context->errstr, false);
    redisSetTimeout(context, tv);
    if (!options_.password.empty()) {
        const char* argv[] = {"AUTH", options_.password.c_str()};
        const std::size_t lengths[] = {4, options_.password.size()};
        Reply auth{static_cast<redisReply*>(redisCommandArgv(context, 2, argv, lengths))};
        if (auth.r == nullptr)
            throwContextError(*context, options_.timeout);
        // Redis's own message, never the password.
        if (auth.r->type == REDIS_REPLY_ERROR)
            throw RedisFailure("Redis refused the password: " + std::string(auth.r->str), false);
    }
    // Loaded on every new connection: a Redis that restarted has forgotten its scripts.
    const char* argv[] = {"SCRIPT", "LOAD", kRedisCardScript.data()};
    const std::size_t lengths[] = {6, 4, kRedisCardScript.size()};
    Reply load{static_cast<redisReply*>(redisCommandArgv(context, 3, argv, lengths))};
    if (load.r == nullptr)
        throwContextError(*context, options_.timeout);
    if (load.r->type != REDIS_REPLY_STRING)
        throw RedisFailure("cannot load the card script: " +
                               std::string(load.r->type == REDIS_REPLY_ERROR ? load.r->str : "?"),
                           false);
    std::lock_guard lock(mutex_);
    scriptSha_.assign(load.r->str, load.r->len);
    return c;
}

RedisCardHistory::ConnectionPtr RedisCardHistory::acquire() {
    {
        std::lock_guard lock(mutex_);
        if (!pool_.empty()) {
            ConnectionPtr c = std::move(pool_.back());
            pool_.pop_back();
            return c;
        }
    }
    return connect();
}

void RedisCardHistory::release(ConnectionPtr connection) {
    std::lock_guard lock(mutex_);
    pool_.push_back(std::move(connection));
}

void RedisCardHistory::check() {
    auto c = connect();
    release(std::move(c));
}

void RedisCardHistory::run(Connection& c, std::span<const CardLookup> lookups,
                           std::span<CardHistoryView> out, bool readOnly,
                           std::vector<CardRecord>* records) {
    std::string sha;
    {
        std::lock_guard lock(mutex_);
        sha = scriptSha_;
    }
    const std::string ttl = std::to_string(options_.ttl.count());
    static const std::string events = std::to_string(kCardEventCapacity);
    static const std::string merchants = std::to_string(kCardMerchantCapacity);
    static const std::string devices = std::to_string(kCardDeviceCapacity);
    thread_local std::vector<std::string> args;
    const auto append = [&](const CardLookup& l) {
        args.clear();
        args.push_back(key(l.cardId));
        args.push_back(l.record && !readOnly ? "w" : "r");
        args.push_back(std::to_string(floorSeconds(l.event.time)));
        args.push_back(
            std::to_string(std::bit_cast<std::uint32_t>(static_cast<float>(l.event.amount))));
        args.push_back(std::to_string(l.event.merchant));
        args.push_back(l.event.hasDevice ? "1" : "0");
        args.push_back(std::to_string(l.event.device));
        args.push_back(std::to_string(cardEventTag(l.event.id)));
        const char* argv[15] = {"EVALSHA", sha.c_str(), "1"};
        std::size_t lengths[15] = {7, sha.size(), 1};
        std::size_t n = 3;
        for (const auto& a : args) {
            argv[n] = a.data();
            lengths[n++] = a.size();
        }
        for (const std::string* a : {&ttl, &events, &merchants, &devices}) {
            argv[n] = a->data();
            lengths[n++] = a->size();
        }
        if (redisAppendCommandArgv(c.context, static_cast<int>(n), argv, lengths) != REDIS_OK)
            throwContextError(*c.context, options_.timeout);
    };
    for (const auto& l : lookups)
        append(l);
    // A Redis that restarted since this connection loaded the script answers NOSCRIPT to each
    // call (none ran): load it again and send those once more.
    std::vector<std::size_t> unscripted;
    for (std::size_t i = 0; i < lookups.size(); ++i) {
        Reply reply;
        if (redisGetReply(c.context, reinterpret_cast<void**>(&reply.r)) != REDIS_OK ||
            reply.r == nullptr)
            throwContextError(*c.context, options_.timeout);
        if (reply.r->type == REDIS_REPLY_ERROR) {
            const std::string_view message(reply.r->str, reply.r->len);
            if (message.starts_with("NOSCRIPT")) {
                unscripted.push_back(i);
                continue;
            }
            throw RedisFailure("Redis: " + std::string(message), false);
        }
        CardRecord card;
        const bool known = decode(*reply.r, lookups[i].event.time, card);
        out[i] = CardRecord::view(known ? &card : nullptr, lookups[i].event);
        if (records != nullptr)
            (*records)[i] = known ? card : CardRecord::startingAt(lookups[i].event.time);
    }
    if (unscripted.empty())
        return;
    const char* argv[] = {"SCRIPT", "LOAD", kRedisCardScript.data()};
    const std::size_t lengths[] = {6, 4, kRedisCardScript.size()};
    Reply load{static_cast<redisReply*>(redisCommandArgv(c.context, 3, argv, lengths))};
    if (load.r == nullptr)
        throwContextError(*c.context, options_.timeout);
    if (load.r->type != REDIS_REPLY_STRING)
        throw RedisFailure("cannot load the card script", false);
    {
        std::lock_guard lock(mutex_);
        scriptSha_.assign(load.r->str, load.r->len);
    }
    for (const std::size_t i : unscripted) {
        std::vector<CardRecord> one(records != nullptr ? 1 : 0);
        run(c, lookups.subspan(i, 1), out.subspan(i, 1), readOnly,
            records != nullptr ? &one : nullptr);
        if (records != nullptr)
            (*records)[i] = one[0];
    }
}

void RedisCardHistory::failed(const std::string& reason, bool timeout) {
    breaker_.failed();
    if (prometheus::Counter* counter = timeout ? metrics_.timeouts : metrics_.errors)
        counter->Increment();
    if (metrics_.up != nullptr && breaker_.state() != CircuitBreaker::State::Closed)
        metrics_.up->Set(0);
    std::lock_guard lock(mutex_);
    lastError_ = reason;
}

bool RedisCardHistory::call(std::span<const CardLookup> lookups, std::span<CardHistoryView> out,
                            std::vector<CardRecord>* records) {
    if (!breaker_.allow()) {
        if (metrics_.rejected != nullptr)
            metrics_.rejected->Increment();
        return false;
    }
    const auto start = std::chrono::steady_clock::now();
    try {
        ConnectionPtr c = acquire();
        run(*c, lookups, out, records != nullptr, records);
        release(std::move(c));
    } catch (const RedisFailure& e) {
        failed(e.what(), e.timeout);  // the connection, in an unknown state, is dropped
        return false;
    }
    if (metrics_.roundTrip != nullptr)
        metrics_.roundTrip->Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    breaker_.succeeded();
    if (metrics_.up != nullptr)
        metrics_.up->Set(1);
    return true;
}

void RedisCardHistory::observeBatch(std::span<const CardLookup> lookups,
                                    std::span<CardHistoryView> out) {
    if (lookups.empty() || call(lookups, out, nullptr))
        return;
    if (options_.failClosed)
        throw CardHistoryUnavailable("card history unavailable: " + lastError());
    for (auto& v : out.first(lookups.size()))
        v = CardHistoryView::unavailable();
}

CardHistoryView RedisCardHistory::observe(std::string_view cardId, const CardEvent& event,
                                          bool record) {
    const CardLookup lookup{cardId, event, record};
    CardHistoryView view;
    observeBatch({&lookup, 1}, {&view, 1});
    return view;
}

CardHistoryView RedisCardHistory::observeWithPriors(std::string_view cardId,
                                                    std::span<const CardEvent> prior,
                                                    const CardEvent& event) {
    const CardLookup lookup{cardId, event, false};
    CardHistoryView view;
    std::vector<CardRecord> records(1);
    if (!call({&lookup, 1}, {&view, 1}, &records)) {
        if (options_.failClosed)
            throw CardHistoryUnavailable("card history unavailable: " + lastError());
        return CardHistoryView::unavailable();
    }
    if (prior.empty())
        return view;
    CardRecord& scratch = records[0];
    for (const CardEvent& p : prior)
        scratch.record(p);
    return CardRecord::view(&scratch, event);
}

std::uint8_t RedisCardHistory::flagCard(std::string_view cardId, std::uint64_t generation,
                                        std::uint8_t bits, EpochMillis now) {
    return flags_.flagCard(cardId, generation, bits, now);
}

std::size_t RedisCardHistory::maintain() {
    return flags_.evictIdle();
}

}  // namespace fraud
