// PrometheusClient against a real Prometheus: each result type parsed, Prometheus's own error
// for a malformed query, and a stopped or frozen (SIGSTOP) server turned into an error within
// the timeout while the caller's event loop keeps running.
#include <signal.h>

#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

#include "PrometheusProcess.h"
#include "prometheus/PrometheusClient.h"
#include "prometheus/QueryStep.h"

using fraudops::PrometheusClient;
using fraudops::PrometheusError;
using fraudops::PrometheusResult;
using fraudops::test::PrometheusProcess;

namespace {

// Waits for the result of `id`, counting the caller's event-loop turns meanwhile.
struct Waited {
    std::optional<PrometheusResult> result;
    int ticks = 0;  // 10 ms timer ticks seen while waiting: the loop was not blocked
};

Waited waitFor(PrometheusClient& client, PrometheusClient::RequestId id, int timeoutMs) {
    Waited w;
    QTimer ticker;
    QObject::connect(&ticker, &QTimer::timeout, [&] { ++w.ticks; });
    ticker.start(10);
    QEventLoop loop;
    QObject::connect(&client, &PrometheusClient::finished,
                     [&](PrometheusClient::RequestId got, const PrometheusResult& r) {
                         if (got == id) {
                             w.result = r;
                             loop.quit();
                         }
                     });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return w;
}

}  // namespace

class PrometheusClientTest : public QObject {
    Q_OBJECT

    std::unique_ptr<PrometheusProcess> prometheus_;

private slots:
    void initTestCase() {
        QString error;
        // It scrapes a port where nothing listens: `up` for it is 0, a sample a second.
        prometheus_ = PrometheusProcess::start({"127.0.0.1:1"}, &error);
        QVERIFY2(prometheus_, qPrintable(error));
        QVERIFY(prometheus_->waitFor(
            "count_over_time(up[1m])",
            [](const QJsonArray& r) {
                return !r.isEmpty() &&
                       r[0].toObject()["value"].toArray()[1].toString().toInt() >= 3;
            },
            std::chrono::seconds(60)));
    }

    void parsesEachResultType() {
        PrometheusClient client({prometheus_->baseUrl(), {}, std::chrono::seconds(10), 2});
        const auto vector = waitFor(client, client.query("up"), 15'000);
        QVERIFY(vector.result && vector.result->ok());
        QCOMPARE(vector.result->type, PrometheusResult::Type::Vector);
        QCOMPARE(vector.result->series.size(), std::size_t{1});
        QCOMPARE(vector.result->series[0].labels.at("instance"), QString("127.0.0.1:1"));
        QCOMPARE(vector.result->series[0].samples.size(), std::size_t{1});
        QCOMPARE(vector.result->series[0].samples[0].value, 0.0);

        const auto now = QDateTime::currentDateTimeUtc();
        const auto matrix =
            waitFor(client, client.queryRange("up", now.addSecs(-30), now, std::chrono::seconds(1)),
                    15'000);
        QVERIFY(matrix.result && matrix.result->ok());
        QCOMPARE(matrix.result->type, PrometheusResult::Type::Matrix);
        QCOMPARE(matrix.result->series.size(), std::size_t{1});
        const auto& samples = matrix.result->series[0].samples;
        QVERIFY(samples.size() >= 3);
        for (std::size_t i = 1; i < samples.size(); ++i)
            QCOMPARE(samples[i].time - samples[i - 1].time, 1.0);

        const auto scalar = waitFor(client, client.query("scalar(vector(1.5)) * 2"), 15'000);
        QVERIFY(scalar.result && scalar.result->ok());
        QCOMPARE(scalar.result->type, PrometheusResult::Type::Scalar);
        QCOMPARE(scalar.result->scalar.value, 3.0);

        const auto text = waitFor(client, client.query("\"fraud + ops\""), 15'000);
        QVERIFY(text.result && text.result->ok());
        QCOMPARE(text.result->type, PrometheusResult::Type::String);
        QCOMPARE(text.result->text, QString("fraud + ops"));  // '+' survives the URL

        const auto nan = waitFor(client, client.query("vector(0) / 0"), 15'000);
        QVERIFY(nan.result && nan.result->ok());
        QVERIFY(std::isnan(nan.result->series.at(0).samples.at(0).value));
    }

    void malformedQueryGivesPrometheusError() {
        PrometheusClient client({prometheus_->baseUrl(), {}, std::chrono::seconds(10), 2});
        const auto w = waitFor(client, client.query("sum(rate(up[1m]"), 15'000);
        QVERIFY(w.result);
        QVERIFY(!w.result->ok());
        QCOMPARE(w.result->error->kind, PrometheusError::Kind::Prometheus);
        QCOMPARE(w.result->error->errorType, QString("bad_data"));
        QCOMPARE(w.result->error->httpStatus, 400);
        QVERIFY2(w.result->error->message.contains("parse error"),
                 qPrintable(w.result->error->message));
    }

    void frozenServerTimesOutWithoutBlockingTheCaller() {
        QString error;
        auto frozen = PrometheusProcess::start({"127.0.0.1:1"}, &error);
        QVERIFY2(frozen, qPrintable(error));
        frozen->child().signal(SIGSTOP);  // accepts connections (the kernel does), never answers
        PrometheusClient client({frozen->baseUrl(), {}, std::chrono::milliseconds(1500), 2});
        QSignalSpy spy(&client, &PrometheusClient::finished);
        const auto id = client.query("up");
        QCOMPARE(spy.count(), 0);  // the call returned before any answer
        const auto w = waitFor(client, id, 20'000);
        frozen->child().signal(SIGCONT);
        QVERIFY(w.result && w.result->error);
        QVERIFY2(w.result->error->kind == PrometheusError::Kind::Timeout,
                 qPrintable(w.result->error->message));
        QVERIFY2(w.ticks >= 20, qPrintable(QString::number(w.ticks)));  // the loop kept turning
    }

    void stoppedServerIsRefused() {
        QString error;
        auto stopped = PrometheusProcess::start({"127.0.0.1:1"}, &error);
        QVERIFY2(stopped, qPrintable(error));
        const QString url = stopped->baseUrl();
        stopped->child().stop();
        PrometheusClient client({url, {}, std::chrono::seconds(5), 2});
        const auto w = waitFor(client, client.query("up"), 20'000);
        QVERIFY(w.result);
        QCOMPARE(w.result->error->kind, PrometheusError::Kind::Refused);
    }

    void destroyingTheClientAbortsTransfers() {
        QString error;
        auto frozen = PrometheusProcess::start({"127.0.0.1:1"}, &error);
        QVERIFY2(frozen, qPrintable(error));
        frozen->child().signal(SIGSTOP);
        QElapsedTimer timer;
        timer.start();
        {
            PrometheusClient client({frozen->baseUrl(), {}, std::chrono::seconds(60), 2});
            client.query("up");
            client.query("up");
        }
        frozen->child().signal(SIGCONT);
        QVERIFY2(timer.elapsed() < 30'000, qPrintable(QString::number(timer.elapsed())));
    }

    void stepKeepsPointsUnderTheWidthAndTheCap_data() {
        QTest::addColumn<int>("rangeSeconds");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("expected");
        QTest::newRow("5 m on 800 px") << 300 << 800 << 1;
        QTest::newRow("1 h on 800 px") << 3600 << 800 << 5;
        QTest::newRow("1 h on 4000 px: capped at 2000 points") << 3600 << 4000 << 2;
        QTest::newRow("7 d on 1000 px") << 7 * 86400 << 1000 << 900;
        QTest::newRow("30 d on 10 px") << 30 * 86400 << 10 << 3 * 86400;
    }
    void stepKeepsPointsUnderTheWidthAndTheCap() {
        QFETCH(int, rangeSeconds);
        QFETCH(int, width);
        QFETCH(int, expected);
        const auto step = fraudops::chooseStep(std::chrono::seconds(rangeSeconds), width);
        QCOMPARE(int(step.count()), expected);
        QVERIFY(rangeSeconds / step.count() <= std::min(width, fraudops::kMaxPoints));
    }
};

QTEST_GUILESS_MAIN(PrometheusClientTest)
#include "tst_prometheus_client.moc"
