// The synthetic generator: deterministic by seed, in event-time order, with a realistic
// fraud rate made of every documented pattern, and drift knobs that move only their field.
#include <QtTest>
#include <map>

#include "common/Time.h"
#include "features/CardHistoryStore.h"
#include "features/TransactionFeatureExtractor.h"
#include "features/TransactionSchema.h"
#include "synth/SimulatedClock.h"
#include "synth/TransactionGenerator.h"

namespace {

fraud::GeneratorConfig config(std::uint64_t seed) {
    fraud::GeneratorConfig c;
    c.seed = seed;
    c.cards = 3000;
    c.start = 1767225600000;  // 2026-01-01
    return c;
}

}  // namespace

class TransactionGeneratorTest : public QObject {
    Q_OBJECT

private slots:
    void sameSeedSameStream() {
        fraud::TransactionGenerator a(config(5)), b(config(5)), c(config(6));
        bool differs = false;
        for (int i = 0; i < 2000; ++i) {
            const auto x = a.next(), y = b.next(), z = c.next();
            QCOMPARE(x.tx.SerializeAsString(), y.tx.SerializeAsString());
            QCOMPARE(x.fraud, y.fraud);
            differs = differs || x.tx.SerializeAsString() != z.tx.SerializeAsString();
        }
        QVERIFY(differs);
    }

    void eventTimeOrderAndFraudMix() {
        fraud::TransactionGenerator g(config(1));
        fraud::EpochMillis last = 0;
        std::map<fraud::FraudPattern, int> patterns;
        int fraud = 0;
        const int n = 100'000;
        for (int i = 0; i < n; ++i) {
            const auto t = g.next();
            const auto time = fraud::toEpochMillis(t.tx.timestamp());
            QVERIFY(time >= last);
            last = time;
            fraud += t.fraud;
            ++patterns[t.pattern];
            QVERIFY(!t.tx.transaction_id().empty());
            QVERIFY(t.tx.amount() >= 0);
        }
        const double rate = double(fraud) / n;
        QVERIFY2(rate >= 0.005 && rate <= 0.02, qPrintable(QString::number(rate)));
        for (auto p :
             {fraud::FraudPattern::CardTesting, fraud::FraudPattern::AccountTakeover,
              fraud::FraudPattern::RiskyCategoryAtNight, fraud::FraudPattern::MerchantCompromise,
              fraud::FraudPattern::FriendlyFraud}) {
            QVERIFY2(patterns[p] > 0, fraud::toString(p).data());
        }
    }

    void amountKnobScalesAmountsOnly() {
        auto shifted = config(3);
        shifted.drift.amountScale = 2.0;
        shifted.drift.from = shifted.start;
        fraud::TransactionGenerator plain(config(3)), drifted(shifted);
        for (int i = 0; i < 1000; ++i) {
            const auto a = plain.next(), b = drifted.next();
            QCOMPARE(a.tx.card_id(), b.tx.card_id());
            QCOMPARE(a.tx.merchant_category(), b.tx.merchant_category());
            QCOMPARE(a.tx.country(), b.tx.country());
            QVERIFY(std::abs(b.tx.amount() - 2 * a.tx.amount()) <= 0.011);
        }
    }

    void driftKnobsMoveExactlyTheDependentFeatures_data() {
        QTest::addColumn<QString>("field");
        QTest::newRow("amount") << "amount";
        QTest::newRow("merchant_category") << "merchant_category";
        QTest::newRow("country") << "country";
    }

    void driftKnobsMoveExactlyTheDependentFeatures() {
        // The same population twice, the second shifted in one raw field from the middle of
        // the stream on: by the schema's dependency map, the features that read the field
        // change and no other does.
        QFETCH(QString, field);
        auto plainConfig = config(21);
        plainConfig.cards = 2000;
        constexpr int kCount = 40'000;
        fraud::TransactionGenerator probe(plainConfig);
        fraud::EpochMillis middle = 0;
        for (int i = 0; i < kCount / 2; ++i)
            middle = fraud::toEpochMillis(probe.next().tx.timestamp());
        auto shiftedConfig = plainConfig;
        shiftedConfig.drift.from = middle;
        if (field == "amount")
            shiftedConfig.drift.amountScale = 1.7;
        if (field == "merchant_category")
            shiftedConfig.drift.categoryShift = 0.3;
        if (field == "country")
            shiftedConfig.drift.countryShift = 0.3;

        fraud::TransactionGenerator plain(plainConfig), shifted(shiftedConfig);
        fraud::CardHistoryStore plainStore, shiftedStore;
        fraud::TransactionFeatureExtractor plainFeatures(plainStore), shiftedFeatures(shiftedStore);
        std::vector<float> a(fraud::kTransactionFeatureCount), b(fraud::kTransactionFeatureCount);
        std::vector<int> differing(fraud::kTransactionFeatureCount, 0);
        int compared = 0;
        for (int i = 0; i < kCount; ++i) {
            const auto x = plain.next(), y = shifted.next();
            plainFeatures.extract(x.tx, a, true);
            shiftedFeatures.extract(y.tx, b, true);
            if (fraud::toEpochMillis(x.tx.timestamp()) < middle)
                continue;
            ++compared;
            for (std::size_t f = 0; f < a.size(); ++f) {
                const bool same = (a[f] == b[f]) || (std::isnan(a[f]) && std::isnan(b[f]));
                differing[f] += same ? 0 : 1;
            }
        }
        QVERIFY(compared > kCount / 3);
        for (std::size_t f = 0; f < differing.size(); ++f) {
            const auto& info = fraud::transactionFeatures()[f];
            const bool depends = std::find(info.rawFields.begin(), info.rawFields.end(),
                                           field.toStdString()) != info.rawFields.end();
            const double share = double(differing[f]) / compared;
            const QString what = QStringLiteral("%1: %2 of rows differ")
                                     .arg(QByteArray(info.name.data(), qsizetype(info.name.size())))
                                     .arg(share);
            if (depends) {
                QVERIFY2(share > 0.05, qPrintable(what));
            } else {
                QVERIFY2(differing[f] == 0, qPrintable(what));
            }
        }
    }

    void simulatedClockRunsFasterFromThePast() {
        // A week ago in simulated time, ten times faster: one wall minute is ten simulated
        // minutes, and the simulation reaches the present after 7 days / 9 of wall time.
        const fraud::EpochMillis wall0 = 1767225600000, week = 7LL * 86'400'000;
        const fraud::SimulatedClock clock(wall0 - week, 10, wall0);
        QCOMPARE(clock.simulatedAt(wall0), wall0 - week);
        QCOMPARE(clock.simulatedAt(wall0 + 60'000), wall0 - week + 600'000);
        QCOMPARE(clock.wallAt(wall0 - week + 600'000), wall0 + 60'000);
        const fraud::EpochMillis caughtUp = wall0 + week / 9;
        QVERIFY(std::abs(clock.simulatedAt(caughtUp) - caughtUp) <= 10);
    }
};

QTEST_GUILESS_MAIN(TransactionGeneratorTest)
#include "tst_transaction_generator.moc"
