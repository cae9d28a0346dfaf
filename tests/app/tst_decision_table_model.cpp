// The Decisions page's models and views without a cluster: DecisionTableModel and
// DecisionFilterModel under QAbstractItemModelTester (newest first, bounded, filtered, sorted);
// the explanation waterfall (its bars sum to the margin; the rest folded into "others";
// thresholds marked at their margins); and where a value falls in a training baseline, from
// percentiles and, for older versions, from bins.
#include <QAbstractItemModelTester>
#include <QtTest>
#include <cmath>

#include "decisions/DecisionFilterModel.h"
#include "decisions/DecisionTableModel.h"
#include "decisions/ExplanationWaterfall.h"
#include "models/ModelSummary.h"

using namespace fraudops;

namespace {

// prefix + number (GCC 12's -Wrestrict misfires on "literal" + std::to_string).
std::string named(const char* prefix, int i) {
    std::string s = prefix;
    s += std::to_string(i);
    return s;
}

fraud::v1::LiveDecision decision(int i, fraud::v1::Decision outcome, double score,
                                 fraud::v1::Variant variant = fraud::v1::VARIANT_STABLE) {
    fraud::v1::LiveDecision d;
    auto* tx = d.mutable_transaction();
    tx->set_transaction_id(named("tx-", i));
    tx->set_card_id(named("card-", i % 7));
    tx->set_merchant_id(named("m-", i % 5));
    tx->set_merchant_category("5411");
    tx->set_amount(10.0 + i);
    tx->set_currency("EUR");
    tx->mutable_timestamp()->set_seconds(1'800'000'000 + i);
    tx->set_channel(fraud::v1::CHANNEL_ECOM);
    tx->set_country("NL");
    tx->set_card_country("DE");
    auto* r = d.mutable_result();
    r->set_transaction_id(tx->transaction_id());
    r->set_score(score);
    r->set_decision(outcome);
    r->set_variant(variant);
    r->set_model_version(variant == fraud::v1::VARIANT_CANARY ? "v2" : "v1");
    d.set_replica(i % 2 ? "replica-b" : "replica-a");
    return d;
}

std::vector<fraud::v1::LiveDecision> batch(int from, int count) {
    std::vector<fraud::v1::LiveDecision> out;
    for (int i = from; i < from + count; ++i) {
        const auto outcome = i % 10 == 0  ? fraud::v1::DECISION_DECLINE
                             : i % 5 == 0 ? fraud::v1::DECISION_REVIEW
                                          : fraud::v1::DECISION_APPROVE;
        const double score = outcome == fraud::v1::DECISION_DECLINE  ? 0.5 + (i % 7) / 20.0
                             : outcome == fraud::v1::DECISION_REVIEW ? 0.05
                                                                     : 0.001 * (i % 9);
        out.push_back(decision(i, outcome, score,
                               i % 3 == 0 ? fraud::v1::VARIANT_CANARY : fraud::v1::VARIANT_STABLE));
    }
    return out;
}

FeatureBaseline percentileBaseline() {
    FeatureBaseline b;
    b.edges = {10, 20, 50, 100};
    b.fractions = {0.2, 0.2, 0.3, 0.2, 0.1};
    b.count = 1000;
    b.percentileLevels.push_back(0.001);
    b.percentiles.push_back(1);
    for (int p = 1; p <= 99; ++p) {
        b.percentileLevels.push_back(p / 100.0);
        b.percentiles.push_back(p * 5.0);  // uniform on (0, 500]
    }
    b.percentileLevels.push_back(0.999);
    b.percentiles.push_back(499.5);
    return b;
}

}  // namespace

class DecisionTableModelTest : public QObject {
    Q_OBJECT

private slots:
    void newestFirstAndBounded() {
        DecisionTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCapacity(50);
        model.add(batch(0, 30));
        QCOMPARE(model.rowCount(), 30);
        QCOMPARE(model.index(0, DecisionTableModel::TransactionId).data().toString(), "tx-29");
        model.add(batch(30, 30));
        QCOMPARE(model.rowCount(), 50);  // the oldest ten fell off
        QCOMPARE(model.index(0, DecisionTableModel::TransactionId).data().toString(), "tx-59");
        QCOMPARE(model.index(49, DecisionTableModel::TransactionId).data().toString(), "tx-10");
        model.add(batch(60, 500));  // larger than the capacity: its newest only
        QCOMPARE(model.rowCount(), 50);
        QCOMPARE(model.index(49, DecisionTableModel::TransactionId).data().toString(), "tx-510");
        model.setCapacity(20);
        QCOMPARE(model.rowCount(), 20);
        QCOMPARE(model.decisionAt(0)->transaction().transaction_id(), "tx-559");
        QVERIFY(!model.decisionAt(20));
        QCOMPARE(model.index(0, DecisionTableModel::Countries).data().toString(), "DE → NL");
        QCOMPARE(model.index(0, DecisionTableModel::Amount).data().toString(), "569.00 EUR");
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void filtersHoldForArrivingRows() {
        DecisionTableModel model;
        DecisionFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.add(batch(0, 100));
        filter.setDecisions({fraud::v1::DECISION_DECLINE});
        QCOMPARE(filter.rowCount(), 10);
        filter.setMinScore(0.6);
        const auto check = [&] {
            for (int r = 0; r < filter.rowCount(); ++r) {
                const auto d = model.decisionAt(filter.mapToSource(filter.index(r, 0)).row());
                QCOMPARE(d->result().decision(), fraud::v1::DECISION_DECLINE);
                QVERIFY(d->result().score() >= 0.6);
            }
        };
        check();
        const int before = filter.rowCount();
        model.add(batch(100, 100));  // rows that arrive later are filtered too
        check();
        QVERIFY(filter.rowCount() > before);
        filter.setVariant(fraud::v1::VARIANT_CANARY);
        for (int r = 0; r < filter.rowCount(); ++r)
            QCOMPARE(filter.index(r, DecisionTableModel::Variant).data().toString().left(6),
                     "canary");
        filter.setDecisions({});
        filter.setMinScore(0);
        filter.setVariant(fraud::v1::VARIANT_UNSPECIFIED);
        filter.setText("CARD-3");  // any case, on the ids
        QVERIFY(filter.rowCount() > 0);
        for (int r = 0; r < filter.rowCount(); ++r)
            QCOMPARE(filter.index(r, DecisionTableModel::Card).data().toString(), "card-3");
    }

    void sortsByValueNotText() {
        DecisionTableModel model;
        DecisionFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.add(batch(0, 120));  // amounts 10 … 129: "100.00" sorts before "11.00" as text
        filter.sort(DecisionTableModel::Amount, Qt::AscendingOrder);
        double last = -1;
        for (int r = 0; r < filter.rowCount(); ++r) {
            const double amount = filter.index(r, DecisionTableModel::Amount)
                                      .data(DecisionTableModel::SortRole)
                                      .toDouble();
            QVERIFY(amount >= last);
            last = amount;
        }
        model.add(batch(120, 5));  // arrivals keep the order
        QCOMPARE(filter.index(filter.rowCount() - 1, DecisionTableModel::TransactionId)
                     .data()
                     .toString(),
                 "tx-124");
    }

    void waterfallSumsToTheMargin() {
        fraud::v1::ScoreResult result;
        auto* e = result.mutable_explanation();
        e->set_base_value(-4.25);
        double margin = e->base_value();
        for (int i = 0; i < 14; ++i) {
            auto* c = e->add_contributions();
            c->set_feature(named("f", i));
            c->set_value(i);
            c->set_contribution((i % 2 ? -1 : 1) * 0.1 * (i + 1));
            margin += c->contribution();
        }
        e->set_margin(margin);
        result.set_score(1 / (1 + std::exp(-margin)));
        ModelSummary model;
        model.version = "v1";
        model.reviewThreshold = 0.05;
        model.declineThreshold = 0.5;
        model.baselines["f13"] = percentileBaseline();
        const auto data = explanationWaterfall(result, &model, 5);
        QCOMPARE(data.steps.size(), std::size_t{6});  // five, and the other nine folded
        QCOMPARE(data.steps.back().label, "others (9 features)");
        QCOMPARE(data.steps.front().label, "f13 = 13");  // the largest first
        QCOMPARE(data.steps.front().detail, "below 97 % of training");
        QVERIFY(std::abs(data.end() - margin) < 1e-12);
        QVERIFY(std::abs(explanationResidual(*e)) < 1e-12);
        QCOMPARE(data.markers.size(), std::size_t{2});
        QVERIFY(std::abs(data.markers[1].value - 0.0) < 1e-12);  // logit(0.5)
        QVERIFY(std::abs(data.markers[0].value - std::log(0.05 / 0.95)) < 1e-12);
    }

    void placesValuesInTheBaseline() {
        const FeatureBaseline b = percentileBaseline();
        QCOMPARE(b.placement(496), "above 99 % of training");
        QCOMPARE(b.placement(600), "above 99.9 % of training");
        QCOMPARE(b.placement(0.5), "below 99.9 % of training");
        QCOMPARE(b.placement(250), "above 50 % of training");
        QCOMPARE(b.placement(std::nan("")), "missing, as 0.0 % of training");

        // A discrete feature: 0 for 70 % of training, 1 for the rest.
        FeatureBaseline flag;
        flag.edges = {0, 1};
        flag.fractions = {0.7, 0.3, 0};
        flag.percentileLevels = b.percentileLevels;
        for (double level : flag.percentileLevels)
            flag.percentiles.push_back(level <= 0.70 ? 0 : 1);
        QCOMPARE(flag.placement(1), "as 29 % of training");
        QCOMPARE(flag.placement(0), "as 70 % of training");

        // A version trained before percentiles were stored: from its bins, and says so.
        FeatureBaseline old = b;
        old.percentiles.clear();
        old.percentileLevels.clear();
        QCOMPARE(old.placement(200), "above 90 % of training (approximate: bins only)");
        QCOMPARE(old.placement(35), "above 55 % of training (approximate: bins only)");
        QCOMPARE(old.placement(15), "below 70 % of training (approximate: bins only)");

        QString error;
        QVERIFY(!parseModelManifest("[]", &error));
        QVERIFY(!error.isEmpty());
        const auto summary = parseModelManifest(
            R"({"version":"v7","schema":{"kind":"transaction","name":"transaction","version":1,
                "features":["amount"],"cyclic":[]},"thresholds":{"review":0.1,"decline":0.5},
                "baseline":{"features":{"amount":{"edges":[1,2],"fractions":[0.5,0.5,0],
                "missing_fraction":0,"count":10}}}})",
            &error);
        QVERIFY2(summary, qPrintable(error));
        QCOMPARE(summary->schema, "transaction/transaction/v1");
        QCOMPARE(summary->declineThreshold, 0.5);
        QVERIFY(summary->baselines.at("amount").percentiles.empty());
    }
};

QTEST_MAIN(DecisionTableModelTest)
#include "tst_decision_table_model.moc"
