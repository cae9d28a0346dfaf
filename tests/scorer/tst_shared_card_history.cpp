// Card history across real scorer processes: three replicas sharing a real redis-server give
// every transaction the velocity features one in-process replica gives the same stream in
// order; fraud-loadgen can spread cards at random and the replicas still agree about each card;
// two replicas racing on one card lose nothing; a rolling restart under load keeps every
// card's history (in-process with snapshots, and in Redis); a corrupt snapshot is refused and
// the replica serves from empty; and Redis stopped in the middle of a load run fails no
// request, flags the results, fires the alert, and is used again once it is back.
#include <QtTest>
#include <barrier>
#include <csignal>
#include <limits>
#include <random>
#include <thread>

#include "HttpGet.h"
#include "PrometheusProcess.h"
#include "RedisProcess.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/Time.h"
#include "fraud/v1/scoring.grpc.pb.h"

using namespace fraudops::test;

namespace {

// The features that come from the card's history.
const char* const kHistoryFeatures[] = {
    "card_txn_count_1h",      "card_txn_count_24h", "card_amount_sum_24h", "amount_to_card_mean",
    "seconds_since_last_txn", "new_merchant",       "new_device"};

struct Scored {
    grpc::Status status;
    fraud::v1::ScoreResult result;
    std::map<std::string, double> features;
};

Scored call(fraud::v1::Scoring::Stub& stub, const fraud::v1::Transaction& tx, bool record = true) {
    Scored s;
    auto context = callContext();
    if (record) {
        fraud::v1::ScoreRequest request;
        *request.mutable_transaction() = tx;
        request.set_explain(true);
        s.status = stub.Score(context.get(), request, &s.result);
    } else {
        fraud::v1::ExplainRequest request;
        *request.mutable_transaction() = tx;
        s.status = stub.Explain(context.get(), request, &s.result);
    }
    for (const auto& c : s.result.explanation().contributions())
        s.features[c.feature()] = c.value();
    return s;
}

// A feature's value in the explanation; NaN when absent.
double feature(const Scored& s, const std::string& name) {
    const auto it = s.features.find(name);
    return it == s.features.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
}

// NaN-aware: a missing feature equals a missing feature.
bool sameValue(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

fraud::v1::Transaction transaction(const std::string& id, const std::string& card,
                                   fraud::EpochMillis time, double amount,
                                   const std::string& merchant, const std::string& device) {
    auto tx = validTransaction(id, card);
    fraud::setEpochMillis(tx.mutable_timestamp(), time);
    tx.set_amount(amount);
    tx.set_merchant_id(merchant);
    tx.set_device_id(device);
    return tx;
}

double metric(const ScorerProcess& scorer, const QString& name) {
    const auto body =
        httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(scorer.metricsPort())).body;
    double sum = 0;
    for (const auto& line : body.split('\n')) {
        if (line.startsWith(name.toUtf8() + "{") || line.startsWith(name.toUtf8() + " "))
            sum += QString::fromUtf8(line.split(' ').last()).toDouble();
    }
    return sum;
}

}  // namespace

class SharedCardHistoryTest : public QObject {
    Q_OBJECT

    std::vector<std::unique_ptr<ScorerProcess>> startReplicas(int n, const QStringList& args) {
        std::vector<std::unique_ptr<ScorerProcess>> replicas;
        for (int i = 0; i < n; ++i) {
            QString error;
            auto scorer = ScorerProcess::start(transactionRegistry(), args, &error);
            if (!scorer) {
                qWarning("%s", qPrintable(error));
                return {};
            }
            replicas.push_back(std::move(scorer));
        }
        return replicas;
    }

private slots:
    void threeReplicasAgreeWithOneInProcess() {
        QString error;
        auto redis = RedisProcess::start(&error);
        QVERIFY2(redis, qPrintable(error));
        auto shared = startReplicas(3, {"--redis", redis->address(), "--drain-seconds", "0"});
        QCOMPARE(shared.size(), std::size_t{3});
        auto single = startReplicas(1, {"--drain-seconds", "0"});
        QCOMPARE(single.size(), std::size_t{1});
        std::vector<std::unique_ptr<fraud::v1::Scoring::Stub>> stubs;
        for (const auto& r : shared)
            stubs.push_back(fraud::v1::Scoring::NewStub(channelTo(r->grpcAddress())));
        auto reference = fraud::v1::Scoring::NewStub(channelTo(single[0]->grpcAddress()));

        // 400 transactions of 15 cards over the last three hours, some late, some retried,
        // each to a replica picked at random.
        std::mt19937 rng(17);
        const fraud::EpochMillis start = fraud::wallClockMillis() - 3 * 3'600'000;
        std::vector<fraud::v1::Transaction> sent;
        std::vector<int> perReplica(3);
        for (int i = 0; i < 400; ++i) {
            fraud::v1::Transaction tx;
            if (!sent.empty() && rng() % 25 == 0) {
                tx = sent[rng() % sent.size()];  // a client's retry
            } else {
                const fraud::EpochMillis t = start + i * 25'000 - (rng() % 6 == 0 ? 900'000 : 0);
                tx = transaction("tx-" + std::to_string(i), "card-" + std::to_string(rng() % 15), t,
                                 1 + rng() % 500, "m-" + std::to_string(rng() % 12),
                                 rng() % 4 == 0 ? "" : "d-" + std::to_string(rng() % 5));
                sent.push_back(tx);
            }
            const auto r = rng() % 3;
            ++perReplica[r];
            const auto got = call(*stubs[r], tx);
            const auto want = call(*reference, tx);
            QVERIFY2(got.status.ok() && want.status.ok(), got.status.error_message().c_str());
            QVERIFY(!got.result.card_history_missing());
            for (const char* f : kHistoryFeatures) {
                QVERIFY2(got.features.count(f) && want.features.count(f), f);
                QVERIFY2(sameValue(got.features.at(f), want.features.at(f)),
                         qPrintable(QStringLiteral("transaction %1 (%2), %3: shared %4, single %5")
                                        .arg(i)
                                        .arg(QString::fromStdString(tx.card_id()))
                                        .arg(f)
                                        .arg(got.features.at(f))
                                        .arg(want.features.at(f))));
            }
            QCOMPARE(got.result.score(), want.result.score());
        }
        for (int n : perReplica)
            QVERIFY(n > 100);
    }

    void loadgenSpreadsCardsAtRandom() {
        QString error;
        auto redis = RedisProcess::start(&error);
        QVERIFY2(redis, qPrintable(error));
        auto replicas = startReplicas(3, {"--redis", redis->address(), "--drain-seconds", "0"});
        QCOMPARE(replicas.size(), std::size_t{3});
        QStringList targets;
        for (const auto& r : replicas)
            targets << r->grpcAddress();
        LoadgenRun load({"--target", targets.join(','), "--spread", "random", "--requests", "3000",
                         "--warmup", "0", "--cards", "50", "--concurrency", "8",
                         "--sim-start-days-ago", "1"});
        const auto report = load.finish(&error);
        QVERIFY2(!report.isEmpty(), qPrintable(error));
        const auto codes = LoadgenRun::codes(report);
        QCOMPARE(codes.size(), std::size_t{1});
        QVERIFY(codes.count("OK"));
        // Random, not by card: every replica saw most cards.
        for (const auto& r : replicas)
            QVERIFY(metric(*r, "fraud_scorer_requests_total") > 500);
        // And every replica says the same of each card.
        std::vector<std::unique_ptr<fraud::v1::Scoring::Stub>> stubs;
        for (const auto& r : replicas)
            stubs.push_back(fraud::v1::Scoring::NewStub(channelTo(r->grpcAddress())));
        int known = 0;
        for (int c = 0; c < 50; ++c) {
            // After every event the generator made (its clock stops at now).
            const auto probe =
                transaction("probe-" + std::to_string(c), "card-" + std::to_string(c),
                            fraud::wallClockMillis() + 120'000, 10, "m-1", "d-1");
            const auto first = call(*stubs[0], probe, false);
            QVERIFY(first.status.ok());
            known += first.features.at("card_txn_count_24h") > 0 ? 1 : 0;
            for (std::size_t r = 1; r < stubs.size(); ++r) {
                const auto other = call(*stubs[r], probe, false);
                for (const char* f : kHistoryFeatures)
                    QVERIFY2(sameValue(first.features.at(f), other.features.at(f)), f);
            }
        }
        QVERIFY2(known > 25, qPrintable(QString::number(known)));  // the probe saw real history
    }

    // Two replicas, 1,000 rounds; in each both score one fresh card at the same moment. One
    // sees no earlier transaction and the other sees the first; afterwards the card has two.
    void twoReplicasRaceOnOneCard() {
        QString error;
        auto redis = RedisProcess::start(&error);
        QVERIFY2(redis, qPrintable(error));
        auto replicas = startReplicas(2, {"--redis", redis->address(), "--drain-seconds", "0"});
        QCOMPARE(replicas.size(), std::size_t{2});
        constexpr int kRounds = 1000;
        const fraud::EpochMillis t = fraud::wallClockMillis() - 120'000;
        std::vector<std::vector<double>> seen(2, std::vector<double>(kRounds, -1));
        std::barrier sync(2);
        const auto run = [&](int side) {
            auto stub = fraud::v1::Scoring::NewStub(
                channelTo(replicas[static_cast<std::size_t>(side)]->grpcAddress()));
            for (int r = 0; r < kRounds; ++r) {
                sync.arrive_and_wait();
                const auto tx =
                    transaction("race-" + std::to_string(r) + "-" + std::to_string(side),
                                "race-card-" + std::to_string(r), t, 20, "m-1", "d-1");
                const auto s = call(*stub, tx);
                if (s.status.ok())
                    seen[static_cast<std::size_t>(side)][static_cast<std::size_t>(r)] =
                        feature(s, "card_txn_count_24h");
            }
        };
        std::thread a(run, 0), b(run, 1);
        a.join();
        b.join();
        auto stub = fraud::v1::Scoring::NewStub(channelTo(replicas[0]->grpcAddress()));
        int lost = 0;
        for (int r = 0; r < kRounds; ++r) {
            const auto i = static_cast<std::size_t>(r);
            const auto after = call(
                *stub,
                validTransaction("after-" + std::to_string(r), "race-card-" + std::to_string(r)),
                false);
            if (seen[0][i] + seen[1][i] != 1 || feature(after, "card_txn_count_24h") != 2)
                ++lost;
        }
        QCOMPARE(lost, 0);
    }

    void rollingRestartKeepsHistory_data() {
        QTest::addColumn<bool>("useRedis");
        QTest::newRow("in-process, snapshots") << false;
        QTest::newRow("redis") << true;
    }
    void rollingRestartKeepsHistory() {
        QFETCH(bool, useRedis);
        QString error;
        std::unique_ptr<RedisProcess> redis;
        if (useRedis) {
            redis = RedisProcess::start(&error);
            QVERIFY2(redis, qPrintable(error));
        }
        QTemporaryDir dir;
        std::vector<QStringList> args(3);
        std::vector<std::unique_ptr<ScorerProcess>> replicas(3);
        QStringList targets;
        for (std::size_t i = 0; i < 3; ++i) {
            const QString address = QStringLiteral("127.0.0.1:%1").arg(freeLoopbackPort());
            args[i] = QStringList{"--listen", address, "--drain-seconds", "0.5"};
            if (useRedis)
                args[i] << "--redis" << redis->address();
            else
                args[i] << "--card-snapshot" << dir.filePath(QStringLiteral("slot-%1").arg(i));
            replicas[i] = ScorerProcess::start(transactionRegistry(), args[i], &error);
            QVERIFY2(replicas[i], qPrintable(error));
            targets << address;
        }
        const auto stubFor = [&](std::size_t i) {
            return fraud::v1::Scoring::NewStub(channelTo(replicas[i]->grpcAddress()));
        };
        // Probe cards with three known transactions each, probe-k on replica k % 3 (with
        // in-process history a card must stay on its replica).
        constexpr int kProbes = 30;
        const fraud::EpochMillis t = fraud::wallClockMillis() - 600'000;
        for (int k = 0; k < kProbes; ++k) {
            auto stub = stubFor(static_cast<std::size_t>(k % 3));
            for (int n = 0; n < 3; ++n) {
                const auto s =
                    call(*stub,
                         transaction("p-" + std::to_string(k) + "-" + std::to_string(n),
                                     "probe-" + std::to_string(k), t + n * 1000, 10, "m-1", "d-1"));
                QVERIFY(s.status.ok());
            }
        }
        // Load on other cards throughout (by card in-process, at random with Redis).
        LoadgenRun load({"--target", targets.join(','), "--spread", useRedis ? "random" : "card",
                         "--mode", "open", "--rate", "300", "--duration", "600", "--warmup", "0",
                         "--cards", "500", "--deadline-ms", "2000"});
        QTRY_VERIFY_WITH_TIMEOUT(metric(*replicas[2], "fraud_scorer_requests_total") > 100, 30'000);
        for (std::size_t i = 0; i < 3; ++i) {
            replicas[i]->child().signal(SIGTERM);
            QVERIFY(replicas[i]->child().waitForExit(std::chrono::seconds(30)));
            const QString log = QString::fromUtf8(replicas[i]->child().standardError());
            if (!useRedis)
                QVERIFY2(log.contains(QRegularExpression("saved \\d+ cards to")), qPrintable(log));
            replicas[i] = ScorerProcess::start(transactionRegistry(), args[i], &error);
            QVERIFY2(replicas[i], qPrintable(error));
        }
        load.stop();
        const auto report = load.finish(&error);
        QVERIFY2(!report.isEmpty(), qPrintable(error));
        const auto codes = LoadgenRun::codes(report);
        qInfo("load during the rolling restart: %.0f OK, %zu other outcomes",
              codes.count("OK") ? codes.at("OK") : 0.0, codes.size() - codes.count("OK"));
        QVERIFY(codes.count("OK") && codes.at("OK") > 300);
        // Every probe card still has its three transactions; with Redis, asked of another
        // replica than the one that recorded them.
        int intact = 0;
        for (int k = 0; k < kProbes; ++k) {
            auto stub = stubFor(static_cast<std::size_t>((k + (useRedis ? 1 : 0)) % 3));
            const auto s =
                call(*stub,
                     transaction("after-" + std::to_string(k), "probe-" + std::to_string(k),
                                 t + 5000, 10, "m-1", "d-1"),
                     false);
            QVERIFY(s.status.ok());
            intact += feature(s, "card_txn_count_24h") == 3 ? 1 : 0;
        }
        QCOMPARE(intact, kProbes);
    }

    void corruptSnapshotServesFromEmpty() {
        QTemporaryDir dir;
        const QString path = dir.filePath("cards.snapshot");
        const QStringList args{"--card-snapshot", path, "--drain-seconds", "0"};
        QString error, log;
        const auto stopAndLog = [&](ScorerProcess& scorer) {
            scorer.child().signal(SIGTERM);
            const bool exited = scorer.child().waitForExit(std::chrono::seconds(30));
            log += QString::fromUtf8(scorer.child().standardError());
            return exited;
        };
        // A snapshot of one card, as the scorer writes it on SIGTERM.
        auto scorer = ScorerProcess::start(transactionRegistry(), args, &error);
        QVERIFY2(scorer, qPrintable(error));
        auto stub = fraud::v1::Scoring::NewStub(channelTo(scorer->grpcAddress()));
        QVERIFY(call(*stub, validTransaction("before", "card-1")).status.ok());
        QVERIFY(stopAndLog(*scorer));
        QVERIFY2(log.contains("saved 1 cards to " + path), qPrintable(log));
        // One byte flipped in the middle.
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QByteArray bytes = f.readAll();
            bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
            f.seek(0);
            f.write(bytes);
        }
        log.clear();
        scorer = ScorerProcess::start(transactionRegistry(), args, &error);
        QVERIFY2(scorer, qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(
            (log += QString::fromUtf8(scorer->child().standardError())).contains("refused"),
            10'000);
        QVERIFY2(log.contains("card-history snapshot " + path +
                              " refused: checksum mismatch (corrupt); starting with no card "
                              "history"),
                 qPrintable(log));
        stub = fraud::v1::Scoring::NewStub(channelTo(scorer->grpcAddress()));
        const auto s = call(*stub, validTransaction("after-refusal", "card-1"));
        QVERIFY(s.status.ok());
        QCOMPARE(feature(s, "card_txn_count_24h"), 0.0);  // served, from empty
        // Its own snapshot replaces the bad one at the next stop, and is read at the next start.
        QVERIFY(stopAndLog(*scorer));
        QVERIFY2(log.contains("saved 1 cards to " + path), qPrintable(log));
        log.clear();
        scorer = ScorerProcess::start(transactionRegistry(), args, &error);
        QVERIFY2(scorer, qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT((log += QString::fromUtf8(scorer->child().standardError()))
                                     .contains("restored 1 cards"),
                                 10'000);
    }

    void redisStoppedMidLoad() {
        QString error;
        auto redis = RedisProcess::start(&error, /*persistent=*/true);
        QVERIFY2(redis, qPrintable(error));
        auto replicas = startReplicas(
            1, {"--redis", redis->address(), "--redis-timeout-ms", "200", "--drain-seconds", "0"});
        QCOMPARE(replicas.size(), std::size_t{1});
        ScorerProcess& scorer = *replicas[0];
        auto prometheus = PrometheusProcess::start(
            {{QStringLiteral("127.0.0.1:%1").arg(scorer.metricsPort()), {{"replica", "0"}}}},
            QStringLiteral("fraud-scorer"), &error, {rulesFile()});
        QVERIFY2(prometheus, qPrintable(error));
        auto stub = fraud::v1::Scoring::NewStub(channelTo(scorer.grpcAddress()));
        const fraud::EpochMillis t = fraud::wallClockMillis() - 300'000;
        QVERIFY(call(*stub, transaction("kept-1", "kept", t, 10, "m-1", "d-1")).status.ok());

        LoadgenRun load({"--target", scorer.grpcAddress(), "--mode", "open", "--rate", "200",
                         "--duration", "600", "--warmup", "0", "--cards", "200"});
        QTRY_VERIFY_WITH_TIMEOUT(metric(scorer, "fraud_scorer_requests_total") > 200, 30'000);
        QVERIFY(redis->stop());
        // Scored without history, and said so.
        const auto during = call(*stub, transaction("during", "kept", t + 1000, 10, "m-1", "d-1"));
        QVERIFY(during.status.ok());
        QVERIFY(during.result.card_history_missing());
        QVERIFY(std::isnan(feature(during, "card_txn_count_24h")));
        QVERIFY(prometheus->waitFor(
            QStringLiteral(
                "ALERTS{alertname=\"FraudCardHistoryUnavailable\",alertstate=\"firing\"}"),
            [](const QJsonArray& r) { return !r.isEmpty(); }, std::chrono::seconds(120)));
        QVERIFY(metric(scorer, "fraud_scorer_card_history_missing_total") > 100);
        QVERIFY2(redis->restart(&error), qPrintable(error));
        // Back on the shared state: the card's transaction from before the outage is there.
        QTRY_VERIFY_WITH_TIMEOUT(
            !call(*stub, transaction("after", "kept", t + 2000, 10, "m-1", "d-1"), false)
                 .result.card_history_missing(),
            10'000);
        const auto after =
            call(*stub, transaction("after", "kept", t + 2000, 10, "m-1", "d-1"), false);
        QCOMPARE(feature(after, "card_txn_count_24h"), 1.0);
        load.stop();
        const auto report = load.finish(&error);
        QVERIFY2(!report.isEmpty(), qPrintable(error));
        const auto codes = LoadgenRun::codes(report);
        QString said;
        for (const auto& [code, count] : codes)
            said += QStringLiteral("%1 %2; ").arg(code).arg(count);
        QVERIFY2(codes.size() == 1, qPrintable(said));  // no request failed
        QVERIFY(codes.count("OK") && codes.at("OK") > 1000);
        QCOMPARE(metric(scorer, "fraud_scorer_card_history_up"), 1.0);
    }
};

QTEST_GUILESS_MAIN(SharedCardHistoryTest)
#include "tst_shared_card_history.moc"
