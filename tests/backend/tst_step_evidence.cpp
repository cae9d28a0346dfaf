// StepEvidence: the gates' evidence from raw counter snapshots, look after look. A canary with
// twice the stable's declines fails; equal rates pass once the interval is narrow enough and
// say "not enough data" before; a replica's restart neither loses nor doubles counts; the
// evidence resumes from its JSON exactly where it was; flip gates judge shadow steps; slow
// requests are the requests less those within the SLO; p99 latency bands come from the
// latency buckets, shown and never gated.
#include <QtTest>
#include <algorithm>
#include <cmath>

#include "rollout/StepEvidence.h"

using namespace fraudops;
using namespace fraudops::rollout;
using gates::GateVerdict;

namespace {

GateSpec declines() {
    GateSpec g;
    g.name = "declines";
    g.kind = GateSpec::Kind::EventRate;
    g.event = GateSpec::Event::Decline;
    g.unit = GateSpec::Unit::Cards;
    g.sides = gates::Sides::Both;
    g.tolerance = 0.25;
    return g;
}

// Cumulative counters of two replicas after `look` looks: each look, `cards` new cards of which
// `share` on the canary; declines at the given rates (cumulative, rounded down).
CounterSnapshot traffic(int look, double share, double stableRate, double canaryRate,
                        double cards = 2000, double restartAt = -1) {
    CounterSnapshot s;
    for (const char* replica : {"r0", "r1"}) {
        const double n = look * cards / 2;
        double canary = std::floor(n * share), stable = std::floor(n * (1 - share));
        double canaryDeclines = std::floor(canary * canaryRate);
        double stableDeclines = std::floor(stable * stableRate);
        if (restartAt >= 0 && look >= restartAt && std::string(replica) == "r1") {
            // r1 restarted just before look `restartAt`: it counts from zero since.
            const double m = (look - restartAt + 1) * cards / 2;
            canary = std::floor(m * share);
            stable = std::floor(m * (1 - share));
            canaryDeclines = std::floor(canary * canaryRate);
            stableDeclines = std::floor(stable * stableRate);
        }
        s["cards/canary/scored"][replica] = canary;
        s["cards/stable/scored"][replica] = stable;
        s["cards/canary/decline"][replica] = canaryDeclines;
        s["cards/stable/decline"][replica] = stableDeclines;
    }
    return s;
}

}  // namespace

class StepEvidenceTest : public QObject {
    Q_OBJECT

private slots:
    void doubledDeclinesFail() {
        StepEvidence e({declines()}, "canary", 0.05 / 4);
        GateVerdict verdict = GateVerdict::NotEnoughData;
        int look = 0;
        while (verdict == GateVerdict::NotEnoughData && look < 500) {
            e.observe(traffic(look, 0.2, 0.01, 0.02), 10.0 * look);
            verdict = e.results()[0].verdict;
            ++look;
        }
        QCOMPARE(verdict, GateVerdict::Fail);
        const auto r = e.results()[0];
        QVERIFY(r.interval.lower > 1.25);
        QVERIFY(std::abs(r.estimate - 2) < 0.3);
        QVERIFY(std::abs(r.canaryRate - 0.02) < 0.002);
        QVERIFY(std::abs(r.stableRate - 0.01) < 0.001);
        QVERIFY2(r.summary.starts_with("declines: fail; canary 2."), r.summary.c_str());
        qInfo("failed at look %d: %s", look, r.summary.c_str());
    }

    void equalRatesPassOnlyWithEnoughData() {
        StepEvidence e({declines()}, "canary", 0.05 / 4);
        e.observe(traffic(0, 0.2, 0.01, 0.01), 0);
        e.observe(traffic(1, 0.2, 0.01, 0.01), 10);
        auto r = e.results()[0];
        QCOMPARE(r.verdict, GateVerdict::NotEnoughData);
        QVERIFY(r.secondsToDecision.has_value());
        QVERIFY(*r.secondsToDecision > 10);
        int look = 2;
        while (e.results()[0].verdict == GateVerdict::NotEnoughData && look < 2000) {
            e.observe(traffic(look, 0.2, 0.01, 0.01), 10.0 * look);
            ++look;
        }
        r = e.results()[0];
        QCOMPARE(r.verdict, GateVerdict::Pass);
        QVERIFY(r.interval.lower > 0.75 && r.interval.upper < 1.25);
        qInfo("passed at look %d (%g cards): %s", look, r.canaryExposure + r.stableExposure,
              r.summary.c_str());
    }

    void aRestartNeitherLosesNorDoublesCounts() {
        StepEvidence steady({declines()}, "canary", 0.01);
        StepEvidence restarted({declines()}, "canary", 0.01);
        for (int look = 0; look <= 30; ++look) {
            steady.observe(traffic(look, 0.5, 0.01, 0.01), look);
            restarted.observe(traffic(look, 0.5, 0.01, 0.01, 2000, 12), look);
        }
        // What r1 counted between look 11 and its restart is lost (one look's worth, at
        // most); nothing is counted twice.
        const auto a = steady.results()[0], b = restarted.results()[0];
        QVERIFY(b.canaryExposure <= a.canaryExposure);
        QVERIFY(b.canaryExposure >= a.canaryExposure - 2000 * 0.5 / 2 - 1);
        QVERIFY(b.stableEvents <= a.stableEvents);
    }

    void theEvidenceResumesFromItsJson() {
        StepEvidence whole({declines()}, "canary", 0.01);
        StepEvidence first({declines()}, "canary", 0.01);
        for (int look = 0; look <= 20; ++look) {
            whole.observe(traffic(look, 0.1, 0.01, 0.015), look * 5.0);
            first.observe(traffic(look, 0.1, 0.01, 0.015), look * 5.0);
        }
        const auto text = first.toJson().dump();
        auto resumed = StepEvidence::fromJson(nlohmann::json::parse(text), {declines()});
        for (int look = 21; look <= 40; ++look) {
            whole.observe(traffic(look, 0.1, 0.01, 0.015), look * 5.0);
            resumed.observe(traffic(look, 0.1, 0.01, 0.015), look * 5.0);
        }
        const auto a = whole.results()[0], b = resumed.results()[0];
        QCOMPARE(b.verdict, a.verdict);
        QCOMPARE(b.pValue, a.pValue);
        QCOMPARE(b.interval.lower, a.interval.lower);
        QCOMPARE(b.interval.upper, a.interval.upper);
        QCOMPARE(b.canaryEvents, a.canaryEvents);
        QCOMPARE(resumed.looks(), whole.looks());
        QCOMPARE(resumed.history().at("declines"), whole.history().at("declines"));
        // Evidence that does not fit the plan is refused, not misread.
        GateSpec other = declines();
        other.name = "errors";
        QVERIFY_THROWS_EXCEPTION(std::runtime_error,
                                 StepEvidence::fromJson(nlohmann::json::parse(text), {other}));
    }

    void flipGatesJudgeShadowSteps() {
        GateSpec rate;
        rate.name = "flip_rate";
        rate.kind = GateSpec::Kind::FlipRate;
        rate.tolerance = 0.02;
        GateSpec balance;
        balance.name = "flip_balance";
        balance.kind = GateSpec::Kind::FlipBalance;
        balance.tolerance = 0.15;
        const auto snapshot = [](double cards, double stricter, double lenient) {
            CounterSnapshot s;
            s["cards/shadow/scored"]["r0"] = cards;
            s["cards/shadow/flip_stricter"]["r0"] = stricter;
            s["cards/shadow/flip_lenient"]["r0"] = lenient;
            return s;
        };
        StepEvidence calm({rate, balance}, "shadow", 0.01);
        calm.observe(snapshot(0, 0, 0), 0);
        calm.observe(snapshot(50'000, 100, 110), 60);  // 0.4 % of cards flip, evenly
        auto r = calm.results();
        QCOMPARE(r[0].verdict, GateVerdict::Pass);
        QCOMPARE(r[1].verdict, GateVerdict::NotEnoughData);  // 210 flips: balance undecided
        calm.observe(snapshot(500'000, 1000, 1050), 600);
        QCOMPARE(calm.results()[1].verdict, GateVerdict::Pass);

        StepEvidence harsh({rate, balance}, "shadow", 0.01);
        harsh.observe(snapshot(0, 0, 0), 0);
        harsh.observe(snapshot(20'000, 1800, 200), 60);  // 10 % flip, 90 % of them stricter
        r = harsh.results();
        QCOMPARE(r[0].verdict, GateVerdict::Fail);
        QCOMPARE(r[1].verdict, GateVerdict::Fail);
        QVERIFY2(r[1].summary.starts_with("flip_balance: fail; stricter among flips 90.00 %"),
                 r[1].summary.c_str());

        // In a split step, flips are not counted: never a pass.
        StepEvidence split({rate}, "canary", 0.01);
        split.observe({}, 0);
        split.observe({}, 60);
        QCOMPARE(split.results()[0].verdict, GateVerdict::NotEnoughData);
    }

    void aFloorPassesRareEventsThatARatioCannotJudge() {
        // No errors on either side: the ratio never decides, but 20,000 error-free canary
        // cards put the canary's own rate surely under 0.1 %.
        GateSpec errors;
        errors.name = "errors";
        errors.kind = GateSpec::Kind::EventRate;
        errors.event = GateSpec::Event::Error;
        errors.tolerance = 0.2;
        const auto snapshot = [](double canaryCards, double canaryErrors) {
            CounterSnapshot s;
            s["cards/canary/scored"]["r0"] = canaryCards;
            s["cards/stable/scored"]["r0"] = 4 * canaryCards;
            s["cards/canary/error"]["r0"] = canaryErrors;
            s["cards/stable/error"]["r0"] = 0;
            return s;
        };
        StepEvidence without({errors}, "canary", 0.01);
        errors.floor = 0.001;
        StepEvidence with({errors}, "canary", 0.01);
        for (auto* e : {&without, &with}) {
            e->observe(snapshot(0, 0), 0);
            e->observe(snapshot(20'000, 0), 60);
        }
        QCOMPARE(without.results()[0].verdict, GateVerdict::NotEnoughData);
        const auto r = with.results()[0];
        QCOMPARE(r.verdict, GateVerdict::Pass);
        QVERIFY2(r.summary.find("under the floor of 0.100 %") != std::string::npos,
                 r.summary.c_str());
        // A canary with errors gets no pass from the floor: 30 of 20,000 is above 0.1 %.
        StepEvidence failing({errors}, "canary", 0.01);
        failing.observe(snapshot(0, 0), 0);
        failing.observe(snapshot(20'000, 30), 60);
        QVERIFY(failing.results()[0].verdict != GateVerdict::Pass);
    }

    void theScoreGateComparesEachVersionWithItsOwnTraining() {
        GateSpec score;
        score.name = "score_distribution";
        score.kind = GateSpec::Kind::ScoreDistribution;
        score.tolerance = 0.1;
        ScoreBaselines baselines;
        baselines.canary = {"v3", std::vector<double>(10, 0.1), 45'000};
        baselines.stable = {"v1", std::vector<double>(10, 0.1), 45'000};
        // Live bin counts of each version, as shares of `n` scores.
        const auto snapshot = [](const std::vector<double>& canary,
                                 const std::vector<double>& stable, double n) {
            CounterSnapshot s;
            for (std::size_t i = 0; i < 10; ++i) {
                s["scorebins/canary/v3/" + std::to_string(i)]["r0"] = std::round(canary[i] * n);
                s["scorebins/stable/v1/" + std::to_string(i)]["r0"] = std::round(stable[i] * n);
            }
            return s;
        };
        const std::vector<double> even(10, 0.1);
        // The hour of day moves both versions' scores alike: most scores low at night.
        const std::vector<double> night{0.3, 0.2, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05};
        // A canary that scores everything high.
        const std::vector<double> shifted{0.01, 0.01, 0.01, 0.01, 0.01, 0.05, 0.1, 0.2, 0.3, 0.3};
        const auto verdictOf = [&](const std::vector<double>& canary,
                                   const std::vector<double>& stable, double n) {
            StepEvidence e({score}, "canary", 0.01, baselines);
            e.observe(snapshot(canary, stable, 0), 0);
            e.observe(snapshot(canary, stable, n), 60);
            return e.results()[0];
        };
        QCOMPARE(verdictOf(even, even, 100).verdict, GateVerdict::NotEnoughData);
        QCOMPARE(verdictOf(even, even, 20'000).verdict, GateVerdict::Pass);
        const auto hour = verdictOf(night, night, 20'000);
        QVERIFY2(hour.canaryRate > 0.1, hour.summary.c_str());  // far from its training ...
        QCOMPARE(hour.verdict, GateVerdict::Pass);              // ... as far as stable is
        // Traffic far from training (a PSI over 1 for both): the same model still passes.
        const auto far = verdictOf(shifted, shifted, 20'000);
        QVERIFY2(far.canaryRate > 1, far.summary.c_str());
        QCOMPARE(far.verdict, GateVerdict::Pass);
        const auto bad = verdictOf(shifted, even, 20'000);
        QCOMPARE(bad.verdict, GateVerdict::Fail);
        QVERIFY2(bad.summary.starts_with("score_distribution: fail; the canary's scores against "
                                         "its own training PSI"),
                 bad.summary.c_str());
        // The counters it reads: every bin of both versions (and, as every step, the 17
        // latency buckets of each side).
        const auto names = countersOf({score}, "canary", baselines);
        QCOMPARE(std::count_if(names.begin(), names.end(),
                               [](const std::string& n) { return n.starts_with("scorebins/"); }),
                 20);
        QCOMPARE(names.size(), std::size_t(20 + 2 * 17));
        // Without a baseline it never passes.
        StepEvidence none({score}, "canary", 0.01);
        none.observe({}, 0);
        none.observe({}, 60);
        QCOMPARE(none.results()[0].verdict, GateVerdict::NotEnoughData);
    }

    void slowRequestsAreThoseOutsideTheSlo() {
        GateSpec slow;
        slow.name = "slow_requests";
        slow.kind = GateSpec::Kind::EventRate;
        slow.event = GateSpec::Event::SlowRequest;
        slow.unit = GateSpec::Unit::Requests;
        slow.tolerance = 0.5;
        const auto snapshot = [](double look) {
            CounterSnapshot s;
            s["requests/canary/"]["x"] = 0;  // an unrelated counter is ignored
            s["requests/canary"]["r0"] = 1000 * look;
            s["within/canary"]["r0"] = 1000 * look - 30 * look;  // 3 % slow
            s["requests/stable"]["r0"] = 9000 * look;
            s["within/stable"]["r0"] = 9000 * look - 90 * look;  // 1 % slow
            return s;
        };
        StepEvidence e({slow}, "canary", 0.01);
        for (int look = 0; look <= 10; ++look)
            e.observe(snapshot(look), look);
        const auto r = e.results()[0];
        QCOMPARE(r.canaryEvents, 300.0);
        QCOMPARE(r.stableEvents, 900.0);
        QCOMPARE(r.canaryExposure, 10'000.0);
        QCOMPARE(r.verdict, GateVerdict::Fail);  // 3× the stable's slow share
    }

    void cardGatesSayHowManyTransactionsTheirCardsMade() {
        StepEvidence e({declines()}, "canary", 0.01);
        for (int look = 0; look <= 10; ++look) {
            auto s = traffic(look, 0.2, 0.01, 0.01);
            // Bursty cards: each made about three transactions.
            s["calls/canary"]["r0"] = 3 * look * 2000 * 0.2;
            s["calls/stable"]["r0"] = 3 * look * 2000 * 0.8;
            e.observe(s, look);
        }
        const auto r = e.results()[0];
        QCOMPARE(r.canaryExposure, 4000.0);
        QCOMPARE(r.canaryTransactions, std::optional(12'000.0));
        QCOMPARE(r.stableTransactions, std::optional(48'000.0));
        // A request gate counts requests already: no second figure.
        GateSpec slow;
        slow.name = "slow_requests";
        slow.event = GateSpec::Event::SlowRequest;
        slow.unit = GateSpec::Unit::Requests;
        StepEvidence requests({slow}, "canary", 0.01);
        requests.observe({}, 0);
        requests.observe({}, 1);
        QVERIFY(!requests.results()[0].canaryTransactions);
    }

    void p99BandsAreShownFromTheLatencyBuckets() {
        // Cumulative latency buckets after `look` looks of `perLook` requests a side: the
        // canary's 1.5 % slowest between 2 and 5 ms, the stable's 0.5 % between 1 and 2 ms.
        const auto snapshot = [](double look, double perLook) {
            CounterSnapshot s;
            const auto canary = latencyCounters("canary"), stable = latencyCounters("stable");
            for (std::size_t i = 0; i < canary.size(); ++i) {
                const double n = look * perLook;
                // Edges: index 6 is 1 ms, 7 is 2 ms, 8 is 5 ms.
                s[canary[i]]["r0"] = i < 6 ? 0 : i < 8 ? 0.985 * n : n;
                s[stable[i]]["r0"] = i < 6 ? 0 : i < 7 ? 0.995 * n : n;
            }
            return s;
        };
        StepEvidence e({declines()}, "canary", 0.01);
        // Every step reads both sides' latency, whatever its gates.
        const auto counters = countersOf({declines()}, "canary");
        QVERIFY(std::find(counters.begin(), counters.end(), "latency/canary/7") != counters.end());
        QVERIFY(std::find(counters.begin(), counters.end(), "latency/stable/16") != counters.end());
        for (int look = 0; look <= 10; ++look)
            e.observe(snapshot(look, 1000), look);
        auto bands = e.latencyBands();
        QCOMPARE(bands.size(), std::size_t(2));
        QCOMPARE(bands[0].variant, std::string("canary"));
        QCOMPARE(bands[0].requests, 10'000.0);
        QCOMPARE(bands[0].p99, std::optional(0.005));
        QCOMPARE(bands[1].p99, std::optional(0.001));
        // 10,000 requests: a band's lower end, but its upper end stays open.
        QCOMPARE(bands[1].band.lower, 0.0005);
        QVERIFY(std::isinf(bands[0].band.upper) && std::isinf(bands[1].band.upper));

        // 200,000 requests a side: the band closes around each side's p99.
        for (int look = 11; look <= 200; ++look)
            e.observe(snapshot(look, 1000), look);
        bands = e.latencyBands();
        QCOMPARE(bands[1].requests, 200'000.0);
        QCOMPARE(bands[1].band.upper, 0.002);
        QCOMPARE(bands[0].band.upper, 0.005);
        QVERIFY(bands[0].band.lower <= *bands[0].p99 && *bands[0].p99 <= bands[0].band.upper);

        // Evidence saved before latency was kept resumes, its latency counted from that look.
        auto saved = e.toJson();
        for (const auto& name : latencyCounters("canary"))
            saved["tallies"].erase(name);
        auto resumed = StepEvidence::fromJson(saved, {declines()});
        resumed.observe(snapshot(201, 1000), 201);
        resumed.observe(snapshot(202, 1000), 202);
        bands = resumed.latencyBands();
        QCOMPARE(bands[0].requests, 1000.0);
        QCOMPARE(bands[1].requests, 202'000.0);
    }
};

QTEST_GUILESS_MAIN(StepEvidenceTest)
#include "tst_step_evidence.moc"
