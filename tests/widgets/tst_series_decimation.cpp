// Decimation to a plot's width keeps what the eye would see: in every pixel column the lowest
// and highest values, and the first and last points, in x order, at most four per column.
#include <QtTest>
#include <cmath>
#include <limits>
#include <random>

#include "charts/SeriesDecimation.h"

using Points = std::vector<QPointF>;
Q_DECLARE_METATYPE(Points)

namespace {

Points randomWalk(std::size_t n, unsigned seed, bool unevenX) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> step(0, 1);
    std::exponential_distribution<double> gap(1.0);
    Points p;
    double x = 0, y = 0;
    for (std::size_t i = 0; i < n; ++i) {
        x += unevenX ? gap(rng) : 1.0;
        y += step(rng);
        p.emplace_back(x, y);
    }
    return p;
}

}  // namespace

class SeriesDecimationTest : public QObject {
    Q_OBJECT

private slots:
    void keepsEachColumnsExtremes_data() {
        QTest::addColumn<Points>("points");
        QTest::addColumn<int>("columns");
        QTest::newRow("100k random walk on 800 px") << randomWalk(100'000, 1, false) << 800;
        QTest::newRow("uneven x on 300 px") << randomWalk(20'000, 2, true) << 300;
        Points spikes;
        for (int i = 0; i < 50'000; ++i)
            spikes.emplace_back(i,
                                i % 997 == 0 ? 1e6 : (i % 1009 == 0 ? -1e6 : std::sin(i * 0.01)));
        QTest::newRow("isolated spikes and dips on 500 px") << spikes << 500;
        Points gaps = randomWalk(10'000, 3, false);
        for (std::size_t i = 0; i < gaps.size(); i += 37)
            gaps[i].setY(std::numeric_limits<double>::quiet_NaN());
        QTest::newRow("missing values on 200 px") << gaps << 200;
        QTest::newRow("one column") << randomWalk(1000, 4, false) << 1;
        QTest::newRow("fits already") << randomWalk(100, 5, false) << 800;
    }

    void keepsEachColumnsExtremes() {
        QFETCH(Points, points);
        QFETCH(int, columns);
        const double xMin = points.front().x(), xMax = points.back().x();
        const auto kept = fraudops::decimateForColumns(points, xMin, xMax, columns);
        QVERIFY(kept.size() <= std::max<std::size_t>(points.size() <= std::size_t(4 * columns)
                                                         ? points.size()
                                                         : std::size_t(4 * columns),
                                                     1));
        QVERIFY(std::is_sorted(kept.begin(), kept.end(),
                               [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); }));
        QCOMPARE(kept.front().x(), points.front().x());
        QCOMPARE(kept.back().x(), points.back().x());
        // Per column: the kept points' min and max are the input's.
        const auto columnOf = [&](double x) {
            return std::clamp(int(std::floor((x - xMin) * columns / (xMax - xMin))), 0,
                              columns - 1);
        };
        std::vector<double> inMin(columns, INFINITY), inMax(columns, -INFINITY);
        std::vector<double> outMin(columns, INFINITY), outMax(columns, -INFINITY);
        for (const auto& p : points) {
            if (std::isnan(p.y()))
                continue;
            inMin[columnOf(p.x())] = std::min(inMin[columnOf(p.x())], p.y());
            inMax[columnOf(p.x())] = std::max(inMax[columnOf(p.x())], p.y());
        }
        for (const auto& p : kept) {
            if (std::isnan(p.y()))
                continue;
            outMin[columnOf(p.x())] = std::min(outMin[columnOf(p.x())], p.y());
            outMax[columnOf(p.x())] = std::max(outMax[columnOf(p.x())], p.y());
        }
        for (int c = 0; c < columns; ++c) {
            QCOMPARE(outMin[c], inMin[c]);
            QCOMPARE(outMax[c], inMax[c]);
        }
    }
};

QTEST_GUILESS_MAIN(SeriesDecimationTest)
#include "tst_series_decimation.moc"
