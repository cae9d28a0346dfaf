// Card history's two stores against each other, with a real redis-server: the Redis store's
// log gives every view the in-process store gives (one at a time, pipelined in batches, and
// with a dry run's priors, through its compactions), keys expire, nothing is lost when two clients
// race on one card, a Redis that stops or stalls is failed open (or closed) and used again when it
// answers. And the in-process store's snapshot: it round-trips, and a corrupt, truncated, foreign,
// newer-format or stale one is refused whole with its reason.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <barrier>
#include <csignal>
#include <random>
#include <thread>

#include "RedisProcess.h"
#include "features/CardHistorySnapshot.h"
#include "features/CardHistoryStore.h"
#include "features/CircuitBreaker.h"
#include "features/RedisCardHistory.h"

using namespace fraudops::test;
using fraud::CardEvent;
using fraud::CardHistoryView;

namespace {

constexpr fraud::EpochMillis kStart = 1'790'000'000'000;  // an event-time origin

QString describe(const CardHistoryView& v) {
    return QStringLiteral(
               "count1h %1 count24h %2 sum24h %3 remembered %4 mean %5 since %6 "
               "newMerchant %7 newDevice %8 available %9")
        .arg(v.count1h)
        .arg(v.count24h)
        .arg(v.amountSum24h, 0, 'g', 12)
        .arg(v.remembered)
        .arg(v.meanAmount, 0, 'g', 12)
        .arg(v.secondsSinceLast)
        .arg(v.newMerchant)
        .arg(v.newDevice)
        .arg(v.available);
}

bool same(const CardHistoryView& a, const CardHistoryView& b) {
    return a.count1h == b.count1h && a.count24h == b.count24h && a.amountSum24h == b.amountSum24h &&
           a.remembered == b.remembered && a.meanAmount == b.meanAmount &&
           a.secondsSinceLast == b.secondsSinceLast && a.newMerchant == b.newMerchant &&
           a.newDevice == b.newDevice && a.available == b.available;
}

struct Event {
    std::string card;
    CardEvent event;
};

// A stream that exercises every rule: cards past their 32 events and 8 merchants, late
// arrivals, same-second events, retries (a repeated id), events with no device or no id.
std::vector<Event> eventStream(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<Event> events;
    std::vector<fraud::EpochMillis> clock(12, kStart);
    std::uint32_t nextId = 1;
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t card = rng() % clock.size();
        if (!events.empty() && rng() % 20 == 0) {  // a retry of an earlier transaction
            events.push_back(events[rng() % events.size()]);
            continue;
        }
        clock[card] += static_cast<fraud::EpochMillis>(rng() % 4000) * 1000;  // 0 to ~1 h apart
        CardEvent e;
        e.time = clock[card];
        if (rng() % 8 == 0)  // late: up to two hours before the card's clock
            e.time -= static_cast<fraud::EpochMillis>(rng() % 7200) * 1000;
        e.amount = std::uniform_real_distribution<double>(0.5, 900)(rng);
        e.merchant = 1000 + rng() % 14;
        e.hasDevice = rng() % 5 != 0;
        e.device = e.hasDevice ? 50 + rng() % 6 : 0;
        e.id = rng() % 10 == 0 ? 0 : nextId++;
        events.push_back({"card-" + std::to_string(card), e});
    }
    return events;
}

fraud::RedisCardHistory::Options redisOptions(const RedisProcess& redis) {
    fraud::RedisCardHistory::Options o;
    o.address = redis.address().toStdString();
    o.timeout = std::chrono::milliseconds(2000);  // generous: the sanitizer build is slow
    return o;
}

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

}  // namespace

class CardHistoryTest : public QObject {
    Q_OBJECT

    std::unique_ptr<RedisProcess> redis_;

private slots:
    void initTestCase() {
        QString error;
        redis_ = RedisProcess::start(&error, /*persistent=*/true);
        QVERIFY2(redis_, qPrintable(error));
    }

    void init() { redis_->command({"FLUSHALL"}); }

    void redisGivesTheInProcessViews() {
        fraud::CardHistoryStore local;
        fraud::RedisCardHistory shared(redisOptions(*redis_));
        shared.check();
        const auto events = eventStream(3000, 7);
        for (std::size_t i = 0; i < events.size(); ++i) {
            const auto& [card, e] = events[i];
            const auto want = local.observe(card, e, true);
            const auto got = shared.observe(card, e, true);
            QVERIFY2(same(want, got),
                     qPrintable(QStringLiteral("event %1 of %2:\n in-process %3\n redis      %4")
                                    .arg(i)
                                    .arg(QString::fromStdString(card))
                                    .arg(describe(want))
                                    .arg(describe(got))));
        }
        // Some cards went past every capacity, so eviction was compared too, and their logs
        // were compacted into snapshots many times over.
        QVERIFY(events.size() / 12 > fraud::kCardEventCapacity);
        const auto first =
            redis_->command({"EVAL", "return string.byte(redis.call('GET', KEYS[1]), 1)", "1",
                             "fraudops:card:{card-3}"});
        QCOMPARE(first, QString::number(0xFC));  // card-3's log starts with a snapshot
    }

    void batchesArePipelinedInOrder() {
        fraud::CardHistoryStore local;
        fraud::RedisCardHistory shared(redisOptions(*redis_));
        const auto events = eventStream(2000, 11);
        std::vector<fraud::CardLookup> lookups;
        std::vector<CardHistoryView> got;
        for (std::size_t from = 0; from < events.size(); from += 100) {
            lookups.clear();
            for (std::size_t i = from; i < std::min(events.size(), from + 100); ++i)
                lookups.push_back({events[i].card, events[i].event, true});
            got.assign(lookups.size(), {});
            shared.observeBatch(lookups, got);
            for (std::size_t i = 0; i < lookups.size(); ++i) {
                // A batch holds several events of a card: each sees the ones before it.
                const auto want = local.observe(lookups[i].cardId, lookups[i].event, true);
                QVERIFY2(same(want, got[i]),
                         qPrintable(QStringLiteral("event %1: in-process %2, redis %3")
                                        .arg(from + i)
                                        .arg(describe(want))
                                        .arg(describe(got[i]))));
            }
        }
    }

    void dryRunsWithPriorsRecordNothing() {
        fraud::CardHistoryStore local;
        fraud::RedisCardHistory shared(redisOptions(*redis_));
        const auto events = eventStream(600, 3);
        for (const auto& [card, e] : events) {
            local.observe(card, e, true);
            shared.observe(card, e, true);
        }
        const QString before = redis_->command({"DEBUG", "DIGEST"});
        std::mt19937 rng(5);
        for (int i = 0; i < 200; ++i) {
            const auto& probe = events[rng() % events.size()];
            std::vector<CardEvent> prior;
            for (int p = 0; p < static_cast<int>(rng() % 6); ++p) {
                CardEvent e = events[rng() % events.size()].event;
                e.id += 1'000'000;
                prior.push_back(e);
            }
            CardEvent e = probe.event;
            e.time += 60'000;
            e.id = 0;
            const auto want = local.observeWithPriors(probe.card, prior, e);
            const auto got = shared.observeWithPriors(probe.card, prior, e);
            QVERIFY2(same(want, got), qPrintable(describe(want) + " / " + describe(got)));
        }
        // A card never seen, with and without priors.
        CardEvent fresh{kStart, 10, 1, 2, true, 0};
        QVERIFY(same(local.observeWithPriors("nobody", {}, fresh),
                     shared.observeWithPriors("nobody", {}, fresh)));
        const CardEvent prior[] = {{kStart - 60'000, 5, 1, 2, true, 9}};
        QVERIFY(same(local.observeWithPriors("nobody", prior, fresh),
                     shared.observeWithPriors("nobody", prior, fresh)));
        QCOMPARE(redis_->command({"DEBUG", "DIGEST"}), before);  // nothing written
    }

    void keysExpireAndCardsAreBounded() {
        auto options = redisOptions(*redis_);
        options.ttl = std::chrono::seconds(3600);
        fraud::RedisCardHistory shared(options);
        // A card at every capacity: 32 events, 8 merchants, 4 devices.
        for (std::uint32_t i = 0; i < 64; ++i) {
            shared.observe("full-card",
                           {kStart + i * 60'000, 1234.56 + i, 100 + i, 7 + i % 9, true, 1 + i},
                           true);
        }
        const auto key = QString::fromStdString(shared.key("full-card"));
        QCOMPARE(key, QStringLiteral("fraudops:card:{full-card}"));  // a hash tag for Cluster
        const int ttl = redis_->command({"TTL", key}).toInt();
        QVERIFY2(ttl > 3590 && ttl <= 3600, qPrintable(QString::number(ttl)));
        const int bytes = redis_->command({"MEMORY", "USAGE", key}).toInt();
        qInfo("a full card in Redis: %d bytes (MEMORY USAGE); in-process: %zu bytes", bytes,
              fraud::CardHistoryStore::bytesPerCard());
        // A snapshot (~450 bytes at every capacity) and up to 8 events of 26 bytes since, in a
        // string that APPEND grows with slack, as Redis grows strings.
        QVERIFY2(bytes > 0 && bytes < 1536, qPrintable(QString::number(bytes)));
        const auto view =
            shared.observe("full-card", {kStart + 64 * 60'000, 1, 1, 1, false, 0}, false);
        QCOMPARE(view.remembered, int(fraud::kCardEventCapacity));
    }

    // Two clients (two replicas' pools), 1,000 rounds: in each, both record a transaction of
    // one fresh card at the same moment. With an atomic read-and-record one sees nothing and
    // the other sees the first; a lost update would show as both seeing nothing, or as a card
    // left with one event.
    void raceOnOneCardLosesNothing() {
        fraud::RedisCardHistory a(redisOptions(*redis_)), b(redisOptions(*redis_));
        constexpr int kRounds = 1000;
        std::vector<int> seenA(kRounds), seenB(kRounds);
        std::barrier sync(2);
        const auto run = [&](fraud::RedisCardHistory& store, std::vector<int>& seen,
                             std::uint32_t id) {
            for (int r = 0; r < kRounds; ++r) {
                sync.arrive_and_wait();
                const CardEvent e{kStart, 10, 1, 2, true, id + 2 * static_cast<std::uint32_t>(r)};
                seen[static_cast<std::size_t>(r)] =
                    store.observe("race-" + std::to_string(r), e, true).remembered;
            }
        };
        std::thread ta(run, std::ref(a), std::ref(seenA), 1);
        std::thread tb(run, std::ref(b), std::ref(seenB), 2);
        ta.join();
        tb.join();
        int lost = 0;
        for (int r = 0; r < kRounds; ++r) {
            const auto i = static_cast<std::size_t>(r);
            const auto after =
                a.observe("race-" + std::to_string(r), {kStart + 1000, 1, 1, 2, true, 0}, false);
            if (seenA[i] + seenB[i] != 1 || after.remembered != 2)
                ++lost;
        }
        QCOMPARE(lost, 0);
    }

    // Two clients write 40 events into each of 200 cards at once (A the even seconds, B the
    // odd), so their logs are compacted (every 8 events) while both append: a compaction that
    // overwrote an event appended after it read would lose it. Each card must end holding its
    // latest 32 events exactly, seconds 8 to 39 (amount = second + 1, so their mean is 24.5).
    void compactionsRacingWritersLoseNothing() {
        fraud::RedisCardHistory a(redisOptions(*redis_)), b(redisOptions(*redis_));
        constexpr int kCards = 200, kEvents = 40;
        const auto run = [&](fraud::RedisCardHistory& store, int parity) {
            for (int k = parity; k < kEvents; k += 2) {
                std::vector<fraud::CardLookup> batch;
                std::vector<std::string> ids;
                for (int c = 0; c < kCards; ++c)
                    ids.push_back("compact-" + std::to_string(c));
                for (int c = 0; c < kCards; ++c) {
                    batch.push_back({ids[static_cast<std::size_t>(c)],
                                     {kStart + k * 1000, k + 1.0, 1, 2, true,
                                      static_cast<std::uint32_t>(1000 * c + k + 1)},
                                     true});
                }
                std::vector<CardHistoryView> views(batch.size());
                store.observeBatch(batch, views);
            }
        };
        std::thread ta(run, std::ref(a), 0), tb(run, std::ref(b), 1);
        ta.join();
        tb.join();
        int wrong = 0;
        for (int c = 0; c < kCards; ++c) {
            const auto v = a.observe("compact-" + std::to_string(c),
                                     {kStart + kEvents * 1000, 1, 1, 2, true, 0}, false);
            if (v.remembered != 32 || v.meanAmount != 24.5 || v.secondsSinceLast != 1)
                ++wrong;
        }
        QCOMPARE(wrong, 0);
    }

    void redisDownFailsOpenThenResumes() {
        auto options = redisOptions(*redis_);
        options.timeout = std::chrono::milliseconds(200);
        options.breakerFailures = 1;
        options.breakerOpenFor = std::chrono::milliseconds(100);
        fraud::RedisCardHistory open(options);
        options.failClosed = true;
        fraud::RedisCardHistory closed(options);
        QCOMPARE(open.observe("kept", {kStart, 10, 1, 2, true, 1}, true).remembered, 0);
        QVERIFY(redis_->stop());
        const auto down = open.observe("kept", {kStart + 1000, 10, 1, 2, true, 2}, true);
        QVERIFY(!down.available);
        QVERIFY2(!open.lastError().empty(), "the failure has a reason");
        QVERIFY(open.breakerState() == fraud::CircuitBreaker::State::Open);
        // While open, calls do not wait for Redis at all.
        QElapsedTimer fast;
        fast.start();
        QVERIFY(!open.observe("kept", {kStart + 2000, 10, 1, 2, true, 3}, true).available);
        QVERIFY(fast.elapsed() < 100);
        QVERIFY_THROWS_EXCEPTION(fraud::CardHistoryUnavailable,
                                 closed.observe("kept", {kStart + 1000, 10, 1, 2, true, 2}, true));
        QString error;
        QVERIFY2(redis_->restart(&error), qPrintable(error));
        // Back, with what it held before it stopped (its append-only file), once the breaker
        // lets a trial call through.
        QTRY_VERIFY_WITH_TIMEOUT(
            open.observe("kept", {kStart + 3000, 1, 1, 2, true, 0}, false).available, 10'000);
        QCOMPARE(open.observe("kept", {kStart + 3000, 1, 1, 2, true, 0}, false).remembered, 1);
        QVERIFY(open.breakerState() == fraud::CircuitBreaker::State::Closed);
    }

    void stalledRedisTimesOut() {
        auto options = redisOptions(*redis_);
        options.timeout = std::chrono::milliseconds(100);
        options.breakerFailures = 1;
        fraud::RedisCardHistory shared(options);
        QVERIFY(shared.observe("slow", {kStart, 1, 1, 1, false, 1}, true).available);
        const auto pid = redis_->command({"INFO", "server"})
                             .section(QStringLiteral("process_id:"), 1)
                             .section('\r', 0, 0)
                             .toInt();
        QVERIFY(pid > 0);
        ::kill(pid, SIGSTOP);
        QElapsedTimer waited;
        waited.start();
        const auto view = shared.observe("slow", {kStart + 1000, 1, 1, 1, false, 2}, true);
        const auto ms = waited.elapsed();
        ::kill(pid, SIGCONT);
        QVERIFY(!view.available);
        QVERIFY2(shared.lastError().find("no answer within 100 ms") != std::string::npos,
                 shared.lastError().c_str());
        QVERIFY2(ms >= 90 && ms < 2000, qPrintable(QString::number(ms)));
    }

    void breakerOpensHalfOpensAndCloses() {
        using namespace std::chrono_literals;
        fraud::CircuitBreaker breaker(3, 1000ms);
        const auto t0 = fraud::CircuitBreaker::Clock::now();
        QVERIFY(breaker.allow(t0));
        breaker.failed(t0);
        breaker.failed(t0);
        QVERIFY(breaker.state() == fraud::CircuitBreaker::State::Closed);
        breaker.failed(t0);
        QVERIFY(breaker.state() == fraud::CircuitBreaker::State::Open);
        QVERIFY(!breaker.allow(t0 + 999ms));
        QVERIFY(breaker.allow(t0 + 1000ms));   // the trial
        QVERIFY(!breaker.allow(t0 + 1001ms));  // one trial at a time
        breaker.failed(t0 + 1010ms);           // the trial failed: open again, at once
        QVERIFY(!breaker.allow(t0 + 1500ms));
        QVERIFY(breaker.allow(t0 + 2010ms));
        breaker.succeeded();
        QVERIFY(breaker.state() == fraud::CircuitBreaker::State::Closed);
        QVERIFY(breaker.allow(t0 + 2011ms));
    }

    void snapshotRoundTrips() {
        QTemporaryDir dir;
        const auto path = dir.filePath("cards.snapshot").toStdString();
        fraud::CardHistoryStore before;
        const auto events = eventStream(1500, 21);
        for (const auto& [card, e] : events)
            before.observe(card, e, true);
        before.flagCard("card-1", 4, 0x5, kStart);
        QCOMPARE(fraud::saveCardSnapshot(before, path), before.size());
        fraud::CardHistoryStore after;
        const auto load = fraud::loadCardSnapshot(after, path);
        QVERIFY2(load.refused.empty(), load.refused.c_str());
        QCOMPARE(load.restored, before.size());
        QCOMPARE(after.size(), before.size());
        for (const auto& [card, e] : events) {
            CardEvent probe = e;
            probe.time += 30'000;
            probe.id = 0;
            QVERIFY(same(before.observe(card, probe, false), after.observe(card, probe, false)));
        }
        QCOMPARE(after.flagCard("card-1", 4, 0x5, kStart), std::uint8_t{0});  // flags kept too
        QVERIFY(!QFile::exists(dir.filePath("cards.snapshot.tmp")));
        QVERIFY(fraud::describe(load, path).find("restored") != std::string::npos);
    }

    void badSnapshotsAreRefusedWhole_data() {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("reason");
        QTest::newRow("a flipped byte") << "flip"
                                        << "checksum mismatch";
        QTest::newRow("truncated") << "truncate"
                                   << "does not match its";
        QTest::newRow("foreign") << "foreign"
                                 << "not a card-history snapshot";
        QTest::newRow("newer format") << "version"
                                      << "format version 2; this scorer reads 1";
        QTest::newRow("empty") << "empty"
                               << "not a card-history snapshot";
        QTest::newRow("stale") << "stale"
                               << "longer than the cards' idle TTL";
    }
    void badSnapshotsAreRefusedWhole() {
        QFETCH(QString, damage);
        QFETCH(QString, reason);
        QTemporaryDir dir;
        const QString path = dir.filePath("cards.snapshot");
        fraud::CardHistoryStore source;
        for (const auto& [card, e] : eventStream(300, 4))
            source.observe(card, e, true);
        const auto now = fraud::wallClockMillis();
        fraud::saveCardSnapshot(source, path.toStdString(),
                                damage == "stale" ? now - 8LL * 86'400'000 : now);
        QByteArray bytes = fileBytes(path);
        if (damage == "flip")
            bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x40);
        else if (damage == "truncate")
            bytes.chop(100);
        else if (damage == "foreign")
            bytes = "{\"cards\": []}\n";
        else if (damage == "version")
            bytes[8] = 2;  // the format version follows the 8-byte magic
        else if (damage == "empty")
            bytes.clear();
        writeBytes(path, bytes);
        fraud::CardHistoryStore target;
        const auto load = fraud::loadCardSnapshot(target, path.toStdString(), now);
        QVERIFY(load.found);
        QVERIFY2(QString::fromStdString(load.refused).contains(reason), load.refused.c_str());
        QCOMPARE(load.restored, std::size_t{0});
        QCOMPARE(target.size(), std::size_t{0});  // all or nothing
        QVERIFY(fraud::describe(load, path.toStdString()).find("starting with no card history") !=
                std::string::npos);
    }

    void missingSnapshotIsAFreshStart() {
        fraud::CardHistoryStore store;
        const auto load = fraud::loadCardSnapshot(store, "/nonexistent/cards.snapshot");
        QVERIFY(!load.found);
        QVERIFY(load.refused.empty());
    }
};

QTEST_GUILESS_MAIN(CardHistoryTest)
#include "tst_card_history.moc"
