// A real Prometheus scrapes a real scorer: PromQL through Prometheus's HTTP API counts the
// requests this test sent, per status code; the scorer's /metrics passes promtool's lint.
#include <grpcpp/grpcpp.h>

#include <QtTest>

#include "HttpGet.h"
#include "PrometheusProcess.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/Time.h"
#include "fraud/v1/scoring.grpc.pb.h"

using namespace fraudops::test;

namespace {

fraud::v1::ScoreRequest request(int i, bool valid) {
    fraud::v1::ScoreRequest r;
    auto* tx = r.mutable_transaction();
    tx->set_transaction_id("p-" + std::to_string(i));
    tx->set_card_id("card-p-" + std::to_string(i % 7));
    tx->set_merchant_id("m-" + std::to_string(i % 3));
    tx->set_merchant_category("5812");
    tx->set_amount(valid ? 12.0 + i : -1.0);
    tx->set_currency("EUR");
    fraud::setEpochMillis(tx->mutable_timestamp(), fraud::wallClockMillis());
    tx->set_channel(fraud::v1::CHANNEL_POS);
    tx->set_country("FR");
    tx->set_card_country("FR");
    return r;
}

double valueOf(const QJsonArray& result, const QString& code) {
    for (const auto& sample : result) {
        const auto o = sample.toObject();
        if (o.value("metric").toObject().value("code").toString() == code) {
            return o.value("value").toArray().at(1).toString().toDouble();
        }
    }
    return -1;
}

}  // namespace

class ScorerPrometheusTest : public QObject {
    Q_OBJECT

    std::unique_ptr<ScorerProcess> scorer_;

private slots:
    void initTestCase() {
        QString error;
        scorer_ = ScorerProcess::start(transactionRegistry(), {"--drain-seconds", "0"}, &error);
        QVERIFY2(scorer_, qPrintable(error));
    }

    void prometheusCountsTheRequestsSent() {
        QString error;
        const QString target = QStringLiteral("127.0.0.1:%1").arg(scorer_->metricsPort());
        auto prometheus = PrometheusProcess::start({target}, &error);
        QVERIFY2(prometheus, qPrintable(error));
        // The first scrape comes 5-6 s after start, whatever the interval.
        QVERIFY(prometheus->waitFor(
            "up{job=\"scorer\"} == 1", [](const QJsonArray& r) { return r.size() == 1; },
            std::chrono::seconds(60)));

        auto stub = fraud::v1::Scoring::NewStub(grpc::CreateChannel(
            scorer_->grpcAddress().toStdString(), grpc::InsecureChannelCredentials()));
        constexpr int kValid = 37, kInvalid = 5;
        for (int i = 0; i < kValid + kInvalid; ++i) {
            grpc::ClientContext context;
            context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
            fraud::v1::ScoreResult result;
            const auto status = stub->Score(&context, request(i, i >= kInvalid), &result);
            QCOMPARE(status.ok(), i >= kInvalid);
        }

        const QString promql = "sum by (code) (fraud_scorer_requests_total{method=\"Score\"})";
        QJsonArray last;
        const bool counted = prometheus->waitFor(
            promql,
            [&](const QJsonArray& r) {
                return valueOf(r, "OK") == kValid && valueOf(r, "INVALID_ARGUMENT") == kInvalid;
            },
            std::chrono::seconds(60), &last);
        QVERIFY2(counted, qPrintable(QJsonDocument(last).toJson(QJsonDocument::Compact)));

        // Decisions and scores went through too, labelled by the model version.
        QVERIFY(prometheus->waitFor(
            "sum(fraud_scorer_decisions_total{variant=\"stable\",model_version=\"v1\"})",
            [&](const QJsonArray& r) {
                return r.size() == 1 &&
                       r[0].toObject().value("value").toArray().at(1).toString().toDouble() ==
                           kValid;
            },
            std::chrono::seconds(30)));
        QVERIFY(prometheus->waitFor(
            "process_resident_memory_bytes{job=\"scorer\"} > 0",
            [](const QJsonArray& r) { return r.size() == 1; }, std::chrono::seconds(30)));
    }

    void metricsPassPromtool() {
        const auto metrics =
            httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(scorer_->metricsPort()));
        QCOMPARE(metrics.status, 200);
        QVERIFY(
            metrics.body.contains("fraud_scorer_request_duration_seconds_bucket{method=\"Score\","
                                  "variant=\"stable\",le=\"1e-05\"}"));
        QVERIFY(metrics.body.contains("process_cpu_seconds_total"));
        QProcess promtool;
        promtool.start("promtool", {"check", "metrics"});
        QVERIFY(promtool.waitForStarted());
        promtool.write(metrics.body);
        promtool.closeWriteChannel();
        QVERIFY(promtool.waitForFinished(30'000));
        const QByteArray output =
            promtool.readAllStandardOutput() + promtool.readAllStandardError();
        QVERIFY2(promtool.exitCode() == 0, output.constData());
    }
};

QTEST_GUILESS_MAIN(ScorerPrometheusTest)
#include "tst_scorer_prometheus.moc"
