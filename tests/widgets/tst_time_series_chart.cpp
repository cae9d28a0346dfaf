// TimeSeriesChart draws what the data says: a line breaks where samples are missing (one
// legend entry still stands for the whole series and hides or shows every piece), a lone
// sample between gaps is drawn as a point, overlays say loading / no data / stale / error, and
// annotations are vertical lines with labels, drawn only inside the time range.
#include <QChart>
#include <QGraphicsSimpleTextItem>
#include <QImage>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QSignalSpy>
#include <QValueAxis>
#include <QtTest>

#include "charts/TimeSeriesChart.h"

using namespace fraudops;

namespace {

// Samples every `step` ms from `from` to `to` (inclusive), skipping the listed indices.
std::vector<QPointF> samples(double from, double to, double step, std::vector<int> skip = {}) {
    std::vector<QPointF> out;
    int i = 0;
    for (double x = from; x <= to; x += step, ++i) {
        if (std::find(skip.begin(), skip.end(), i) == skip.end())
            out.emplace_back(x, 1.0 + i % 7);
    }
    return out;
}

// 800 x 400 px over the first 100 s of the epoch, breaking lines at gaps over `maximumGap` ms.
void showHundredSeconds(TimeSeriesChart& chart, double maximumGap) {
    chart.resize(800, 400);
    chart.setTimeRange(QDateTime::fromMSecsSinceEpoch(0), QDateTime::fromMSecsSinceEpoch(100'000));
    chart.setMaximumGap(maximumGap);
}

int visibleLegendEntries(const TimeSeriesChart& chart) {
    // Pieces after a gap have no name; a marker of theirs would be an empty entry.
    int n = 0;
    for (QLegendMarker* m : chart.chart()->legend()->markers())
        n += m->isVisible();
    return n;
}

QList<QLineSeries*> linesDrawingPoints(const TimeSeriesChart& chart) {
    QList<QLineSeries*> out;
    for (QAbstractSeries* s : chart.chart()->series()) {
        auto* line = qobject_cast<QLineSeries*>(s);
        if (line && line->count() > 0)
            out << line;
    }
    return out;
}

}  // namespace

class TimeSeriesChartTest : public QObject {
    Q_OBJECT

private slots:
    void joinsEverythingWithoutAMaximumGap() {
        TimeSeriesChart chart("t", "u");
        showHundredSeconds(chart, 0);
        chart.setSeries("a", samples(0, 100'000, 1000, {40, 41, 42}));
        QCOMPARE(chart.drawnSegmentCount("a"), 1);
    }

    void breaksWhereSamplesAreMissing_data() {
        QTest::addColumn<std::vector<int>>("skip");
        QTest::addColumn<int>("segments");
        QTest::newRow("no gap") << std::vector<int>{} << 1;
        QTest::newRow("one missing sample") << std::vector<int>{50} << 2;
        QTest::newRow("an outage") << std::vector<int>{30, 31, 32, 33, 34, 35} << 2;
        QTest::newRow("two outages") << std::vector<int>{20, 21, 60, 61, 62} << 3;
        QTest::newRow("lone sample between gaps") << std::vector<int>{10, 11, 13, 14} << 3;
    }
    void breaksWhereSamplesAreMissing() {
        QFETCH(std::vector<int>, skip);
        QFETCH(int, segments);
        TimeSeriesChart chart("t", "u");
        showHundredSeconds(chart, 1500);
        chart.show();  // legend markers are visible only on a shown chart
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        const auto points = samples(0, 100'000, 1000, skip);
        chart.setSeries("a", points);
        QCOMPARE(chart.drawnSegmentCount("a"), segments);
        QCOMPARE(chart.drawnPointCount("a"), points.size());  // fewer points than columns
        // One legend entry however many pieces.
        QTRY_COMPARE(visibleLegendEntries(chart), 1);
        const auto lines = linesDrawingPoints(chart);
        QCOMPARE(lines.size(), segments);
        for (QLineSeries* line : lines) {
            QCOMPARE(line->color(), lines.front()->color());  // drawn as one series
            QCOMPARE(line->pointsVisible(), line->count() == 1);
        }
    }

    // More samples than pixel columns: the pieces are found in the data, not in the points
    // decimation keeps (those may lie far apart inside one column).
    void breaksOnlyAtGapsWhenDecimating() {
        TimeSeriesChart chart("t", "u");
        chart.resize(800, 400);
        chart.setTimeRange(QDateTime::fromMSecsSinceEpoch(0),
                           QDateTime::fromMSecsSinceEpoch(1'000'000));
        chart.setMaximumGap(150);
        std::vector<int> skip;
        for (int outage = 1; outage <= 50; ++outage)
            skip.insert(skip.end(), {outage * 190, outage * 190 + 1});
        chart.setSeries("a", samples(0, 1'000'000, 100, skip));  // 10,000 samples
        QCOMPARE(chart.drawnSegmentCount("a"), 51);
        QVERIFY(chart.drawnPointCount("a") < 4 * 800 + 4 * 51);
    }

    void gapsCloseWhenTheDataDoes() {
        TimeSeriesChart chart("t", "u");
        showHundredSeconds(chart, 1500);
        chart.setSeries("a", samples(0, 100'000, 1000, {20, 60}));
        QCOMPARE(chart.drawnSegmentCount("a"), 3);
        chart.setSeries("a", samples(0, 100'000, 1000));
        QCOMPARE(chart.drawnSegmentCount("a"), 1);
        QCOMPARE(linesDrawingPoints(chart).size(), 1);  // the spare pieces are emptied
    }

    void theLegendHidesEveryPiece() {
        TimeSeriesChart chart("t", "u");
        showHundredSeconds(chart, 1500);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        chart.setSeries("a", samples(0, 100'000, 1000, {20, 60}));
        chart.setSeries("b", samples(0, 100'000, 1000));
        QTRY_COMPARE(visibleLegendEntries(chart), 2);
        chart.setSeriesVisible("a", false);
        int hidden = 0;
        for (QLineSeries* line : linesDrawingPoints(chart))
            hidden += !line->isVisible();
        QCOMPARE(hidden, 3);
        QTRY_COMPARE(visibleLegendEntries(chart), 2);  // the entry stays, greyed, to click again
        chart.setSeries("a", samples(0, 100'000, 1000, {10, 50, 80}));  // new pieces stay hidden
        hidden = 0;
        for (QLineSeries* line : linesDrawingPoints(chart))
            hidden += !line->isVisible();
        QCOMPARE(hidden, 4);
        chart.setSeriesVisible("a", true);
        for (QLineSeries* line : linesDrawingPoints(chart))
            QVERIFY(line->isVisible());
        QTRY_COMPARE(visibleLegendEntries(chart), 2);  // the pieces shown again stay unlisted
    }

    void removedSeriesTakeTheirPieces() {
        TimeSeriesChart chart("t", "u");
        chart.resize(800, 400);
        chart.setMaximumGap(1500);
        chart.setSeries("a", samples(0, 100'000, 1000, {20, 60}));
        chart.setSeries("b", samples(0, 100'000, 1000));
        chart.keepOnly({"b"});
        QCOMPARE(chart.seriesNames(), QStringList{"b"});
        QCOMPARE(linesDrawingPoints(chart).size(), 1);
        QCOMPARE(chart.lastX("b"), 100'000.0);
        QCOMPARE(chart.lastX("a"), 0.0);
    }

    void theValueAxisMovesOnlyWhenItsScaleDoes() {
        // Every range change lays out each line on the axis again: a refresh that brings the
        // same scale must leave the axis alone.
        TimeSeriesChart chart("t", "u");
        showHundredSeconds(chart, 0);
        auto* axis = qobject_cast<QValueAxis*>(chart.chart()->axes(Qt::Vertical).first());
        QVERIFY(axis);
        chart.setSeries("a", samples(0, 100'000, 1000));  // values 1..7
        chart.setSeries("b", samples(0, 100'000, 1000));
        QCOMPARE(axis->min(), 0.0);
        QCOMPARE(axis->max(), 8.0);
        QSignalSpy moved(axis, &QValueAxis::rangeChanged);
        for (int refresh = 0; refresh < 5; ++refresh) {
            chart.setSeries("a", samples(0, 100'000, 1000));
            chart.setSeries("b", samples(0, 100'000, 1000));
        }
        QCOMPARE(moved.count(), 0);
        auto higher = samples(0, 100'000, 1000);
        higher.back().setY(40);
        chart.setSeries("b", higher);
        QCOMPARE(moved.count(), 1);
        QCOMPARE(axis->max(), 50.0);
        chart.setSeriesVisible("b", false);  // the axis fits what is shown
        QCOMPARE(moved.count(), 2);
        QCOMPARE(axis->max(), 8.0);
    }

    void overlaysAreExplicit() {
        TimeSeriesChart chart("t", "u");
        QCOMPARE(chart.overlay(), TimeSeriesChart::Overlay::Loading);
        chart.setOverlay(TimeSeriesChart::Overlay::Stale, "No new samples since 12:00:00");
        QCOMPARE(chart.overlay(), TimeSeriesChart::Overlay::Stale);
        chart.setOverlay(TimeSeriesChart::Overlay::None);
        QCOMPARE(chart.overlay(), TimeSeriesChart::Overlay::None);
    }

    void annotationsMarkMomentsInsideTheRange() {
        TimeSeriesChart chart("Throughput", "scores/s");
        showHundredSeconds(chart, 0);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        chart.setSeries("stable", samples(0, 100'000, 1000));
        chart.setAnnotations({{20'000, "canary 5 %", QColor(94, 53, 177)},
                              {60'000, "promoted", QColor(46, 125, 50)},
                              {150'000, "rolled back", QColor(198, 40, 40)}});
        QCOMPARE(chart.drawnAnnotationLabels(), QStringList({"canary 5 %", "promoted"}));
        // Not series: no legend entry, not listed among the data.
        QTRY_COMPARE(visibleLegendEntries(chart), 1);
        QCOMPARE(chart.seriesNames(), QStringList({"stable"}));
        // Each is a vertical line at its moment spanning the value axis, labelled.
        int vertical = 0;
        for (QAbstractSeries* s : chart.chart()->series()) {
            auto* line = qobject_cast<QLineSeries*>(s);
            if (line && line->isVisible() && line->count() == 2 &&
                line->at(0).x() == line->at(1).x() && line->at(0).y() < line->at(1).y())
                vertical += line->at(0).x() == 20'000 || line->at(0).x() == 60'000;
        }
        QCOMPARE(vertical, 2);
        QStringList labels;
        for (QGraphicsItem* item : chart.chart()->childItems()) {
            if (auto* text = dynamic_cast<QGraphicsSimpleTextItem*>(item);
                text && text->isVisible())
                labels << text->text();
        }
        labels.sort();
        QCOMPARE(labels, QStringList({"canary 5 %", "promoted"}));
        // The range moves: the third comes in, the first goes out.
        chart.setTimeRange(QDateTime::fromMSecsSinceEpoch(50'000),
                           QDateTime::fromMSecsSinceEpoch(200'000));
        QCOMPARE(chart.drawnAnnotationLabels(), QStringList({"promoted", "rolled back"}));
        // A line shown again keeps out of the legend (QtCharts shows a series' entry with it).
        QTRY_COMPARE(visibleLegendEntries(chart), 1);
        chart.setSeriesVisible("stable", false);
        chart.setSeriesVisible("stable", true);
        QTRY_COMPARE(visibleLegendEntries(chart), 1);
        // Replaced whole; none left.
        chart.setAnnotations({});
        QVERIFY(chart.drawnAnnotationLabels().isEmpty());
        QCOMPARE(chart.chart()->series().size(),
                 linesDrawingPoints(chart).size() + 1);  // + axis anchor
    }
};

QTEST_MAIN(TimeSeriesChartTest)
#include "tst_time_series_chart.moc"
