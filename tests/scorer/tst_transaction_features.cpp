// The built-in transaction schema, computed in event time: each feature against values
// worked out by hand on a short sequence of one card's events, some arriving out of order.
#include <QtTest>
#include <cmath>
#include <vector>

#include "common/Time.h"
#include "features/CardHistoryStore.h"
#include "features/TransactionFeatureExtractor.h"
#include "features/TransactionSchema.h"
#include "fraud/v1/transaction.pb.h"

using fraud::TransactionFeature;

namespace {

constexpr std::int64_t kT0 = 1767225600;  // 2026-01-01T00:00:00Z

fraud::v1::Transaction txn(const char* card, std::int64_t offsetSeconds, double amount,
                           const char* merchant, const char* device, const char* country = "NL",
                           const char* mcc = "5411") {
    fraud::v1::Transaction tx;
    tx.set_transaction_id(std::string(card) + "-" + std::to_string(offsetSeconds));
    tx.set_card_id(card);
    tx.set_merchant_id(merchant);
    tx.set_merchant_category(mcc);
    tx.set_amount(amount);
    tx.set_currency("EUR");
    fraud::setEpochMillis(tx.mutable_timestamp(), (kT0 + offsetSeconds) * 1000);
    tx.set_channel(fraud::v1::CHANNEL_ECOM);
    tx.set_country(country);
    tx.set_card_country("NL");
    tx.set_device_id(device);
    return tx;
}

struct Expected {
    double count1h, count24h, sum24h, ratio, sinceLast, newMerchant, newDevice, mismatch, hour;
};

}  // namespace

class TransactionFeaturesTest : public QObject {
    Q_OBJECT

private:
    std::vector<float> extract(fraud::TransactionFeatureExtractor& e,
                               const fraud::v1::Transaction& tx, bool record = true) {
        std::vector<float> out(fraud::kTransactionFeatureCount);
        e.extract(tx, out, record);
        return out;
    }

    static float at(const std::vector<float>& f, TransactionFeature which) {
        return f[static_cast<std::size_t>(which)];
    }

    void check(const std::vector<float>& f, const Expected& e, const char* step) {
        const auto same = [](double got, double want) {
            return std::isnan(want) ? std::isnan(got)
                                    : std::abs(got - want) <= 1e-4 * std::max(1.0, std::abs(want));
        };
        const std::pair<TransactionFeature, double> checks[] = {
            {TransactionFeature::CardTxnCount1h, e.count1h},
            {TransactionFeature::CardTxnCount24h, e.count24h},
            {TransactionFeature::CardAmountSum24h, e.sum24h},
            {TransactionFeature::AmountToCardMean, e.ratio},
            {TransactionFeature::SecondsSinceLastTxn, e.sinceLast},
            {TransactionFeature::NewMerchant, e.newMerchant},
            {TransactionFeature::NewDevice, e.newDevice},
            {TransactionFeature::CountryMismatch, e.mismatch},
            {TransactionFeature::HourOfDay, e.hour},
        };
        for (const auto& [feature, want] : checks) {
            const double got = at(f, feature);
            const auto name = fraud::transactionFeatures()[static_cast<std::size_t>(feature)].name;
            QVERIFY2(same(got, want),
                     qPrintable(QStringLiteral("%1: %2 is %3, expected %4")
                                    .arg(step)
                                    .arg(QByteArray(name.data(), qsizetype(name.size())))
                                    .arg(got)
                                    .arg(want)));
        }
    }

private slots:
    void handComputedSequence() {
        fraud::CardHistoryStore store;
        fraud::TransactionFeatureExtractor e(store);
        const double nan = std::nan("");

        auto f = extract(e, txn("c1", 0, 10, "m1", "d1"));
        check(f, {0, 0, 0, nan, nan, 1, 1, 0, 0}, "first event");
        QCOMPARE(at(f, TransactionFeature::Amount), 10.0f);
        QCOMPARE(at(f, TransactionFeature::MerchantCategoryRisk), 0.05f);
        QCOMPARE(at(f, TransactionFeature::Channel), 2.0f);

        check(extract(e, txn("c1", 600, 30, "m1", "d1")), {1, 1, 10, 3, 600, 0, 0, 0, 0},
              "ten minutes later");
        f = extract(e, txn("c1", 7200, 20, "m2", "d2", "DE", "7995"));
        check(f, {0, 2, 40, 1, 6600, 1, 1, 1, 2}, "two hours later, abroad");
        QCOMPARE(at(f, TransactionFeature::MerchantCategoryRisk), 0.65f);

        // Arrives now, happened at +5 min: only the event at 0 lies before it in event
        // time; m2 was first seen later, so it is new; d1 was seen at 0, so it is not.
        check(extract(e, txn("c1", 300, 40, "m2", "d1")), {1, 1, 10, 4, 300, 1, 0, 0, 0},
              "late arrival");

        // 25 h in: the 24 h window (3600, 90000] holds only the event at 7200; the mean
        // runs over all four remembered events: (10 + 30 + 20 + 40) / 4 = 25.
        check(extract(e, txn("c1", 90000, 50, "m1", "d1")), {0, 1, 20, 2, 82800, 0, 0, 0, 1},
              "a day later");

        // Windows are half-open: the event at 600 is exactly one hour before 4200 and is out
        // of the 1 h window. Before 4200: events at 0, 300, 600 (sum 80, mean 80/3).
        check(extract(e, txn("c1", 4200, 5, "m3", "d1")),
              {0, 3, 80, 5 / (80.0 / 3), 3600, 1, 0, 0, 1}, "window edge");
    }

    void explainDoesNotRecord() {
        fraud::CardHistoryStore store;
        fraud::TransactionFeatureExtractor e(store);
        extract(e, txn("c1", 0, 10, "m1", "d1"));
        const auto first = extract(e, txn("c1", 60, 10, "m9", "d1"), /*record=*/false);
        const auto second = extract(e, txn("c1", 60, 10, "m9", "d1"), /*record=*/false);
        QCOMPARE(at(first, TransactionFeature::CardTxnCount1h), 1.0f);
        QCOMPARE(at(second, TransactionFeature::CardTxnCount1h), 1.0f);
        QCOMPARE(at(second, TransactionFeature::NewMerchant), 1.0f);
        QCOMPARE(store.size(), std::size_t{1});
        extract(e, txn("c2", 0, 1, "m1", "d1"), /*record=*/false);
        QCOMPARE(store.size(),
                 std::size_t{1});  // an unknown card read without recording is not stored
    }

    void cardsAreIndependent() {
        fraud::CardHistoryStore store;
        fraud::TransactionFeatureExtractor e(store);
        extract(e, txn("c1", 0, 10, "m1", "d1"));
        const auto f = extract(e, txn("c2", 10, 10, "m1", "d1"));
        check(f, {0, 0, 0, std::nan(""), std::nan(""), 1, 1, 0, 0}, "another card");
    }

    void noDeviceIsNeverNew() {
        fraud::CardHistoryStore store;
        fraud::TransactionFeatureExtractor e(store);
        const auto f = extract(e, txn("c1", 0, 10, "m1", ""));
        QCOMPARE(at(f, TransactionFeature::NewDevice), 0.0f);
    }

    void velocitySaturatesAtCapacity() {
        fraud::CardHistoryStore store;
        fraud::TransactionFeatureExtractor e(store);
        for (int i = 0; i < 40; ++i)
            extract(e, txn("c1", i * 10, 1, "m1", "d1"));
        const auto f = extract(e, txn("c1", 400, 1, "m1", "d1"));
        QCOMPARE(at(f, TransactionFeature::CardTxnCount1h), float(fraud::kCardEventCapacity));
        // The oldest events made way: the remembered ones are the latest 32, 80..390.
        QCOMPARE(at(f, TransactionFeature::SecondsSinceLastTxn), 10.0f);
    }

    void merchantsAreForgottenLeastRecentlyUsedFirst() {
        // Eight merchants are remembered. m0 is used again before a ninth arrives, so m1,
        // the least recently used, is the one forgotten.
        fraud::CardHistoryStore store;
        fraud::TransactionFeatureExtractor e(store);
        for (int m = 0; m < 8; ++m)
            extract(e, txn("c1", m * 60, 5, (std::string("m") + std::to_string(m)).c_str(), "d1"));
        extract(e, txn("c1", 600, 5, "m0", "d1"));
        extract(e, txn("c1", 660, 5, "m8", "d1"));
        QCOMPARE(
            at(extract(e, txn("c1", 720, 5, "m0", "d1"), false), TransactionFeature::NewMerchant),
            0.0f);
        QCOMPARE(
            at(extract(e, txn("c1", 720, 5, "m2", "d1"), false), TransactionFeature::NewMerchant),
            0.0f);
        QCOMPARE(
            at(extract(e, txn("c1", 720, 5, "m1", "d1"), false), TransactionFeature::NewMerchant),
            1.0f);
        QCOMPARE(
            at(extract(e, txn("c1", 720, 5, "m8", "d1"), false), TransactionFeature::NewMerchant),
            0.0f);
    }

    void storeIsBoundedByCardCount() {
        fraud::CardHistoryStore::Options options;
        options.shards = 4;
        options.maxCards = 100;
        fraud::CardHistoryStore store(options);
        fraud::TransactionFeatureExtractor e(store);
        for (int i = 0; i < 1000; ++i) {
            extract(e, txn(("card" + std::to_string(i)).c_str(), i, 1, "m1", "d1"));
        }
        QVERIFY2(store.size() <= 100, qPrintable(QString::number(store.size())));
        QVERIFY(store.size() >= 96);
    }

    void dependencyMapNamesRealFields() {
        const auto* descriptor = fraud::v1::Transaction::descriptor();
        for (const auto& feature : fraud::transactionFeatures()) {
            QVERIFY(!feature.rawFields.empty());
            for (const auto field : feature.rawFields) {
                QVERIFY2(descriptor->FindFieldByName(std::string(field)) != nullptr,
                         qPrintable(QString::fromUtf8(field.data(), qsizetype(field.size()))));
            }
        }
        QCOMPARE(fraud::transactionFeatures().size(), fraud::kTransactionFeatureCount);
    }
};

QTEST_GUILESS_MAIN(TransactionFeaturesTest)
#include "tst_transaction_features.moc"
