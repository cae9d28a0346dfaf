// Record modes against a real scorer: RECORD_NONE changes nothing (card history, metrics,
// drift, live feed) and is counted apart as a test; RECORD_HISTORY_ONLY changes the card's
// history only and is counted apart as history; RECORD_ALL is live traffic. Unary and stream.
#include <QRegularExpression>
#include <QtTest>
#include <cmath>
#include <map>

#include "HttpGet.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "fraud/v1/scoring.grpc.pb.h"

using namespace fraudops::test;

namespace {

// The sum of every series of `metric` whose labels contain all of `labels`.
double metricSum(const QByteArray& body, const QString& metric, const QStringList& labels = {}) {
    double sum = 0;
    for (const auto& raw : body.split('\n')) {
        const QString line = QString::fromUtf8(raw);
        if (!line.startsWith(metric + "{") && !line.startsWith(metric + " "))
            continue;
        if (!std::all_of(labels.begin(), labels.end(),
                         [&](const QString& l) { return line.contains(l); }))
            continue;
        sum += line.section(' ', -1).toDouble();
    }
    return sum;
}

}  // namespace

class RecordModesTest : public QObject {
    Q_OBJECT

    std::unique_ptr<ScorerProcess> scorer_;
    std::unique_ptr<fraud::v1::Scoring::Stub> stub_;

    QByteArray metrics() {
        const auto r =
            httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(scorer_->metricsPort()));
        return r.body;
    }

    // What the scorer knows of `card`: its 24-hour count, read through Explain (a dry run).
    double count24h(const std::string& card) {
        fraud::v1::ExplainRequest request;
        *request.mutable_transaction() = validTransaction("probe-" + card, card);
        fraud::v1::ScoreResult result;
        auto context = callContext();
        const auto status = stub_->Explain(context.get(), request, &result);
        if (!status.ok())
            return -1;
        for (const auto& c : result.explanation().contributions()) {
            if (c.feature() == "card_txn_count_24h")
                return c.value();
        }
        return -2;
    }

    grpc::Status score(const std::string& id, const std::string& card, fraud::v1::RecordMode mode) {
        fraud::v1::ScoreRequest request;
        *request.mutable_transaction() = validTransaction(id, card);
        request.set_record_mode(mode);
        fraud::v1::ScoreResult result;
        auto context = callContext();
        return stub_->Score(context.get(), request, &result);
    }

    // The features a dry run computes for `tx` as if the card had also made `prior`.
    std::map<std::string, double> dryRunFeatures(const fraud::v1::Transaction& tx,
                                                 const std::vector<fraud::v1::Transaction>& prior,
                                                 grpc::Status* status = nullptr,
                                                 double* scoreOut = nullptr) {
        fraud::v1::ExplainRequest request;
        *request.mutable_transaction() = tx;
        for (const auto& p : prior)
            *request.add_prior() = p;
        fraud::v1::ScoreResult result;
        auto context = callContext();
        const auto s = stub_->Explain(context.get(), request, &result);
        if (status)
            *status = s;
        if (scoreOut)
            *scoreOut = result.score();
        std::map<std::string, double> values;
        for (const auto& c : result.explanation().contributions())
            values[c.feature()] = c.value();
        return values;
    }

    fraud::v1::ScoreResult scoreLive(const fraud::v1::Transaction& tx) {
        fraud::v1::ScoreRequest request;
        *request.mutable_transaction() = tx;
        request.set_explain(true);
        fraud::v1::ScoreResult result;
        auto context = callContext();
        const auto status = stub_->Score(context.get(), request, &result);
        if (!status.ok())
            qWarning("Score: %s", status.error_message().c_str());
        return result;
    }

private slots:
    void initTestCase() {
        QString error;
        scorer_ = ScorerProcess::start(transactionRegistry(), {"--drain-seconds", "0"}, &error);
        QVERIFY2(scorer_, qPrintable(error));
        stub_ = fraud::v1::Scoring::NewStub(channelTo(scorer_->grpcAddress()));
    }

    void dryRunChangesNothing() {
        const auto before = metrics();
        QCOMPARE(count24h("card-none"), 0.0);
        for (int i = 0; i < 5; ++i)
            QVERIFY(score("none-" + std::to_string(i), "card-none", fraud::v1::RECORD_NONE).ok());
        QCOMPARE(count24h("card-none"), 0.0);  // no history
        const auto after = metrics();
        QCOMPARE(metricSum(after, "fraud_scorer_requests_total", {"method=\"Score\""}),
                 metricSum(before, "fraud_scorer_requests_total", {"method=\"Score\""}));
        QCOMPARE(metricSum(after, "fraud_scorer_decisions_total"),
                 metricSum(before, "fraud_scorer_decisions_total"));
        QCOMPARE(metricSum(after, "fraud_scorer_score_count"),
                 metricSum(before, "fraud_scorer_score_count"));
        QCOMPARE(metricSum(after, "fraud_scorer_unrecorded_requests_total",
                           {"purpose=\"test\"", "method=\"Score\"", "code=\"OK\""}) -
                     metricSum(before, "fraud_scorer_unrecorded_requests_total",
                               {"purpose=\"test\"", "method=\"Score\"", "code=\"OK\""}),
                 5.0);
    }

    void historyOnlyChangesTheCardAlone() {
        const auto before = metrics();
        for (int i = 0; i < 3; ++i) {
            QVERIFY(score("hist-" + std::to_string(i), "card-hist", fraud::v1::RECORD_HISTORY_ONLY)
                        .ok());
        }
        QCOMPARE(count24h("card-hist"), 3.0);  // the card remembers them
        const auto after = metrics();
        QCOMPARE(metricSum(after, "fraud_scorer_decisions_total"),
                 metricSum(before, "fraud_scorer_decisions_total"));
        QCOMPARE(metricSum(after, "fraud_scorer_requests_total", {"method=\"Score\""}),
                 metricSum(before, "fraud_scorer_requests_total", {"method=\"Score\""}));
        QCOMPARE(metricSum(after, "fraud_scorer_unrecorded_requests_total",
                           {"purpose=\"history\"", "code=\"OK\""}) -
                     metricSum(before, "fraud_scorer_unrecorded_requests_total",
                               {"purpose=\"history\"", "code=\"OK\""}),
                 3.0);
    }

    void liveTrafficRecordsEverything() {
        const auto before = metrics();
        QVERIFY(score("live-0", "card-live", fraud::v1::RECORD_ALL).ok());
        QCOMPARE(count24h("card-live"), 1.0);
        const auto after = metrics();
        QCOMPARE(metricSum(after, "fraud_scorer_decisions_total") -
                     metricSum(before, "fraud_scorer_decisions_total"),
                 1.0);
        QCOMPARE(
            metricSum(after, "fraud_scorer_requests_total", {"method=\"Score\"", "code=\"OK\""}) -
                metricSum(before, "fraud_scorer_requests_total",
                          {"method=\"Score\"", "code=\"OK\""}),
            1.0);
    }

    void streamBatchesTakeTheirMode() {
        const auto before = metrics();
        auto context = callContext();
        auto stream = stub_->ScoreStream(context.get());
        fraud::v1::ScoreBatch batch;
        batch.set_record_mode(fraud::v1::RECORD_HISTORY_ONLY);
        for (int i = 0; i < 4; ++i)
            *batch.add_transactions() = validTransaction("sh-" + std::to_string(i), "card-stream");
        QVERIFY(stream->Write(batch));
        fraud::v1::ScoreBatchResult reply;
        QVERIFY(stream->Read(&reply));
        QCOMPARE(reply.results_size(), 4);
        batch.set_record_mode(fraud::v1::RECORD_NONE);
        QVERIFY(stream->Write(batch));
        QVERIFY(stream->Read(&reply));
        stream->WritesDone();
        QVERIFY(stream->Finish().ok());
        QCOMPARE(count24h("card-stream"), 4.0);  // the history batch only
        const auto after = metrics();
        QCOMPARE(metricSum(after, "fraud_scorer_decisions_total"),
                 metricSum(before, "fraud_scorer_decisions_total"));
        for (const QString purpose : {"history", "test"}) {
            const QStringList labels{"purpose=\"" + purpose + "\"", "method=\"ScoreStream\""};
            QCOMPARE(metricSum(after, "fraud_scorer_unrecorded_requests_total", labels) -
                         metricSum(before, "fraud_scorer_unrecorded_requests_total", labels),
                     4.0);
        }
    }

    // A bad transaction in a dry run still gets INVALID_ARGUMENT naming the field, and is not
    // counted among live traffic's invalid inputs.
    void dryRunStillValidates() {
        const auto before = metrics();
        fraud::v1::ScoreRequest request;
        *request.mutable_transaction() = validTransaction("bad", "card-bad");
        request.mutable_transaction()->set_currency("euro");
        request.set_record_mode(fraud::v1::RECORD_NONE);
        fraud::v1::ScoreResult result;
        auto context = callContext();
        const auto status = stub_->Score(context.get(), request, &result);
        QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY(QString::fromStdString(status.error_message()).startsWith("currency"));
        const auto after = metrics();
        QCOMPARE(metricSum(after, "fraud_scorer_invalid_inputs_total"),
                 metricSum(before, "fraud_scorer_invalid_inputs_total"));
    }

    // The card history remembers transaction ids: a dry re-score of a live transaction sees
    // exactly what the live one saw (its own event is not counted twice), and a retried live
    // request records nothing twice.
    void reScoringALiveTransactionReproducesIt() {
        const std::string card = "card-rescore";
        auto first = validTransaction("rescore-1", card);
        first.mutable_timestamp()->set_seconds(first.timestamp().seconds() - 600);
        scoreLive(first);
        auto tx = validTransaction("rescore-2", card);
        tx.set_merchant_id("merchant-new-to-this-card");
        const auto live = scoreLive(tx);
        std::map<std::string, double> liveValues;
        for (const auto& c : live.explanation().contributions())
            liveValues[c.feature()] = c.value();
        QCOMPARE(liveValues.at("card_txn_count_1h"), 1.0);
        QCOMPARE(liveValues.at("new_merchant"), 1.0);

        double again = -1;
        const auto values = dryRunFeatures(tx, {}, nullptr, &again);
        for (const auto& [name, value] : liveValues) {
            if (std::isnan(value)) {
                QVERIFY2(std::isnan(values.at(name)), name.c_str());
            } else {
                QVERIFY2(values.at(name) == value, name.c_str());
            }
        }
        QCOMPARE(again, live.score());  // exactly: the same inputs through the same trees

        // A client retry of the live request is not counted again.
        scoreLive(tx);
        QCOMPARE(count24h(card), 2.0);
    }

    // A dry run with prior transactions sees them as the card's history; the card's live
    // history is untouched afterwards.
    void priorTransactionsAreAScratchHistory() {
        const std::string card = "card-prior";
        const auto base = validTransaction("prior-now", card);
        std::vector<fraud::v1::Transaction> prior;
        for (int i = 0; i < 5; ++i) {
            auto p = validTransaction("prior-" + std::to_string(i), card);
            p.mutable_timestamp()->set_seconds(base.timestamp().seconds() - 600 * (i + 1));
            p.set_amount(2.5);
            p.set_channel(fraud::v1::CHANNEL_ECOM);
            prior.push_back(p);
        }
        grpc::Status status;
        const auto with = dryRunFeatures(base, prior, &status);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QCOMPARE(with.at("card_txn_count_1h"), 5.0);
        QCOMPARE(with.at("card_txn_count_24h"), 5.0);
        QCOMPARE(with.at("seconds_since_last_txn"), 600.0);
        const auto without = dryRunFeatures(base, {});
        QCOMPARE(without.at("card_txn_count_24h"), 0.0);
        QCOMPARE(count24h(card), 0.0);
    }

    void priorTransactionsAreChecked() {
        const auto tx = validTransaction("prior-check", "card-prior-check");
        grpc::Status status;
        auto other = validTransaction("prior-other", "another-card");
        dryRunFeatures(tx, {other}, &status);
        QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY2(QString::fromStdString(status.error_message()).startsWith("prior[0].card_id"),
                 status.error_message().c_str());
        auto badAmount = validTransaction("prior-bad", "card-prior-check");
        badAmount.set_amount(-1);
        dryRunFeatures(tx, {validTransaction("prior-ok", "card-prior-check"), badAmount}, &status);
        QVERIFY2(QString::fromStdString(status.error_message()).startsWith("prior[1].amount"),
                 status.error_message().c_str());

        // Only a dry run may carry them: live history must not take invented events.
        fraud::v1::ScoreRequest request;
        *request.mutable_transaction() = tx;
        *request.add_prior() = validTransaction("prior-live", "card-prior-check");
        fraud::v1::ScoreResult result;
        auto context = callContext();
        status = stub_->Score(context.get(), request, &result);
        QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY(QString::fromStdString(status.error_message()).startsWith("prior:"));
    }

    // Analysts replay last month: a dry run accepts an event time older than the live limit
    // (a week), which live traffic still may not use.
    void dryRunsAcceptOldEventTimes() {
        auto tx = validTransaction("last-month", "card-last-month");
        tx.mutable_timestamp()->set_seconds(tx.timestamp().seconds() - 30 * 86400);
        grpc::Status status;
        dryRunFeatures(tx, {}, &status);
        QVERIFY2(status.ok(), status.error_message().c_str());
        fraud::v1::ScoreRequest request;
        *request.mutable_transaction() = tx;
        fraud::v1::ScoreResult result;
        auto context = callContext();
        status = stub_->Score(context.get(), request, &result);
        QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY(QString::fromStdString(status.error_message()).startsWith("timestamp"));
    }
};

QTEST_GUILESS_MAIN(RecordModesTest)
#include "tst_record_modes.moc"
