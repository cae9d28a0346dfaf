// Batch replay against a real scorer: 100,000 generated transactions (and a few bad lines)
// through ScoreStream as a dry run give the same counts by outcome as `fraudctl score` of the
// same file with the same recording mode; the live decisions_total does not move; errors are
// named by field with their line numbers; every row's result, with its top contributions, is
// in the results CSV; the card history of a card in the file is as it was; cancel stops it
// within a second. A CSV of named features replays on a vector-schema model.
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <map>

#include "HttpGet.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/Time.h"
#include "fraud/v1/transaction.pb.h"
#include "replay/BatchReplay.h"
#include "scoring/ScoringClient.h"

using namespace fraudops;
using namespace fraudops::test;

namespace {

double decisionsTotal(const QByteArray& metrics) {
    double sum = 0;
    for (const auto& raw : metrics.split('\n')) {
        if (raw.startsWith("fraud_scorer_decisions_total{"))
            sum += raw.split(' ').last().toDouble();
    }
    return sum;
}

}  // namespace

class BatchReplayTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<ScorerProcess> scorer_;
    QString file_;
    int badJsonLine_ = 0, badAmountLine_ = 0;

    BatchReplay::Options options(const QString& path, double rate) {
        BatchReplay::Options o;
        o.path = path.toStdString();
        o.endpoint.address = scorer_->grpcAddress().toStdString();
        o.rowsPerSecond = rate;
        o.resultsCsv = dir_.filePath("results.csv").toStdString();
        return o;
    }

    QByteArray metrics() {
        return httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(scorer_->metricsPort()))
            .body;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QString error;
        scorer_ = ScorerProcess::start(transactionRegistry(), {"--drain-seconds", "0"}, &error);
        QVERIFY2(scorer_, qPrintable(error));
        // 100,000 transactions of 5,000 cards over two days, then two bad lines in the middle.
        QProcess generate;
        generate.setStandardOutputFile(dir_.filePath("generated.jsonl"));
        generate.start(trainerBinary(),
                       {"generate", "--count", "100000", "--cards", "5000", "--hours-ago", "48",
                        "--seed", "11", "--txns-per-card-per-day", "20"});
        QVERIFY(generate.waitForFinished(120'000));
        QCOMPARE(generate.exitCode(), 0);
        QFile in(dir_.filePath("generated.jsonl"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        file_ = dir_.filePath("replay.jsonl");
        QFile out(file_);
        QVERIFY(out.open(QIODevice::WriteOnly));
        int line = 0;
        while (!in.atEnd()) {
            QByteArray text = in.readLine();
            ++line;
            if (line == 5000) {
                badJsonLine_ = line;
                text = "{\"transaction_id\": \"broken\", \"amount\": }\n";
            } else if (line == 7000) {
                badAmountLine_ = line;
                text = QString::fromUtf8(text)
                           .replace(QRegularExpression("\"amount\":\\s*[0-9.]+"), "\"amount\": -4")
                           .toUtf8();
            }
            out.write(text);
        }
        QCOMPARE(line, 100'000);
    }

    // What the scorer knows of a card: its velocity features for a probe at `at`, through
    // Explain (itself a dry run).
    std::map<std::string, double> cardHistory(const std::string& card, qint64 at) {
        ScorerEndpoint endpoint;
        endpoint.address = scorer_->grpcAddress().toStdString();
        ScoringClient client(endpoint);
        fraud::v1::Transaction probe;
        probe.set_transaction_id(std::string("probe-").append(card));
        probe.set_card_id(card);
        probe.set_merchant_id("m-probe");
        probe.set_merchant_category("5411");
        probe.set_amount(10);
        probe.set_currency("EUR");
        fraud::setEpochMillis(probe.mutable_timestamp(), at);
        probe.set_channel(fraud::v1::CHANNEL_POS);
        probe.set_country("NL");
        probe.set_card_country("NL");
        std::map<std::string, double> features;
        if (const auto outcome = client.explain(probe); outcome.ok()) {
            for (const auto& c : outcome.value->explanation().contributions())
                features[c.feature()] = c.value();
        }
        return features;
    }

    void replayCountsAsFraudctlDoes() {
        // A card of the file with a live history of its own (two live payments): the replay and
        // fraudctl's dry runs must leave what the scorer knows of it as it was.
        const std::string card = "card-298";
        {
            ScorerEndpoint endpoint;
            endpoint.address = scorer_->grpcAddress().toStdString();
            ScoringClient client(endpoint);
            for (int i = 0; i < 2; ++i) {
                fraud::v1::Transaction live;
                live.set_transaction_id(std::string("live-").append(std::to_string(i)));
                live.set_card_id(card);
                live.set_merchant_id("m-live");
                live.set_merchant_category("5812");
                live.set_amount(25);
                live.set_currency("EUR");
                fraud::setEpochMillis(live.mutable_timestamp(),
                                      fraud::wallClockMillis() - 600'000 + i * 1000);
                live.set_channel(fraud::v1::CHANNEL_POS);
                live.set_country("NL");
                live.set_card_country("NL");
                QVERIFY(client.score(live, false).ok());
            }
        }
        const double liveBefore = decisionsTotal(metrics());
        const qint64 probeAt = fraud::wallClockMillis();
        const auto historyBefore = cardHistory(card, probeAt);
        QCOMPARE(historyBefore.at("card_txn_count_1h"), 2.0);
        BatchReplay replay;
        QSignalSpy finished(&replay, &BatchReplay::finished);
        QSignalSpy progress(&replay, &BatchReplay::progress);
        QString error;
        QVERIFY2(replay.start(options(file_, 0), &error), qPrintable(error));
        QVERIFY(finished.wait(600'000));
        const auto summary = finished.first().first().value<ReplaySummary>();
        qInfo("replayed %llu rows in %.1f s: %.0f rows/s; %d progress snapshots", summary.rows,
              summary.seconds, summary.rowsPerSecond, int(progress.size()));
        QVERIFY2(summary.failure.isEmpty(), qPrintable(summary.failure));
        QVERIFY(!summary.cancelled);
        QCOMPARE(summary.rows, quint64(100'000));
        QCOMPARE(summary.scored + summary.failed(), summary.rows);
        QVERIFY(progress.size() > 0);

        // Errors by field, with their lines.
        QCOMPARE(summary.errors.at("json").count, quint64(1));
        QCOMPARE(summary.errors.at("json").lines, std::vector<int>{badJsonLine_});
        QCOMPARE(summary.errors.at("amount").lines, std::vector<int>{badAmountLine_});

        // fraudctl, one unary dry run a line, counts the same.
        QProcess fraudctl;
        fraudctl.start(fraudctlBinary(),
                       {"score", "--file", file_, "--record-mode", "none", "--show", "flagged",
                        "--endpoint", scorer_->grpcAddress()});
        QVERIFY(fraudctl.waitForFinished(600'000));
        const QString out = QString::fromUtf8(fraudctl.readAllStandardOutput());
        const auto m =
            QRegularExpression(
                R"((\d+) scored: (\d+) approved, (\d+) to review, (\d+) declined; (\d+) failed)")
                .match(out);
        QVERIFY2(m.hasMatch(), qPrintable(out.right(500)));
        QCOMPARE(m.captured(2).toULongLong(), summary.byDecision[fraud::v1::DECISION_APPROVE]);
        QCOMPARE(m.captured(3).toULongLong(), summary.byDecision[fraud::v1::DECISION_REVIEW]);
        QCOMPARE(m.captured(4).toULongLong(), summary.byDecision[fraud::v1::DECISION_DECLINE]);
        QCOMPARE(m.captured(5).toULongLong(), summary.failed());
        qInfo("%s", qPrintable(m.captured(0)));

        // A dry run: the live counters never moved, nor the card's history.
        QCOMPARE(decisionsTotal(metrics()), liveBefore);
        const auto historyAfter = cardHistory(card, probeAt);
        for (const auto& [name, value] : historyBefore) {
            const double after = historyAfter.at(name);
            QVERIFY2(after == value || (std::isnan(after) && std::isnan(value)), name.c_str());
        }

        // Every row is in the results, with its top contributions.
        QFile results(dir_.filePath("results.csv"));
        QVERIFY(results.open(QIODevice::ReadOnly));
        const auto header = results.readLine();
        QVERIFY(header.startsWith("line,transaction_id,decision,score"));
        QVERIFY(header.contains("contribution_3"));
        int rows = 0, withContributions = 0;
        while (!results.atEnd()) {
            const auto cells = results.readLine().trimmed().split(',');
            ++rows;
            withContributions += cells.size() >= 17 && !cells[8].isEmpty();
        }
        QCOMPARE(rows, 100'000);
        QCOMPARE(quint64(withContributions), summary.scored);
    }

    void cancelStopsWithinASecond() {
        BatchReplay replay;
        QSignalSpy finished(&replay, &BatchReplay::finished);
        QSignalSpy progress(&replay, &BatchReplay::progress);
        QString error;
        QVERIFY(replay.start(options(file_, 500), &error));  // 200 s at this pace
        QVERIFY(progress.wait(10'000));
        QElapsedTimer clock;
        clock.start();
        replay.cancel();
        QVERIFY(finished.wait(5'000));
        const auto ms = clock.elapsed();
        qInfo("cancel to finished: %lld ms", ms);
        QVERIFY2(ms < 1000, qPrintable(QString::number(ms)));
        const auto summary = finished.first().first().value<ReplaySummary>();
        QVERIFY(summary.cancelled);
        QVERIFY(summary.rows < 100'000);
    }

    void replaysACsvOfNamedFeatures() {
        QString error;
        auto vector = ScorerProcess::start(vectorRegistry(), {"--drain-seconds", "0"}, &error);
        QVERIFY2(vector, qPrintable(error));
        const QString csv =
            QDir(vectorRegistry() + "/eval").entryInfoList({"*.csv"}).value(0).filePath();
        BatchReplay replay;
        QSignalSpy finished(&replay, &BatchReplay::finished);
        auto o = options(csv, 0);
        o.endpoint.address = vector->grpcAddress().toStdString();
        QVERIFY2(replay.start(o, &error), qPrintable(error));
        QVERIFY(finished.wait(120'000));
        const auto summary = finished.first().first().value<ReplaySummary>();
        QVERIFY2(summary.failure.isEmpty(), qPrintable(summary.failure));
        QVERIFY(summary.rows > 100);
        QCOMPARE(summary.scored, summary.rows);
        QVERIFY(summary.byDecision[fraud::v1::DECISION_DECLINE] > 0);
    }
};

QTEST_GUILESS_MAIN(BatchReplayTest)
#include "tst_batch_replay.moc"
