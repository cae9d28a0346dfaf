// PSI with an interval that knows both sample sizes, and the verdict it gives: the same
// distributions are stable; a tiny shift on a huge sample is stable (where a chi-square test
// calls it significant); a large shift is drifted; a moderate shift on a small sample is "not
// enough data"; and the interval covers the true PSI about as often as it says.
#include <QtTest>
#include <cmath>
#include <random>

#include "drift/PsiInterval.h"

using namespace fraudops;

namespace {

const std::vector<double> kBaseline{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1};

std::vector<std::uint64_t> draw(std::mt19937_64& rng, std::uint64_t n,
                                const std::vector<double>& shares) {
    std::discrete_distribution<std::size_t> pick(shares.begin(), shares.end());
    std::vector<std::uint64_t> counts(shares.size(), 0);
    for (std::uint64_t i = 0; i < n; ++i)
        ++counts[pick(rng)];
    return counts;
}

// Shares moved by `shift` from the lower half of the bins to the upper half.
std::vector<double> shifted(double shift) {
    auto s = kBaseline;
    for (std::size_t i = 0; i < 5; ++i) {
        s[i] -= shift / 5;
        s[9 - i] += shift / 5;
    }
    return s;
}

}  // namespace

class PsiIntervalTest : public QObject {
    Q_OBJECT

private slots:
    void theSameDistributionIsStable() {
        std::mt19937_64 rng(1);
        const auto e = estimatePsi(draw(rng, 20'000, kBaseline), kBaseline, 100'000);
        QCOMPARE(e.verdict, DriftVerdict::Stable);
        QVERIFY(e.upper < 0.01);
    }

    void aTinyShiftOnAHugeSampleIsStable() {
        // The example: a PSI near 0.002 on a 15,000-sample window.
        const auto truth = shifted(0.02);
        std::vector<std::uint64_t> window;
        for (double s : truth)
            window.push_back(static_cast<std::uint64_t>(std::llround(s * 15'000)));
        const auto e = estimatePsi(window, kBaseline, 1'000'000);
        qInfo("PSI %.4f [%.4f, %.4f]", e.psi, e.lower, e.upper);
        QVERIFY(e.psi > 0.001 && e.psi < 0.005);
        // A chi-square test of the window against the baseline calls it significant (the
        // 5 % critical value for 9 degrees of freedom is 16.92) ...
        double chi2 = 0;
        for (std::size_t i = 0; i < window.size(); ++i) {
            const double expected = kBaseline[i] * 15'000;
            chi2 += (window[i] - expected) * (window[i] - expected) / expected;
        }
        QVERIFY2(chi2 > 16.92, qPrintable(QString::number(chi2)));
        // ... the effect size with its interval does not.
        QCOMPARE(e.verdict, DriftVerdict::Stable);
    }

    void aLargeShiftIsDrifted() {
        std::mt19937_64 rng(2);
        const auto e = estimatePsi(draw(rng, 5'000, shifted(0.4)), kBaseline, 100'000);
        qInfo("PSI %.4f [%.4f, %.4f]", e.psi, e.lower, e.upper);
        QCOMPARE(e.verdict, DriftVerdict::Drifted);
        QVERIFY(e.lower >= 0.1);
    }

    void aSmallSampleIsNotEnoughData() {
        std::mt19937_64 rng(3);
        // A true PSI of 0.106, next to the threshold: 60 scores cannot tell.
        QVERIFY(std::abs(psi(shifted(0.16), kBaseline) - 0.106) < 0.001);
        const auto e = estimatePsi(draw(rng, 60, shifted(0.16)), kBaseline, 100'000);
        qInfo("PSI %.4f [%.4f, %.4f] on 60", e.psi, e.lower, e.upper);
        QCOMPARE(e.verdict, DriftVerdict::NotEnoughData);
        const auto none = estimatePsi(std::vector<std::uint64_t>(10, 0), kBaseline, 100'000);
        QCOMPARE(none.verdict, DriftVerdict::NotEnoughData);
    }

    void theIntervalCoversTheTruth() {
        const auto truth = shifted(0.3);
        const double truePsi = psi(truth, kBaseline);
        std::mt19937_64 rng(4);
        int covered = 0;
        constexpr int kTrials = 200;
        for (int t = 0; t < kTrials; ++t) {
            const auto window = draw(rng, 800, truth);
            const auto baselineCounts = draw(rng, 5'000, kBaseline);
            std::vector<double> baseline(baselineCounts.begin(), baselineCounts.end());
            for (auto& b : baseline)
                b /= 5'000;
            PsiOptions options;
            options.seed = static_cast<std::uint64_t>(t + 1);
            const auto e = estimatePsi(window, baseline, 5'000, options);
            covered += e.lower <= truePsi && truePsi <= e.upper;
        }
        qInfo("true PSI %.4f covered by %d of %d 95 %% intervals", truePsi, covered, kTrials);
        QVERIFY2(covered >= 0.88 * kTrials, qPrintable(QString::number(covered)));
    }

    void theSameCountsGiveTheSameInterval() {
        std::mt19937_64 rng(5);
        const auto window = draw(rng, 1'000, shifted(0.1));
        const auto a = estimatePsi(window, kBaseline, 10'000);
        const auto b = estimatePsi(window, kBaseline, 10'000);
        QCOMPARE(a.lower, b.lower);
        QCOMPARE(a.upper, b.upper);
    }
};

QTEST_GUILESS_MAIN(PsiIntervalTest)
#include "tst_psi_interval.moc"
