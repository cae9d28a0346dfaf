// Record modes against a real scorer: RECORD_NONE changes nothing (card history, metrics,
// drift, live feed) and is counted apart as a test; RECORD_HISTORY_ONLY changes the card's
// history only and is counted apart as history; RECORD_ALL is live traffic. Unary and stream.
#include <QRegularExpression>
#include <QtTest>

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
};

QTEST_GUILESS_MAIN(RecordModesTest)
#include "tst_record_modes.moc"
