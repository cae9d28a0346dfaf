#pragma once

#include <QChartView>
#include <QDateTime>
#include <QLabel>
#include <QWidget>
#include <map>
#include <optional>
#include <vector>

#include "charts/ChartAnnotation.h"
#include "charts/NiceScale.h"

class QChart;
class QDateTimeAxis;
class QGraphicsSimpleTextItem;
class QLineSeries;
class QValueAxis;

namespace fraudops {

// Several series over time with a unit on the value axis, a legend whose entries hide and
// show their series, horizontal threshold lines (SLOs), vertical annotations (events, each a
// line with a label), and an explicit overlay for
// loading, no data, stale and error. setSeries replaces a series' points at once; what is
// drawn is decimated to the plot's width (first/min/max/last per pixel column), and kept
// whole so that a resize decimates again. Fed with plain values; never fetches anything.
class TimeSeriesChart : public QWidget {
    Q_OBJECT
public:
    enum class Overlay { None, Loading, NoData, Stale, Error };

    TimeSeriesChart(const QString& title, const QString& unit, QWidget* parent = nullptr);

    // Points: x in milliseconds since the epoch. An empty vector keeps the series, empty.
    void setSeries(const QString& name, std::vector<QPointF> points);
    // Removes the series whose names are not listed (a label value that disappeared).
    void keepOnly(const QStringList& names);
    void setTimeRange(const QDateTime& from, const QDateTime& to);
    void setThreshold(const QString& label, double value);
    // Points further apart than this (ms) are not joined: the line breaks where samples are
    // missing, as over an outage. 0 joins everything.
    void setMaximumGap(double milliseconds);
    void setOverlay(Overlay overlay, const QString& text = {});
    // Replaces the annotations; those outside the time range are not drawn.
    void setAnnotations(std::vector<ChartAnnotation> annotations);
    const std::vector<ChartAnnotation>& annotations() const { return annotations_; }
    // Labels of the annotations drawn now (inside the time range).
    QStringList drawnAnnotationLabels() const;

    Overlay overlay() const { return overlay_; }
    QStringList seriesNames() const;
    bool isSeriesVisible(const QString& name) const;
    void setSeriesVisible(const QString& name, bool visible);
    std::size_t drawnPointCount(const QString& name) const;
    // The separate lines a series is drawn as (1 without gaps).
    int drawnSegmentCount(const QString& name) const;
    // The newest point's x (ms since the epoch), or 0 for an empty or unknown series.
    double lastX(const QString& name) const;
    QChart* chart() const { return chart_; }

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    struct Entry {
        // lines[0] owns the legend entry; the others are the pieces after each gap, drawn
        // with its pen. Kept (empty) for reuse when the gaps close.
        std::vector<QLineSeries*> lines;
        std::vector<QPointF> points;  // everything, undecimated
        int segments = 0;             // lines in use
        bool visible = true;
    };
    void redraw(Entry& e);
    void rescaleValueAxis();
    int plotWidth() const;
    QLineSeries* addLine(const QString& name);
    QLineSeries* addSegment(const QLineSeries* primary);
    // Keeps a series out of the legend: the axis anchor, annotation lines, pieces after gaps.
    void unlist(QAbstractSeries* series);
    void placeAnnotations();

    QChart* chart_;
    QChartView* view_;
    QDateTimeAxis* time_;
    QValueAxis* value_;
    std::optional<NiceScale> valueScale_;  // what value_ shows; none until the first rescale
    QLabel* overlayLabel_;
    Overlay overlay_ = Overlay::Loading;
    std::map<QString, Entry> series_;
    std::map<QString, std::pair<QLineSeries*, double>> thresholds_;
    double from_ = 0, to_ = 0;  // ms
    double maximumGap_ = 0;     // ms; 0: no gaps
    struct DrawnAnnotation {
        QLineSeries* line;
        QGraphicsSimpleTextItem* label;
    };
    std::vector<ChartAnnotation> annotations_;
    std::vector<DrawnAnnotation> drawnAnnotations_;  // one per annotation, same order
};

}  // namespace fraudops
