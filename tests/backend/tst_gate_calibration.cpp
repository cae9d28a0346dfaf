// The release gates, calibrated by simulation on the project's own bursty traffic (the
// transaction generator, card-testing bursts included), split by card at the default plan's
// weights, every gate evaluated after every 10-second interval:
//  - A/A: 500 rollouts of identical versions fail at most α = 0.05 of the time when events are
//    counted in cards; counted in transactions (each decline an independent draw), they fail
//    far more often, and so does a fixed-horizon test evaluated again at every interval;
//  - power: a canary with twice the stable's error rate at 5 % of cards fails, and so does one
//    whose decline rate goes from 1 % to 2 %. The median times to detection are printed beside
//    the fixed-horizon test's (docs/benchmarks.md).
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <random>

#include "common/Hash.h"
#include "gates/RateRatioSequence.h"
#include "synth/TransactionGenerator.h"

using namespace fraudops::gates;

namespace {

constexpr int kIntervalSeconds = 10;
constexpr int kTxPerInterval = 500;  // the demo's 50 transactions a second

// Traffic: which card each transaction is, and whether it is fraud.
struct Traffic {
    std::vector<std::uint32_t> card;
    std::vector<std::uint8_t> fraud;
    std::size_t cards = 0;
};

Traffic makeTraffic(std::uint64_t seed, std::size_t transactions) {
    fraud::GeneratorConfig config;
    config.seed = seed;
    config.cards = 43'200;  // the demo's population at 50/s: 100 transactions a card a day
    config.txnsPerCardPerDay = 100;
    config.diurnal = false;
    config.fraudRate = 0.01;
    fraud::TransactionGenerator generator(config);
    Traffic t;
    t.card.reserve(transactions);
    t.fraud.reserve(transactions);
    for (std::size_t i = 0; i < transactions; ++i) {
        const auto g = generator.next();
        t.card.push_back(g.card);
        t.fraud.push_back(g.fraud ? 1 : 0);
    }
    t.cards = generator.cardCount();
    return t;
}

struct Scenario {
    std::vector<std::uint32_t> weightsBp{500, 2000, 5000, 8000};  // the default plan's splits
    int intervalsPerStep = 24;                                    // 4 minutes a step
    double legitDecline = 0.003, fraudDecline = 0.7;
    double canaryExtraDecline = 0;  // added to a legitimate transaction's decline probability
    double errorRate = 0.002, canaryErrorFactor = 1;
    double slowRate = 0.01, canarySlowFactor = 1;
    double alpha = 0.05;
    int gates = 3;  // declines, errors, slow requests: α split three ways
};

struct Outcome {
    bool failed = false;
    double secondsToFail = 0;
    QString gate;
    // With no tolerance (evidence against equal rates alone), declines counted in cards, and
    // in transactions as if each were an independent draw (the trap).
    bool cardEvidenceRejected = false;
    bool transactionEvidenceRejected = false;
    bool fixedHorizonFailed = false;  // a z-test on the same card counts, at every interval
    double fixedHorizonSeconds = 0;
};

// Φ^-1(1 − tail), by bisection on erfc.
double upperNormalQuantile(double tail) {
    double lo = 0, hi = 40;
    for (int i = 0; i < 200; ++i) {
        const double mid = (lo + hi) / 2;
        (0.5 * std::erfc(mid / std::sqrt(2.0)) > tail ? lo : hi) = mid;
    }
    return (lo + hi) / 2;
}

// The z-test of two proportions a fixed-horizon analysis uses (x events of n each side).
double zStatistic(double x1, double n1, double x2, double n2) {
    if (n1 <= 0 || n2 <= 0)
        return 0;
    const double p = (x1 + x2) / (n1 + n2);
    const double se = std::sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
    return se > 0 ? (x1 / n1 - x2 / n2) / se : 0;
}

// Per variant, over the current step: each card's flags (reset when the step changes, as the
// scorer's per-card flags reset with the generation) and the interval's counts.
struct Arm {
    std::uint64_t cardsScored = 0, cardsDeclined = 0, cardsErrored = 0;  // this step
    std::uint64_t newDeclined = 0, newErrored = 0;                       // this interval
    std::uint64_t requests = 0, slow = 0, declinedTx = 0;                // this interval
    // The whole rollout, for the fixed-horizon test.
    double totalCardsScored = 0, totalCardsDeclined = 0;
};

Outcome simulate(const Traffic& traffic, const Scenario& s, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    // The router's draw for each card (its own salt for each rollout).
    std::vector<std::uint32_t> bucket(traffic.cards);
    for (std::size_t c = 0; c < traffic.cards; ++c) {
        const std::string id = "card-" + std::to_string(c);
        bucket[c] = static_cast<std::uint32_t>(((fraud::hash64(id, seed) >> 32) * 10'000) >> 32);
    }
    // Per card: the step in which it was last seen, declined and errored (+1; 0 never).
    std::vector<std::uint16_t> seen(traffic.cards, 0), declined(traffic.cards, 0),
        errored(traffic.cards, 0);

    const double alphaGate = s.alpha / s.gates;
    const double zTwo = upperNormalQuantile(alphaGate / 2), zOne = upperNormalQuantile(alphaGate);
    RateRatioSequence declines, errors, slowRequests, declinedTransactions;
    Outcome out;
    std::size_t next = 0;
    int interval = 0;
    for (std::size_t step = 0; step < s.weightsBp.size(); ++step) {
        const auto stamp = static_cast<std::uint16_t>(step + 1);
        Arm arm[2];  // 0 stable, 1 canary
        for (int i = 0; i < s.intervalsPerStep; ++i, ++interval) {
            for (auto& a : arm)
                a.newDeclined = a.newErrored = a.requests = a.slow = a.declinedTx = 0;
            for (int k = 0; k < kTxPerInterval; ++k, ++next) {
                const std::uint32_t card = traffic.card[next % traffic.card.size()];
                const bool canary = bucket[card] < s.weightsBp[step];
                Arm& a = arm[canary ? 1 : 0];
                ++a.requests;
                if (seen[card] != stamp) {
                    seen[card] = stamp;
                    ++a.cardsScored;
                    ++a.totalCardsScored;
                }
                const double pDecline = traffic.fraud[next % traffic.fraud.size()]
                                            ? s.fraudDecline
                                            : s.legitDecline + (canary ? s.canaryExtraDecline : 0);
                if (u(rng) < pDecline) {
                    ++a.declinedTx;
                    if (declined[card] != stamp) {
                        declined[card] = stamp;
                        ++a.cardsDeclined;
                        ++a.newDeclined;
                        ++a.totalCardsDeclined;
                    }
                }
                if (u(rng) < s.errorRate * (canary ? s.canaryErrorFactor : 1) &&
                    errored[card] != stamp) {
                    errored[card] = stamp;
                    ++a.cardsErrored;
                    ++a.newErrored;
                }
                if (u(rng) < s.slowRate * (canary ? s.canarySlowFactor : 1))
                    ++a.slow;
            }
            // The exposure: cards scored in the step so far (the unit of the experiment), and
            // this interval's requests.
            const double cardShare =
                double(arm[1].cardsScored) / double(arm[0].cardsScored + arm[1].cardsScored);
            const double requestShare =
                double(arm[1].requests) / double(arm[0].requests + arm[1].requests);
            declines.add(cardShare, arm[1].newDeclined, arm[0].newDeclined);
            errors.add(cardShare, arm[1].newErrored, arm[0].newErrored);
            slowRequests.add(requestShare, arm[1].slow, arm[0].slow);
            declinedTransactions.add(requestShare, arm[1].declinedTx, arm[0].declinedTx);
            const double seconds = double(interval + 1) * kIntervalSeconds;
            if (!out.failed) {
                if (declines.verdict(alphaGate, 0.25, Sides::Both) == GateVerdict::Fail)
                    out.gate = "declines";
                else if (errors.verdict(alphaGate, 0.2, Sides::Worse) == GateVerdict::Fail)
                    out.gate = "errors";
                else if (slowRequests.verdict(alphaGate, 0.5, Sides::Worse) == GateVerdict::Fail)
                    out.gate = "slow requests";
                if (!out.gate.isEmpty()) {
                    out.failed = true;
                    out.secondsToFail = seconds;
                }
            }
            out.cardEvidenceRejected |= declines.logEvidence() >= std::log(1 / alphaGate);
            out.transactionEvidenceRejected |=
                declinedTransactions.logEvidence() >= std::log(1 / alphaGate);
            if (!out.fixedHorizonFailed) {
                // The decline share of cards, canary against stable, over the rollout so far.
                const double z = zStatistic(arm[1].totalCardsDeclined, arm[1].totalCardsScored,
                                            arm[0].totalCardsDeclined, arm[0].totalCardsScored);
                if (std::abs(z) > zTwo) {
                    out.fixedHorizonFailed = true;
                    out.fixedHorizonSeconds = seconds;
                }
            }
        }
    }
    Q_UNUSED(zOne);
    return out;
}

double median(std::vector<double> v) {
    if (v.empty())
        return std::nan("");
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

class GateCalibrationTest : public QObject {
    Q_OBJECT

    std::vector<Traffic> traffic_;

private slots:
    void initTestCase() {
        // Twenty streams of a whole rollout each; a rollout takes one, with its own router
        // salt and its own decisions.
        const Scenario s;
        const auto length =
            static_cast<std::size_t>(s.weightsBp.size()) * s.intervalsPerStep * kTxPerInterval;
        for (std::uint64_t seed = 1; seed <= 20; ++seed)
            traffic_.push_back(makeTraffic(seed, length));
    }

    void identicalVersionsFailAtMostAlpha() {
        constexpr int kRollouts = 500;
        const Scenario s;
        int failed = 0, byCards = 0, byTransactions = 0, fixedHorizon = 0;
        QStringList gates;
        for (int r = 0; r < kRollouts; ++r) {
            const auto out = simulate(traffic_[r % traffic_.size()], s, 1000 + r);
            failed += out.failed;
            byCards += out.cardEvidenceRejected;
            byTransactions += out.transactionEvidenceRejected;
            fixedHorizon += out.fixedHorizonFailed;
            if (out.failed)
                gates << out.gate;
        }
        qInfo(
            "A/A, %d rollouts of 4 steps x 4 min, every gate after every 10 s: %d failed "
            "(%.1f %%%s%s). Evidence against equal decline rates alone (no tolerance) reached "
            "1/alpha in %d (%.1f %%) counting cards, %d (%.1f %%) counting transactions. A "
            "fixed-horizon z-test on cards at every look: %d (%.1f %%)",
            kRollouts, failed, 100.0 * failed / kRollouts, gates.isEmpty() ? "" : "; ",
            qPrintable(gates.join(", ")), byCards, 100.0 * byCards / kRollouts, byTransactions,
            100.0 * byTransactions / kRollouts, fixedHorizon, 100.0 * fixedHorizon / kRollouts);
        QVERIFY2(failed <= 0.05 * kRollouts, qPrintable(QString::number(failed)));
        // Anytime-valid on cards even without a tolerance: at most α per gate (α / 3).
        QVERIFY2(byCards <= 0.05 / 3 * kRollouts + 3, qPrintable(QString::number(byCards)));
        // The traps the gates avoid: transactions of one card are not independent, and a
        // fixed-horizon test looked at again and again rejects far more than its level.
        QVERIFY2(byTransactions > 2 * std::max(byCards, 1),
                 qPrintable(QString::number(byTransactions)));
        QVERIFY2(fixedHorizon > 0.15 * kRollouts, qPrintable(QString::number(fixedHorizon)));
    }

    void aCanaryWithTwiceTheErrorsFails() {
        Scenario s;
        s.weightsBp = {500};       // the first split step, held
        s.intervalsPerStep = 360;  // up to an hour
        s.errorRate = 0.01;
        s.canaryErrorFactor = 2;
        std::vector<double> times;
        int detected = 0;
        constexpr int kRollouts = 40;
        for (int r = 0; r < kRollouts; ++r) {
            const auto out = simulate(traffic_[r % traffic_.size()], s, 5000 + r);
            if (out.failed && out.gate == "errors") {
                ++detected;
                times.push_back(out.secondsToFail);
            }
        }
        qInfo(
            "twice the errors (1 %% -> 2 %% of transactions) at 5 %% of cards: %d of %d "
            "detected within an hour, median %.0f s",
            detected, kRollouts, median(times));
        QVERIFY2(detected >= 0.9 * kRollouts, qPrintable(QString::number(detected)));
    }

    void aCanaryDecliningTwiceAsOftenFails() {
        Scenario s;
        s.weightsBp = {500};
        s.intervalsPerStep = 360;
        s.legitDecline = 0.003;
        s.canaryExtraDecline = 0.01;  // about 1 % of transactions declined becomes about 2 %
        std::vector<double> times, fixedTimes;
        int detected = 0;
        constexpr int kRollouts = 40;
        for (int r = 0; r < kRollouts; ++r) {
            const auto out = simulate(traffic_[r % traffic_.size()], s, 9000 + r);
            if (out.failed && out.gate == "declines") {
                ++detected;
                times.push_back(out.secondsToFail);
            }
            if (out.fixedHorizonFailed)
                fixedTimes.push_back(out.fixedHorizonSeconds);
        }
        qInfo(
            "declines from about 1 %% to about 2 %% at 5 %% of cards: %d of %d detected "
            "within an hour, median %.0f s (the fixed-horizon z-test at every look: median "
            "%.0f s, at the false-fail rate above)",
            detected, kRollouts, median(times), median(fixedTimes));
        QVERIFY2(detected >= 0.8 * kRollouts, qPrintable(QString::number(detected)));
    }
};

QTEST_GUILESS_MAIN(GateCalibrationTest)
#include "tst_gate_calibration.moc"
