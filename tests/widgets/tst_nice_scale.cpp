// A value axis on round numbers: it covers the data, its step is 1, 2 or 5 times a power of
// ten, ticks fall on whole steps, there are a handful, and the same data always gives the
// same axis.
#include <QtTest>
#include <cmath>
#include <random>

#include "charts/NiceScale.h"

using fraudops::NiceScale;

namespace {

bool isRoundStep(double step) {
    const double power = std::pow(10.0, std::floor(std::log10(step)));
    const double f = step / power;
    return std::abs(f - 1) < 1e-6 || std::abs(f - 2) < 1e-6 || std::abs(f - 5) < 1e-6 ||
           std::abs(f - 10) < 1e-6;
}

}  // namespace

class NiceScaleTest : public QObject {
    Q_OBJECT

private slots:
    void knownScales_data() {
        QTest::addColumn<double>("low");
        QTest::addColumn<double>("high");
        QTest::addColumn<double>("min");
        QTest::addColumn<double>("max");
        QTest::addColumn<int>("ticks");
        QTest::newRow("unit") << 0.0 << 1.0 << 0.0 << 1.0 << 6;
        QTest::newRow("latency up to 4.32 ms") << 0.0 << 4.32 << 0.0 << 5.0 << 6;
        QTest::newRow("rate up to 10.8/s") << 0.0 << 10.8 << 0.0 << 15.0 << 4;
        QTest::newRow("rate up to 216/s") << 0.0 << 216.0 << 0.0 << 300.0 << 4;
        QTest::newRow("across zero") << -3.0 << 7.0 << -4.0 << 8.0 << 7;
        QTest::newRow("reversed") << 7.0 << -3.0 << -4.0 << 8.0 << 7;
        QTest::newRow("one value") << 3.0 << 3.0 << 2.4 << 3.6 << 7;
        QTest::newRow("zero alone") << 0.0 << 0.0 << -1.0 << 1.0 << 5;
    }
    void knownScales() {
        QFETCH(double, low);
        QFETCH(double, high);
        QFETCH(double, min);
        QFETCH(double, max);
        QFETCH(int, ticks);
        const NiceScale s = NiceScale::covering(low, high);
        QVERIFY2(std::abs(s.min - min) < 1e-9, qPrintable(QString::number(s.min)));
        QVERIFY2(std::abs(s.max - max) < 1e-9, qPrintable(QString::number(s.max)));
        QCOMPARE(s.ticks, ticks);
    }

    void coversAnyDataOnRoundSteps() {
        std::mt19937_64 rng(11);
        std::uniform_real_distribution<double> exponent(-6, 9), mantissa(-10, 10);
        for (int i = 0; i < 10'000; ++i) {
            const double a = mantissa(rng) * std::pow(10.0, exponent(rng));
            const double b = a + std::abs(mantissa(rng)) * std::pow(10.0, exponent(rng));
            const NiceScale s = NiceScale::covering(a, b);
            QVERIFY(s.min <= a && s.max >= b);
            QVERIFY2(s.ticks >= 2 && s.ticks <= 12, qPrintable(QString::number(s.ticks)));
            QVERIFY2(isRoundStep(s.step), qPrintable(QString::number(s.step, 'g', 17)));
            // Ticks at whole steps (to the precision of the larger end).
            const double scale = std::max(std::abs(s.min), std::abs(s.max));
            QVERIFY(std::abs(s.max - s.min - (s.ticks - 1) * s.step) <= scale * 1e-12);
            QCOMPARE(NiceScale::covering(a, b), s);  // the same data, the same axis
        }
    }

    void notANumberGivesTheUnitScale() {
        QCOMPARE(NiceScale::covering(std::nan(""), 1), NiceScale{});
        QCOMPARE(NiceScale::covering(0, INFINITY), NiceScale{});
    }
};

QTEST_APPLESS_MAIN(NiceScaleTest)
#include "tst_nice_scale.moc"
