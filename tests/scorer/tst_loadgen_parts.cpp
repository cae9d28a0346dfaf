// The load generator's parts: consistent hashing of cards to replicas, and the latency
// histogram its percentiles come from.
#include <QtTest>
#include <map>
#include <random>

#include "common/ConsistentHashRing.h"
#include "loadgen/LatencyHistogram.h"

class LoadgenPartsTest : public QObject {
    Q_OBJECT

private slots:
    void eachCardGoesToOneTarget() {
        const fraud::ConsistentHashRing ring(
            {"10.0.0.1:50051", "10.0.0.2:50051", "10.0.0.3:50051"});
        std::map<std::size_t, int> load;
        for (int c = 0; c < 30'000; ++c) {
            const auto card = "card-" + std::to_string(c);
            const auto target = ring.targetOf(card);
            QCOMPARE(ring.targetOf(card), target);  // the same card, the same target
            ++load[target];
        }
        for (const auto& [target, n] : load) {
            QVERIFY2(n > 30'000 * 0.25 && n < 30'000 * 0.42, qPrintable(QString::number(n)));
        }
    }

    void addingATargetMovesAQuarter() {
        const std::vector<std::string> three{"a:1", "b:1", "c:1"};
        const fraud::ConsistentHashRing before(three);
        auto fourTargets = three;
        fourTargets.push_back("d:1");
        const fraud::ConsistentHashRing after(fourTargets);
        int moved = 0;
        constexpr int kCards = 40'000;
        for (int c = 0; c < kCards; ++c) {
            const auto card = "card-" + std::to_string(c);
            const auto was = before.targetOf(card), is = after.targetOf(card);
            if (was != is) {
                ++moved;
                QCOMPARE(is, std::size_t{3});  // cards only move to the new target
            }
        }
        const double share = double(moved) / kCards;
        QVERIFY2(share > 0.20 && share < 0.30, qPrintable(QString::number(share)));
    }

    void percentilesWithinThePrecision() {
        fraud::LatencyHistogram h;
        std::mt19937_64 rng(3);
        std::vector<std::int64_t> values;
        std::lognormal_distribution<double> latency(std::log(200'000.0), 1.0);  // ~200 µs
        for (int i = 0; i < 100'000; ++i) {
            values.push_back(static_cast<std::int64_t>(latency(rng)));
            h.record(values.back());
        }
        std::sort(values.begin(), values.end());
        for (double q : {0.5, 0.9, 0.99, 0.999}) {
            const auto exact = values[static_cast<std::size_t>(std::ceil(q * values.size())) - 1];
            const auto got = h.percentile(q);
            QVERIFY2(got >= exact && got <= exact * 1.04 + 1000,
                     qPrintable(QStringLiteral("q %1: %2 vs %3").arg(q).arg(got).arg(exact)));
        }
        QCOMPARE(h.max(), values.back());
        QCOMPARE(h.count(), std::uint64_t{100'000});
        fraud::LatencyHistogram other;
        other.record(5'000'000'000);  // a 5 s stall
        h.merge(other);
        QCOMPARE(h.max(), std::int64_t{5'000'000'000});
        QCOMPARE(h.percentile(1.0), std::int64_t{5'000'000'000});
    }
};

QTEST_GUILESS_MAIN(LoadgenPartsTest)
#include "tst_loadgen_parts.moc"
