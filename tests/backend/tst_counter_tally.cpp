// CounterTally: counter growth from raw values, look by look, through restarts, new series and
// vanished series, and across a runner's restart (its JSON).
#include <QtTest>

#include "rollout/CounterTally.h"

using fraudops::rollout::CounterTally;

class CounterTallyTest : public QObject {
    Q_OBJECT

private slots:
    void growthIsSummedOverSeries() {
        CounterTally t;
        t.start({{"a", 100}, {"b", 50}});
        QCOMPARE(t.observe({{"a", 110}, {"b", 55}}), 15.0);
        QCOMPARE(t.observe({{"a", 110}, {"b", 60}}), 5.0);
        QCOMPARE(t.total(), 20.0);
        QCOMPARE(t.resetsSeen(), std::size_t(0));
    }

    void nothingBeforeTheStartCounts() {
        CounterTally t;
        QVERIFY(!t.started());
        QCOMPARE(t.observe({{"a", 1000}}), 0.0);  // the first look starts the tally
        QVERIFY(t.started());
        QCOMPARE(t.observe({{"a", 1004}}), 4.0);
    }

    void aResetCountsFromZero() {
        // increase() over this window would extrapolate; here the restarted series counts
        // what it counted since its restart, 7, and the other series its growth, 3.
        CounterTally t;
        t.start({{"a", 500}, {"b", 10}});
        QCOMPARE(t.observe({{"a", 7}, {"b", 13}}), 10.0);
        QCOMPARE(t.resetsSeen(), std::size_t(1));
        QCOMPARE(t.observe({{"a", 9}, {"b", 13}}), 2.0);
        QCOMPARE(t.total(), 12.0);
    }

    void newAndVanishedSeries() {
        CounterTally t;
        t.start({{"a", 5}});
        // A replica that joined after the start counts all of its value.
        QCOMPARE(t.observe({{"a", 5}, {"b", 4}}), 4.0);
        // One that vanished for a look (a failed scrape) and came back counts only its growth.
        QCOMPARE(t.observe({{"a", 6}}), 1.0);
        QCOMPARE(t.observe({{"a", 6}, {"b", 9}}), 5.0);
        QCOMPARE(t.total(), 10.0);
    }

    void survivesARunnerRestart() {
        CounterTally t;
        t.start({{R"({instance="r0"})", 10}, {R"({instance="r1"})", 20}});
        t.observe({{R"({instance="r0"})", 15}, {R"({instance="r1"})", 2}});
        const auto text = t.toJson().dump();
        auto back = CounterTally::fromJson(nlohmann::json::parse(text));
        QCOMPARE(back.total(), t.total());
        QCOMPARE(back.resetsSeen(), t.resetsSeen());
        QCOMPARE(back.observe({{R"({instance="r0"})", 16}, {R"({instance="r1"})", 4}}), 3.0);
        QCOMPARE(back.total(), 10.0);
    }
};

QTEST_GUILESS_MAIN(CounterTallyTest)
#include "tst_counter_tally.moc"
