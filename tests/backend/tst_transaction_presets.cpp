// The test form's presets against a real scorer and the synthetic v1 model: every preset is a
// valid transaction with a valid card history (validated as the scorer validates); card
// testing is declined and a legitimate payment approved; and trying them, as the console does
// (a dry run with priors), leaves the card's live history as it was.
#include <google/protobuf/util/time_util.h>

#include <QtTest>
#include <cmath>

#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/Time.h"
#include "common/TransactionValidation.h"
#include "scoring/ScoringClient.h"
#include "scoring/TransactionPresets.h"

using namespace fraudops;
using namespace fraudops::test;

class TransactionPresetsTest : public QObject {
    Q_OBJECT

    std::unique_ptr<ScorerProcess> scorer_;
    std::unique_ptr<ScoringClient> client_;

    fraud::v1::ScoreRequest dryRun(const TransactionPreset& p) {
        fraud::v1::ScoreRequest request;
        *request.mutable_transaction() = p.transaction;
        for (const auto& t : p.prior)
            *request.add_prior() = t;
        request.set_explain(true);
        request.set_record_mode(fraud::v1::RECORD_NONE);
        return request;
    }

    static double feature(const fraud::v1::ScoreResult& r, const std::string& name) {
        for (const auto& c : r.explanation().contributions()) {
            if (c.feature() == name)
                return c.value();
        }
        return -1;
    }

private slots:
    void initTestCase() {
        QString error;
        scorer_ = ScorerProcess::start(transactionRegistry(), {"--drain-seconds", "0"}, &error);
        QVERIFY2(scorer_, qPrintable(error));
        ScorerEndpoint endpoint;
        endpoint.address = scorer_->grpcAddress().toStdString();
        client_ = std::make_unique<ScoringClient>(endpoint);
    }

    void presetsAreValid() {
        const qint64 now = fraud::wallClockMillis();
        for (auto kind : presetKinds()) {
            for (std::uint64_t seed = 1; seed <= 20; ++seed) {
                const auto p = makePreset(kind, now, seed);
                const fraud::ExpectedInput typed;
                const fraud::ValidationLimits limits;
                auto e = fraud::validateTransaction(p.transaction, typed, limits, now);
                QVERIFY2(!e,
                         qPrintable(p.name + ": " +
                                    QString::fromStdString(e ? e->field + " " + e->message : "")));
                for (const auto& t : p.prior) {
                    e = fraud::validateTransaction(t, typed, limits, now);
                    QVERIFY2(!e, qPrintable(
                                     p.name + " prior: " +
                                     QString::fromStdString(e ? e->field + " " + e->message : "")));
                    QCOMPARE(t.card_id(), p.transaction.card_id());
                }
            }
        }
    }

    void cardTestingIsDeclinedAndLegitimateApproved() {
        const qint64 now = fraud::wallClockMillis();
        int declined = 0, approved = 0;
        constexpr int kSeeds = 20;
        for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
            const auto testing =
                client_->score(dryRun(makePreset(PresetKind::CardTesting, now, seed)));
            QVERIFY2(testing.ok(), testing.error ? testing.error->message.c_str() : "");
            declined += testing.value->decision() == fraud::v1::DECISION_DECLINE;
            const auto legit =
                client_->score(dryRun(makePreset(PresetKind::Legitimate, now, seed)));
            QVERIFY(legit.ok());
            approved += legit.value->decision() == fraud::v1::DECISION_APPROVE;
        }
        qInfo("card testing declined %d of %d; legitimate approved %d of %d", declined, kSeeds,
              approved, kSeeds);
        QCOMPARE(declined, kSeeds);
        QCOMPARE(approved, kSeeds);
    }

    void tryingAPresetLeavesTheCardAsItWas() {
        const qint64 now = fraud::wallClockMillis();
        const auto p = makePreset(PresetKind::CardTesting, now, 7);
        // The card lives: two live payments an hour and a half ago.
        for (int i = 0; i < 2; ++i) {
            auto live = p.transaction;
            live.set_transaction_id(std::string("live-").append(std::to_string(i)));
            *live.mutable_timestamp() =
                google::protobuf::util::TimeUtil::MillisecondsToTimestamp(now - 90 * 60'000 + i);
            QVERIFY(client_->score(live, false).ok());
        }
        const auto before = client_->explain(p.transaction);
        QVERIFY(before.ok());
        QCOMPARE(feature(*before.value, "card_txn_count_24h"), 2.0);
        const auto tried = client_->score(dryRun(p));
        QVERIFY(tried.ok());
        QCOMPARE(feature(*tried.value, "card_txn_count_24h"), 2.0 + p.prior.size());
        const auto after = client_->explain(p.transaction);
        QVERIFY(after.ok());
        for (const auto& c : before.value->explanation().contributions()) {
            const double was = c.value(), is = feature(*after.value, c.feature());
            QVERIFY2(was == is || (std::isnan(was) && std::isnan(is)), c.feature().c_str());
        }
        QCOMPARE(after.value->score(), before.value->score());
    }
};

QTEST_GUILESS_MAIN(TransactionPresetsTest)
#include "tst_transaction_presets.moc"
