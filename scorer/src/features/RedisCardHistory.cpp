#include "features/RedisCardHistory.h"

#include <hiredis/hiredis.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <sys/time.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <stdexcept>

#include "features/CardLog.h"
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

std::string loadScript(redisContext& c, std::string_view script,
                       std::chrono::milliseconds timeout) {
    const char* argv[] = {"SCRIPT", "LOAD", script.data()};
    const std::size_t lengths[] = {6, 4, script.size()};
    Reply load{static_cast<redisReply*>(redisCommandArgv(&c, 3, argv, lengths))};
    if (load.r == nullptr)
        throwContextError(c, timeout);
    if (load.r->type != REDIS_REPLY_STRING)
        throw RedisFailure("cannot load a card-history script: " +
                               std::string(load.r->type == REDIS_REPLY_ERROR ? load.r->str : "?"),
                           false);
    return std::string(load.r->str, load.r->len);
}

}  // namespace

struct RedisCardHistory::Connection {
    redisContext* context = nullptr;
    // Compactions sent and not yet answered: their replies come first on the next call.
    std::size_t pending = 0;
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
    loadScripts(*context);
    return c;
}

void RedisCardHistory::loadScripts(redisContext& context) {
    std::string record = loadScript(context, kRedisRecordScript, options_.timeout);
    std::string compact = loadScript(context, kRedisCompactScript, options_.timeout);
    std::lock_guard lock(mutex_);
    recordSha_ = std::move(record);
    compactSha_ = std::move(compact);
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
    std::string recordSha, compactSha;
    {
        std::lock_guard lock(mutex_);
        recordSha = recordSha_;
        compactSha = compactSha_;
    }
    const std::string ttl = std::to_string(options_.ttl.count());
    thread_local std::vector<std::string> keys, events;
    keys.clear();
    events.clear();
    const auto send = [&](std::size_t i) {
        const CardLookup& l = lookups[i];
        if (l.record && !readOnly) {
            const char* argv[] = {"EVALSHA",       recordSha.c_str(), "1",
                                  keys[i].c_str(), events[i].data(),  ttl.c_str()};
            const std::size_t lengths[] = {
                7, recordSha.size(), 1, keys[i].size(), events[i].size(), ttl.size()};
            if (redisAppendCommandArgv(c.context, 6, argv, lengths) != REDIS_OK)
                throwContextError(*c.context, options_.timeout);
        } else {
            const char* argv[] = {"GET", keys[i].c_str()};
            const std::size_t lengths[] = {3, keys[i].size()};
            if (redisAppendCommandArgv(c.context, 2, argv, lengths) != REDIS_OK)
                throwContextError(*c.context, options_.timeout);
        }
    };
    for (std::size_t i = 0; i < lookups.size(); ++i) {
        keys.push_back(key(lookups[i].cardId));
        events.push_back(lookups[i].record && !readOnly ? CardLog::encodeEvent(lookups[i].event)
                                                        : std::string());
        send(i);
    }
    const auto read = [&](Reply& reply) {
        if (redisGetReply(c.context, reinterpret_cast<void**>(&reply.r)) != REDIS_OK ||
            reply.r == nullptr)
            throwContextError(*c.context, options_.timeout);
    };
    // The previous call's compactions answer first; losing a race is no failure.
    for (; c.pending > 0; --c.pending) {
        Reply reply;
        read(reply);
    }
    // A Redis that restarted since this connection loaded the scripts answers NOSCRIPT (the
    // event was not recorded): load them again and send those once more.
    std::vector<std::size_t> unscripted;
    thread_local std::vector<std::string> compactions;  // key, expected start, prefix, snapshot
    compactions.clear();
    for (std::size_t i = 0; i < lookups.size(); ++i) {
        Reply reply;
        read(reply);
        if (reply.r->type == REDIS_REPLY_ERROR) {
            const std::string_view message(reply.r->str, reply.r->len);
            if (message.starts_with("NOSCRIPT")) {
                unscripted.push_back(i);
                continue;
            }
            throw RedisFailure("Redis: " + std::string(message), false);
        }
        if (reply.r->type != REDIS_REPLY_NIL && reply.r->type != REDIS_REPLY_STRING)
            throw RedisFailure("Redis answered a card read with neither a string nor nil", false);
        const std::string_view log = reply.r->type == REDIS_REPLY_STRING
                                         ? std::string_view(reply.r->str, reply.r->len)
                                         : std::string_view();
        CardLog::Replayed card;
        try {
            card = CardLog::replay(log, lookups[i].event.time);
        } catch (const std::runtime_error& e) {
            throw RedisFailure(e.what(), false);
        }
        out[i] = CardRecord::view(card.known ? &card.card : nullptr, lookups[i].event);
        if (records != nullptr)
            (*records)[i] = card.known ? card.card : CardRecord::startingAt(lookups[i].event.time);
        if (!lookups[i].record || readOnly || card.events + 1 <= CardLog::kCompactAfter)
            continue;
        // The log as it now stands begins with what was read and this event: replace that
        // prefix with a snapshot of the card after it.
        if (!card.known)
            card.card = CardRecord::startingAt(lookups[i].event.time);
        card.card.record(lookups[i].event);
        std::string prefixStart(log.substr(0, CardLog::kHeaderBytes));
        if (prefixStart.size() < CardLog::kHeaderBytes)
            prefixStart = (std::string(log) + events[i]).substr(0, CardLog::kHeaderBytes);
        compactions.push_back(keys[i]);
        compactions.push_back(std::to_string(log.size() + events[i].size()));
        compactions.push_back(std::move(prefixStart));
        compactions.push_back(CardLog::encodeSnapshot(card.card, card.generation + 1));
    }
    // Sent now and answered at the start of this connection's next call: no wait here.
    for (std::size_t k = 0; k + 3 < compactions.size(); k += 4) {
        const char* argv[] = {"EVALSHA",
                              compactSha.c_str(),
                              "1",
                              compactions[k].data(),
                              compactions[k + 1].data(),
                              compactions[k + 2].data(),
                              compactions[k + 3].data()};
        const std::size_t lengths[] = {7,
                                       compactSha.size(),
                                       1,
                                       compactions[k].size(),
                                       compactions[k + 1].size(),
                                       compactions[k + 2].size(),
                                       compactions[k + 3].size()};
        if (redisAppendCommandArgv(c.context, 7, argv, lengths) != REDIS_OK)
            throwContextError(*c.context, options_.timeout);
        ++c.pending;
    }
    if (c.pending > 0) {
        // Flush them to Redis without waiting for the answers.
        int done = 0;
        while (done == 0) {
            if (redisBufferWrite(c.context, &done) != REDIS_OK)
                throwContextError(*c.context, options_.timeout);
        }
    }
    if (unscripted.empty())
        return;
    loadScripts(*c.context);
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
