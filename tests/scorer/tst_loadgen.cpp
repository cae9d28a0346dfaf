// fraud-loadgen against real scorers: what it counts is what the scorer counted, and an open
// loop sees a stalled scorer in its high percentiles (no coordinated omission).
#include <signal.h>

#include <QJsonDocument>
#include <QRegularExpression>
#include <QtTest>

#include "ChildProcess.h"
#include "HttpGet.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"

using namespace fraudops::test;

namespace {

// Sums fraud_scorer_requests_total{method=..., code=...} lines of a /metrics body by code.
std::map<QString, double> requestsByCode(const QByteArray& metrics, const QString& method) {
    std::map<QString, double> out;
    static const QRegularExpression line(
        R"re(^fraud_scorer_requests_total\{(?=.*method="(\w+)")(?=.*code="(\w+)")[^}]*\} (\S+)$)re");
    for (const auto& l : metrics.split('\n')) {
        const auto m = line.match(QString::fromUtf8(l));
        if (m.hasMatch() && m.captured(1) == method && m.captured(3).toDouble() > 0) {
            out[m.captured(2)] += m.captured(3).toDouble();
        }
    }
    return out;
}

QJsonObject runLoadgen(const QStringList& args, QString* error) {
    QProcess p;
    p.start(loadgenBinary(), args + QStringList{"--json", "--quiet"});
    if (!p.waitForFinished(120'000) || p.exitCode() != 0) {
        *error = QString::fromUtf8(p.readAllStandardError());
        return {};
    }
    return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
}

}  // namespace

class LoadgenTest : public QObject {
    Q_OBJECT

private slots:
    void countsEqualTheScorersOwn_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("method");
        QTest::newRow("closed unary") << QStringList{"--concurrency", "8"} << "Score";
        QTest::newRow("open unary") << QStringList{"--mode", "open", "--rate", "800"} << "Score";
        QTest::newRow("stream") << QStringList{"--api", "stream",  "--concurrency",
                                               "2",     "--batch", "50"}
                                << "ScoreStream";
    }

    void countsEqualTheScorersOwn() {
        QFETCH(QStringList, args);
        QFETCH(QString, method);
        QString error;
        // Two replicas: every card's requests go to one of them.
        auto a = ScorerProcess::start(
            transactionRegistry(), {"--drain-seconds", "0", "--max-event-age", "864000"}, &error);
        QVERIFY2(a, qPrintable(error));
        auto b = ScorerProcess::start(
            transactionRegistry(), {"--drain-seconds", "0", "--max-event-age", "864000"}, &error);
        QVERIFY2(b, qPrintable(error));
        const auto report =
            runLoadgen(QStringList{"--target", a->grpcAddress() + "," + b->grpcAddress(),
                                   "--warmup", "1", "--duration", "2", "--fraud-rate", "0.02"} +
                           args,
                       &error);
        QVERIFY2(!report.isEmpty(), qPrintable(error));
        QVERIFY(report.value("drained").toBool());

        std::map<QString, double> sent;
        for (const char* phase : {"warmup", "measured"}) {
            const auto codes = report.value(phase).toObject().value("codes").toObject();
            for (auto it = codes.begin(); it != codes.end(); ++it)
                sent[it.key()] += it.value().toDouble();
        }
        QVERIFY(sent["OK"] > 100);
        std::map<QString, double> counted;
        for (auto* scorer : {a.get(), b.get()}) {
            const auto metrics =
                httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(scorer->metricsPort()));
            const auto byCode = requestsByCode(metrics.body, method);
            QVERIFY2(!byCode.empty(), "a replica received no traffic");
            for (const auto& [code, n] : byCode)
                counted[code] += n;
        }
        QCOMPARE(counted, sent);
    }

    void replaysACsvToVectorModels() {
        // The ULB sample replayed to two replicas of a vector-schema model: no card ids, so rows
        // spread by transaction id; every row scores.
        QString error;
        auto a = ScorerProcess::start(vectorRegistry(), {"--drain-seconds", "0"}, &error);
        QVERIFY2(a, qPrintable(error));
        auto b = ScorerProcess::start(vectorRegistry(), {"--drain-seconds", "0"}, &error);
        QVERIFY2(b, qPrintable(error));
        const auto report =
            runLoadgen({"--target", a->grpcAddress() + "," + b->grpcAddress(), "--replay",
                        dataDir() + "/ulb_creditcard_sample.csv", "--warmup", "0", "--requests",
                        "3000", "--concurrency", "4"},
                       &error);
        QVERIFY2(!report.isEmpty(), qPrintable(error));
        const auto codes = report.value("measured").toObject().value("codes").toObject();
        QCOMPARE(codes.value("OK").toDouble(), 3000.0);
        QCOMPARE(codes.size(), 1);
        for (auto* scorer : {a.get(), b.get()}) {
            const auto metrics =
                httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(scorer->metricsPort()));
            QVERIFY2(requestsByCode(metrics.body, "Score")["OK"] > 500,
                     "a replica received too little traffic");
        }
    }

    void openLoopSeesAStall() {
        QString error;
        auto scorer = ScorerProcess::start(
            transactionRegistry(), {"--drain-seconds", "0", "--max-event-age", "864000"}, &error);
        QVERIFY2(scorer, qPrintable(error));
        ChildProcess loadgen;
        loadgen.start(loadgenBinary(),
                      {"--target", scorer->grpcAddress(), "--mode", "open", "--rate", "400",
                       "--warmup", "0", "--duration", "6", "--json"},
                      /*mergeStderr=*/false);
        // Once measuring, stop the scorer until a backlog of 200 requests (half a second of
        // the timetable) has built up, then let it go.
        static const QRegularExpression inFlight(R"(measure .* in flight (\d+))");
        QProcess& p = loadgen.process();
        p.setReadChannel(QProcess::StandardError);
        const auto waitForInFlight = [&](int atLeast) {
            QDeadlineTimer deadline(std::chrono::seconds(30));
            QByteArray pendingLine;
            while (!deadline.hasExpired()) {
                if (!p.canReadLine() &&
                    !p.waitForReadyRead(static_cast<int>(deadline.remainingTime())))
                    return false;
                while (p.canReadLine()) {
                    const auto m = inFlight.match(QString::fromUtf8(p.readLine()));
                    if (m.hasMatch() && m.captured(1).toInt() >= atLeast)
                        return true;
                }
            }
            return false;
        };
        QVERIFY(waitForInFlight(0));
        scorer->child().signal(SIGSTOP);
        const bool backlog = waitForInFlight(200);
        scorer->child().signal(SIGCONT);
        QVERIFY(backlog);
        QVERIFY(loadgen.waitForExit(std::chrono::seconds(60)));
        p.setReadChannel(QProcess::StandardOutput);
        const auto report = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        const auto latency = report.value("measured").toObject().value("latency_ms").toObject();
        qInfo("open loop at 400/s with a stall: p50 %.3f ms, p99 %.1f ms, max %.1f ms",
              latency.value("p50").toDouble(), latency.value("p99").toDouble(),
              latency.value("max").toDouble());
        // The stall lasted at least 0.5 s: requests due at its start waited that long.
        QVERIFY2(latency.value("max").toDouble() >= 500,
                 qPrintable(QString::number(latency.value("max").toDouble())));
        QVERIFY2(latency.value("p99").toDouble() >= 200,
                 qPrintable(QString::number(latency.value("p99").toDouble())));
        QVERIFY(latency.value("p50").toDouble() < latency.value("p99").toDouble());
    }
};

QTEST_GUILESS_MAIN(LoadgenTest)
#include "tst_loadgen.moc"
