// The metrics the release gates read, checked against what they must count on real scorers:
// requests and latency by the side of the release (stable, canary, shadow); shadow flips by
// direction; and cards, each counted once per outcome and rollout generation. The expected
// figures come from a second scorer serving the canary's version as stable, fed the same
// transactions in the same order (so its card histories, and decisions, are the shadow's).
#include <QTemporaryDir>
#include <QtTest>
#include <set>

#include "HttpGet.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "registry/ModelRegistry.h"
#include "serving/CanaryRouter.h"
#include "synth/TransactionGenerator.h"

using namespace fraudops::test;

namespace {

constexpr std::uint32_t kWeightBp = 5000;

// The sum of every sample of `name` whose labels include all of `labels`.
double sample(const QByteArray& metrics, const QString& name,
              const std::map<QString, QString>& labels) {
    double sum = 0;
    for (const auto& raw : metrics.split('\n')) {
        const QString line = QString::fromUtf8(raw);
        if (!line.startsWith(name + "{"))
            continue;
        const QString set = line.section('}', 0, 0);
        bool all = true;
        for (const auto& [key, value] : labels)
            all = all && set.contains(key + "=\"" + value + "\"");
        if (all)
            sum += line.section(' ', -1).toDouble();
    }
    return sum;
}

QByteArray scrape(const ScorerProcess& s) {
    return httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(s.metricsPort())).body;
}

std::vector<fraud::v1::ScoreResult> scoreAll(const ScorerProcess& s,
                                             const std::vector<fraud::v1::Transaction>& txs) {
    auto stub = fraud::v1::Scoring::NewStub(channelTo(s.grpcAddress()));
    auto context = callContext({}, 120);
    auto stream = stub->ScoreStream(context.get());
    std::vector<fraud::v1::ScoreResult> out;
    for (std::size_t first = 0; first < txs.size(); first += 100) {
        fraud::v1::ScoreBatch batch;
        for (std::size_t i = first; i < std::min(txs.size(), first + 100); ++i)
            *batch.add_transactions() = txs[i];
        if (!stream->Write(batch))
            break;
        fraud::v1::ScoreBatchResult reply;
        if (!stream->Read(&reply))
            break;
        for (const auto& r : reply.results())
            out.push_back(r);
    }
    stream->WritesDone();
    stream->Finish();
    return out;
}

}  // namespace

class ReleaseMetricsTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString release_;  // v1 stable, v2 canary
    QString future_;   // v2 stable: what the canary would decide
    std::unique_ptr<ScorerProcess> scorer_;
    std::unique_ptr<ScorerProcess> oracle_;
    std::unique_ptr<fraud::TransactionGenerator> generator_;

    std::vector<fraud::v1::Transaction> nextTransactions(std::size_t n) {
        std::vector<fraud::v1::Transaction> out;
        for (std::size_t i = 0; i < n; ++i)
            out.push_back(generator_->next().tx);
        return out;
    }
    void setRollout(const QString& registry,
                    const std::function<void(fraud::RolloutState&)>& edit) {
        fraud::ModelRegistry r(registry.toStdString());
        r.commit(r.readRollout()->generation, "test", "test", "a step", edit);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        release_ = dir_.filePath("release");
        future_ = dir_.filePath("future");
        copyRegistry(transactionRegistry(), release_);
        copyRegistry(transactionRegistry(), future_);
        setRollout(release_, [](fraud::RolloutState& s) {
            s.canary = "v2";
            s.canaryWeightBp = kWeightBp;
            s.mode = fraud::RolloutMode::Shadow;
        });
        setRollout(future_, [](fraud::RolloutState& s) { s.stable = "v2"; });
        const QStringList args{"--drain-seconds",    "0",  "--max-event-age", "864000",
                               "--registry-poll-ms", "100"};
        QString error;
        scorer_ = ScorerProcess::start(release_, args, &error);
        QVERIFY2(scorer_, qPrintable(error));
        oracle_ = ScorerProcess::start(future_, args, &error);
        QVERIFY2(oracle_, qPrintable(error));
        fraud::GeneratorConfig config;
        config.seed = 15;
        config.cards = 400;
        config.fraudRate = 0.05;  // enough declines and flips to count
        config.txnsPerCardPerDay = 40;
        config.diurnal = false;
        // 16,000 transactions a simulated day; the test uses under 5,000, so every event
        // time lies in the past, whatever the hour.
        config.start = fraud::wallClockMillis() - 12 * 3600 * 1000;
        generator_ = std::make_unique<fraud::TransactionGenerator>(config);
    }

    void shadowFlipsAndCardsAreCountedByDirectionAndSide() {
        const auto txs = nextTransactions(3000);
        const auto live = scoreAll(*scorer_, txs);
        const auto future = scoreAll(*oracle_, txs);
        QCOMPARE(live.size(), txs.size());
        QCOMPARE(future.size(), txs.size());

        double stricter = 0, lenient = 0, shadowRequests = 0, stableRequests = 0;
        std::set<std::string> stableCards, shadowCards, stableDeclined, shadowDeclined,
            stricterCards, lenientCards;
        for (std::size_t i = 0; i < txs.size(); ++i) {
            QVERIFY2(!live[i].has_error(), live[i].error().message().c_str());
            const auto& card = txs[i].card_id();
            const auto stableDecision = live[i].decision();
            QCOMPARE(live[i].variant(), fraud::v1::VARIANT_STABLE);  // shadow: stable decides
            if (!fraud::CanaryRouter::toCanary(card, kWeightBp)) {
                ++stableRequests;
                stableCards.insert(card);
                if (stableDecision == fraud::v1::DECISION_DECLINE)
                    stableDeclined.insert(card);
                continue;
            }
            ++shadowRequests;
            shadowCards.insert(card);
            const auto canaryDecision = future[i].decision();
            if (canaryDecision == fraud::v1::DECISION_DECLINE)
                shadowDeclined.insert(card);
            if (canaryDecision > stableDecision) {
                ++stricter;
                stricterCards.insert(card);
            } else if (canaryDecision < stableDecision) {
                ++lenient;
                lenientCards.insert(card);
            }
        }
        // The traffic is rich enough for the checks to mean something.
        QVERIFY(stableCards.size() > 100 && shadowCards.size() > 100);
        QVERIFY2(stricter + lenient > 5, qPrintable(QString::number(stricter + lenient)));
        QVERIFY(!shadowDeclined.empty() && !stableDeclined.empty());
        // A card-testing burst is many declines of one card: cards are fewer than declines.
        qInfo(
            "%zu stable cards (%zu declined), %zu shadow cards (%zu declined), flips: %g "
            "stricter on %zu cards, %g lenient on %zu cards",
            stableCards.size(), stableDeclined.size(), shadowCards.size(), shadowDeclined.size(),
            stricter, stricterCards.size(), lenient, lenientCards.size());

        const auto m = scrape(*scorer_);
        const QString flips = "fraud_scorer_shadow_decision_flips_total";
        QCOMPARE(sample(m, flips, {{"direction", "stricter"}}), stricter);
        QCOMPARE(sample(m, flips, {{"direction", "lenient"}}), lenient);
        const QString requests = "fraud_scorer_requests_total";
        QCOMPARE(sample(m, requests, {{"method", "ScoreStream"}, {"variant", "shadow"}}),
                 shadowRequests);
        QCOMPARE(sample(m, requests, {{"method", "ScoreStream"}, {"variant", "stable"}}),
                 stableRequests);
        const QString cards = "fraud_scorer_cards_total";
        const auto count = [&](const char* variant, const char* outcome) {
            return sample(m, cards, {{"variant", variant}, {"outcome", outcome}});
        };
        QCOMPARE(count("stable", "scored"), double(stableCards.size()));
        QCOMPARE(count("stable", "decline"), double(stableDeclined.size()));
        QCOMPARE(count("shadow", "scored"), double(shadowCards.size()));
        QCOMPARE(count("shadow", "decline"), double(shadowDeclined.size()));
        QCOMPARE(count("shadow", "flip_stricter"), double(stricterCards.size()));
        QCOMPARE(count("shadow", "flip_lenient"), double(lenientCards.size()));
        QCOMPARE(count("stable", "error"), 0.0);
        QCOMPARE(count("canary", "scored"), 0.0);
    }

    void aNewGenerationCountsEveryCardAgain() {
        const auto before = scrape(*scorer_);
        const auto cardsBefore = [&](const char* variant) {
            return sample(before, "fraud_scorer_cards_total",
                          {{"variant", variant}, {"outcome", "scored"}});
        };
        const double stableBefore = cardsBefore("stable");
        // The next step: split mode at the same weight, generation + 1.
        setRollout(release_, [](fraud::RolloutState& s) { s.mode = fraud::RolloutMode::Split; });
        const auto generation =
            fraud::ModelRegistry(release_.toStdString()).readRollout()->generation;
        QTRY_VERIFY_WITH_TIMEOUT(
            scrape(*scorer_).contains("fraud_scorer_rollout_generation " +
                                      QByteArray::number(qulonglong(generation))),
            20'000);
        const auto txs = nextTransactions(1500);
        const auto live = scoreAll(*scorer_, txs);
        std::set<std::string> stableCards, canaryCards;
        double canaryRequests = 0;
        for (std::size_t i = 0; i < txs.size(); ++i) {
            const bool canary = fraud::CanaryRouter::toCanary(txs[i].card_id(), kWeightBp);
            QCOMPARE(live[i].variant(),
                     canary ? fraud::v1::VARIANT_CANARY : fraud::v1::VARIANT_STABLE);
            (canary ? canaryCards : stableCards).insert(txs[i].card_id());
            canaryRequests += canary ? 1 : 0;
        }
        const auto after = scrape(*scorer_);
        // Cards already counted in the last generation count again in this one.
        QCOMPARE(sample(after, "fraud_scorer_cards_total",
                        {{"variant", "stable"}, {"outcome", "scored"}}) -
                     stableBefore,
                 double(stableCards.size()));
        QCOMPARE(sample(after, "fraud_scorer_cards_total",
                        {{"variant", "canary"}, {"outcome", "scored"}}),
                 double(canaryCards.size()));
        QCOMPARE(sample(after, "fraud_scorer_requests_total",
                        {{"method", "ScoreStream"}, {"variant", "canary"}}),
                 canaryRequests);
        // A batch holds both sides: its one duration is "mixed".
        QVERIFY(sample(after, "fraud_scorer_request_duration_seconds_count",
                       {{"method", "ScoreStream"}, {"variant", "mixed"}}) > 0);
    }

    void unaryLatencyCarriesTheVariant() {
        auto stub = fraud::v1::Scoring::NewStub(channelTo(scorer_->grpcAddress()));
        double canary = 0, stable = 0;
        for (const auto& tx : nextTransactions(60)) {
            fraud::v1::ScoreRequest request;
            *request.mutable_transaction() = tx;
            fraud::v1::ScoreResult result;
            auto context = callContext();
            QVERIFY(stub->Score(context.get(), request, &result).ok());
            (result.variant() == fraud::v1::VARIANT_CANARY ? canary : stable) += 1;
        }
        QVERIFY(canary > 0 && stable > 0);
        const auto m = scrape(*scorer_);
        const QString duration = "fraud_scorer_request_duration_seconds_count";
        QCOMPARE(sample(m, duration, {{"method", "Score"}, {"variant", "canary"}}), canary);
        QCOMPARE(sample(m, duration, {{"method", "Score"}, {"variant", "stable"}}), stable);
        // The SLO's edge (2 ms) is a bucket bound, so the share of slow calls is counted.
        QVERIFY(m.contains(
            R"(fraud_scorer_request_duration_seconds_bucket{method="Score",variant="canary",le="0.002"})"));
    }
};

QTEST_GUILESS_MAIN(ReleaseMetricsTest)
#include "tst_release_metrics.moc"
