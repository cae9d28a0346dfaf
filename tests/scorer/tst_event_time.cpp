// Event time never passes the clock, at any hour and any rate: the generator, the paced
// population the load generator draws from, and the load generator against a real scorer,
// each run on an injected clock (--now) at hours near midnight and early morning UTC.
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QtTest>

#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/EventClock.h"
#include "synth/PacedGenerator.h"

using namespace fraudops::test;

namespace {

void hours() {
    QTest::addColumn<QString>("now");
    QTest::newRow("just before midnight") << "2026-11-29T23:59:30Z";
    QTest::newRow("midnight") << "2026-11-30T00:00:00Z";
    QTest::newRow("5 a.m.") << "2026-11-29T05:00:00Z";
    QTest::newRow("noon") << "2026-11-29T12:00:00Z";
    QTest::newRow("new year's eve") << "2026-12-31T23:59:59Z";
}

fraud::EpochMillis at(const QString& rfc3339) {
    return *fraud::parseRfc3339(rfc3339.toStdString());
}

}  // namespace

class EventTimeTest : public QObject {
    Q_OBJECT

private slots:
    void eventClockFollowsNowFlag() {
        const auto clock = fraud::EventClock::fromFlag("2026-11-29T23:59:30Z");
        QVERIFY(clock.shifted());
        QVERIFY(std::llabs(clock.now() - at("2026-11-29T23:59:30Z")) < 5'000);
        QVERIFY(!fraud::EventClock::fromFlag("").shifted());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 fraud::EventClock::fromFlag("half past eleven"));
    }

    // A closed loop asks as fast as it can: the population runs out of past at once, and the
    // per-card rate rises instead of event times running ahead.
    void pacedPopulationNeverPassesTheClock_data() { hours(); }
    void pacedPopulationNeverPassesTheClock() {
        QFETCH(QString, now);
        for (const double target : {0.0, 5'000.0}) {
            const auto clock = fraud::EventClock::fromFlag(now.toStdString());
            fraud::GeneratorConfig config;
            config.cards = 300;
            config.start = clock.now() - 3'600'000;  // an hour of past, gone in a moment
            fraud::PacingConfig pacing;
            pacing.targetRate = target;
            pacing.maxCards = 2'000;
            fraud::PacedGenerator population(config, pacing, clock);
            int taken = 0;
            fraud::EpochMillis latest = 0;
            for (int i = 0; i < 200'000; ++i) {
                const auto tx = population.next();
                if (!tx)
                    continue;
                const auto t = fraud::toEpochMillis(tx->generated.tx.timestamp());
                // The clock is read after the event is drawn: it can only have moved on.
                QVERIFY2(t <= clock.now(),
                         qPrintable(QString::fromStdString(fraud::formatRfc3339(t) + " after " +
                                                           fraud::formatRfc3339(clock.now()))));
                latest = std::max(latest, t);
                ++taken;
            }
            QVERIFY(population.caughtUp());
            // It kept up: a tight loop (far faster than any scorer) drew thousands, and the
            // simulated clock stands within seconds of now rather than an hour behind.
            QVERIFY2(taken > 1'000, qPrintable(QString("only %1 of 200000").arg(taken)));
            if (target == 0)
                QVERIFY(latest > clock.now() - 5'000);
            QVERIFY(population.txnsPerCardPerDay() > config.txnsPerCardPerDay);
            QVERIFY(!population.takeNotes().empty());
            if (target > 0)
                QCOMPARE(population.cards(), std::size_t{2'000});  // grew to the cap first
            else
                QCOMPARE(population.cards(), std::size_t{300});
        }
    }

    // Events before the warm-up mark are history, and the warm-up ends where it says.
    void warmupHistoryEndsAtItsMark() {
        const auto clock = fraud::EventClock::fromFlag("2026-11-29T05:00:00Z");
        fraud::GeneratorConfig config;
        config.cards = 500;
        config.txnsPerCardPerDay = 20;
        config.start = clock.now() - 86'400'000;
        fraud::PacingConfig pacing;
        pacing.historyUntil = clock.now() - 60'000;
        fraud::PacedGenerator population(config, pacing, clock);
        int history = 0;
        while (population.warmingUp()) {
            const auto tx = population.next();
            QVERIFY(tx && tx->history);
            QVERIFY(fraud::toEpochMillis(tx->generated.tx.timestamp()) < pacing.historyUntil);
            ++history;
        }
        QCOMPARE(population.warmupProgress(), 1.0);
        QVERIFY2(history > 7'000, qPrintable(QString::number(history)));  // ~10,000 a day
        // The next one is live, though it may take the population a few tries to supply it.
        std::optional<fraud::PacedTransaction> live;
        for (int i = 0; i < 1'000 && !live; ++i)
            live = population.next();
        QVERIFY(live && !live->history);
    }

    // fraud-train generate ends at now, whatever the hour and however many were asked for.
    void generatorEndsAtNow_data() { hours(); }
    void generatorEndsAtNow() {
        QFETCH(QString, now);
        QProcess p;
        p.start(trainerBinary(), {"generate", "--count", "5000", "--cards", "300", "--hours-ago",
                                  "30", "--txns-per-card-per-day", "6", "--now", now});
        QVERIFY(p.waitForFinished(60'000));
        QCOMPARE(p.exitCode(), 0);
        const auto lines = p.readAllStandardOutput().split('\n');
        int count = 0;
        for (const auto& line : lines) {
            if (line.isEmpty())
                continue;
            const auto ts = QJsonDocument::fromJson(line).object().value("timestamp").toString();
            QVERIFY2(at(ts) <= at(now) + 60'000, qPrintable(ts + " after " + now));
            ++count;
        }
        // 300 cards at 6 a day make ~2,250 in 30 hours: it stops there and says so.
        QVERIFY2(count > 1'000 && count < 5'000, qPrintable(QString::number(count)));
        QVERIFY(p.readAllStandardError().contains("reached now"));
    }

    // The load generator at the highest rate this machine reaches, against a scorer on the
    // same injected clock: not one request from the future.
    void loadAtFullSpeedIsNeverInvalid_data() { hours(); }
    void loadAtFullSpeedIsNeverInvalid() {
        QFETCH(QString, now);
        QString error;
        auto scorer = ScorerProcess::start(transactionRegistry(),
                                           {"--drain-seconds", "0", "--now", now}, &error);
        QVERIFY2(scorer, qPrintable(error));
        for (const QStringList& mode :
             {QStringList{"--concurrency", "4"},
              QStringList{"--api", "stream", "--concurrency", "2", "--batch", "200"}}) {
            QProcess p;
            // Fifteen simulated minutes of 2,000 cards hold ~40 transactions: the loop reaches
            // now at once, however fast this machine is, and runs at now for 5,000 requests.
            p.start(loadgenBinary(),
                    QStringList{"--target", scorer->grpcAddress(), "--cards", "2000",
                                "--sim-start-days-ago", "0.01", "--warmup", "0", "--requests",
                                "5000", "--duration", "600", "--now", now, "--json", "--quiet"} +
                        mode);
            QVERIFY(p.waitForFinished(120'000));
            QCOMPARE(p.exitCode(), 0);
            const auto report = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
            const auto codes = report["measured"].toObject()["codes"].toObject();
            QVERIFY2(codes.keys() == QStringList{"OK"},
                     qPrintable(QJsonDocument(codes).toJson(QJsonDocument::Compact)));
            QVERIFY(codes["OK"].toDouble() >= 5'000);
            QVERIFY(at(report["latest_event_time"].toString()) <=
                    at(report["event_clock_at_end"].toString()));
            // The population caught up with now and its per-card rate rose, and it says so.
            QVERIFY(report["txns_per_card_per_day"].toDouble() > 2);
        }
    }
};

QTEST_GUILESS_MAIN(EventTimeTest)
#include "tst_event_time.moc"
