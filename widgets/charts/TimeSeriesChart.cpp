#include "charts/TimeSeriesChart.h"

#include <QChart>
#include <QDateTimeAxis>
#include <QGraphicsSimpleTextItem>
#include <QLegendMarker>
#include <QLineSeries>
#include <QResizeEvent>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "charts/NiceScale.h"
#include "charts/SeriesDecimation.h"

namespace fraudops {

TimeSeriesChart::TimeSeriesChart(const QString& title, const QString& unit, QWidget* parent)
    : QWidget(parent),
      chart_(new QChart),
      view_(new QChartView(chart_, this)),
      time_(new QDateTimeAxis),
      value_(new QValueAxis),
      overlayLabel_(new QLabel(this)) {
    chart_->setTitle(title);
    chart_->legend()->setAlignment(Qt::AlignBottom);
    chart_->setMargins(QMargins(4, 4, 4, 4));
    time_->setFormat("HH:mm");
    time_->setTickCount(6);
    value_->setTitleText(unit);
    value_->setLabelFormat("%.3g");
    chart_->addAxis(time_, Qt::AlignBottom);
    chart_->addAxis(value_, Qt::AlignLeft);
    rescaleValueAxis();
    // QtCharts draws no labels on an axis that had no series when its range was set: an
    // empty, unlisted series keeps the time axis labelled before the first data arrives.
    auto* anchor = new QLineSeries;
    chart_->addSeries(anchor);
    anchor->attachAxis(time_);
    anchor->attachAxis(value_);
    unlist(anchor);
    view_->setRenderHint(QPainter::Antialiasing);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
    overlayLabel_->setAlignment(Qt::AlignCenter);
    overlayLabel_->setAttribute(Qt::WA_TransparentForMouseEvents);
    overlayLabel_->setStyleSheet(
        "QLabel { background: rgba(255,255,255,200); border-radius: 6px; padding: 8px;"
        " font-weight: bold; }");
    setOverlay(Overlay::Loading);
    setMinimumSize(320, 200);
    // Annotation lines span the value axis and their labels sit at the plot's top edge:
    // both move when either changes.
    connect(chart_, &QChart::plotAreaChanged, this, [this] { placeAnnotations(); });
    connect(value_, &QValueAxis::rangeChanged, this, [this] { placeAnnotations(); });
}

void TimeSeriesChart::setAnnotations(std::vector<ChartAnnotation> annotations) {
    for (auto& d : drawnAnnotations_) {
        chart_->removeSeries(d.line);
        delete d.line;
        delete d.label;
    }
    drawnAnnotations_.clear();
    annotations_ = std::move(annotations);
    for (const auto& a : annotations_) {
        auto* line = new QLineSeries;
        chart_->addSeries(line);
        line->attachAxis(time_);
        line->attachAxis(value_);
        QPen pen(a.colour);
        pen.setStyle(Qt::DotLine);
        pen.setWidthF(1.5);
        line->setPen(pen);
        unlist(line);
        auto* label = new QGraphicsSimpleTextItem(a.label, chart_);
        label->setBrush(a.colour);
        label->setZValue(10);
        drawnAnnotations_.push_back({line, label});
    }
    placeAnnotations();
}

void TimeSeriesChart::placeAnnotations() {
    const QRectF plot = chart_->plotArea();
    for (std::size_t i = 0; i < annotations_.size(); ++i) {
        const auto& a = annotations_[i];
        auto& d = drawnAnnotations_[i];
        const bool inside = a.timeMs >= from_ && a.timeMs <= to_ && to_ > from_;
        d.line->setVisible(inside);
        unlist(d.line);
        d.label->setVisible(inside);
        if (!inside)
            continue;
        d.line->replace(QList<QPointF>{{a.timeMs, value_->min()}, {a.timeMs, value_->max()}});
        const QPointF top = chart_->mapToPosition(QPointF(a.timeMs, value_->max()), d.line);
        // Beside the line, inside the plot; flipped to the left near the right edge.
        const double width = d.label->boundingRect().width();
        const double x = top.x() + 3 + width > plot.right() ? top.x() - 3 - width : top.x() + 3;
        d.label->setPos(x, plot.top() + 2);
    }
}

QStringList TimeSeriesChart::drawnAnnotationLabels() const {
    QStringList labels;
    for (std::size_t i = 0; i < annotations_.size(); ++i) {
        if (drawnAnnotations_[i].line->isVisible())
            labels << annotations_[i].label;
    }
    return labels;
}

QLineSeries* TimeSeriesChart::addLine(const QString& name) {
    auto* line = new QLineSeries;
    line->setName(name);
    chart_->addSeries(line);
    line->attachAxis(time_);
    line->attachAxis(value_);

    // Clicking a legend entry hides or shows its series; the entry stays, greyed.
    for (QLegendMarker* marker : chart_->legend()->markers(line)) {
        connect(marker, &QLegendMarker::clicked, this,
                [this, name] { setSeriesVisible(name, !isSeriesVisible(name)); });
    }
    return line;
}

QLineSeries* TimeSeriesChart::addSegment(const QLineSeries* primary) {
    auto* line = new QLineSeries;
    chart_->addSeries(line);
    line->attachAxis(time_);
    line->attachAxis(value_);
    line->setPen(primary->pen());
    line->setVisible(primary->isVisible());
    unlist(line);
    return line;
}

void TimeSeriesChart::unlist(QAbstractSeries* series) {
    // Again after every setVisible: QtCharts shows a series' legend entry with the series.
    for (QLegendMarker* marker : chart_->legend()->markers(series))
        marker->setVisible(false);
}

void TimeSeriesChart::setSeries(const QString& name, std::vector<QPointF> points) {
    auto it = series_.find(name);
    if (it == series_.end()) {
        Entry e;
        e.lines.push_back(addLine(name));
        it = series_.emplace(name, std::move(e)).first;
    }
    it->second.points = std::move(points);
    redraw(it->second);
    rescaleValueAxis();
}

void TimeSeriesChart::keepOnly(const QStringList& names) {
    for (auto it = series_.begin(); it != series_.end();) {
        if (names.contains(it->first)) {
            ++it;
            continue;
        }
        for (QLineSeries* line : it->second.lines) {
            chart_->removeSeries(line);
            delete line;
        }
        it = series_.erase(it);
    }
    rescaleValueAxis();
}

void TimeSeriesChart::setTimeRange(const QDateTime& from, const QDateTime& to) {
    const auto fromMs = static_cast<double>(from.toMSecsSinceEpoch());
    const auto toMs = static_cast<double>(to.toMSecsSinceEpoch());
    if (fromMs == from_ && toMs == to_)
        return;  // a fixed range refreshed: every line would be laid out again for nothing
    from_ = fromMs;
    to_ = toMs;
    time_->setRange(from, to);
    // QDateTimeAxis puts its ticks at even divisions of the range, not on round minutes:
    // seconds in the labels keep them true for short ranges.
    const qint64 seconds = from.secsTo(to);
    time_->setFormat(seconds > 2 * 86400 ? "dd MMM HH:mm" : seconds > 3600 ? "HH:mm" : "HH:mm:ss");
    for (auto& [name, e] : series_)
        redraw(e);
    for (auto& [label, t] : thresholds_)
        t.first->replace(QList<QPointF>{{from_, t.second}, {to_, t.second}});
    placeAnnotations();
}

void TimeSeriesChart::setThreshold(const QString& label, double value) {
    auto it = thresholds_.find(label);
    if (it == thresholds_.end()) {
        auto* line = addLine(label);
        QPen pen(QColor(200, 40, 40));
        pen.setStyle(Qt::DashLine);
        pen.setWidth(2);
        line->setPen(pen);
        it = thresholds_.emplace(label, std::pair{line, value}).first;
    }
    it->second.second = value;
    it->second.first->replace(QList<QPointF>{{from_, value}, {to_, value}});
    rescaleValueAxis();
}

void TimeSeriesChart::setMaximumGap(double milliseconds) {
    if (milliseconds == maximumGap_)
        return;
    maximumGap_ = milliseconds;
    for (auto& [name, e] : series_)
        redraw(e);
}

void TimeSeriesChart::setOverlay(Overlay overlay, const QString& text) {
    overlay_ = overlay;
    static const char* kDefault[] = {"", "Loading…", "No data in this range", "Stale", "Error"};
    const QString shown = text.isEmpty() ? QString(kDefault[static_cast<int>(overlay)]) : text;
    overlayLabel_->setText(shown);
    overlayLabel_->setVisible(overlay != Overlay::None);
    const char* colour = overlay == Overlay::Error   ? "#b71c1c"
                         : overlay == Overlay::Stale ? "#8d6e00"
                                                     : "#424242";
    overlayLabel_->setStyleSheet(
        QStringLiteral("QLabel { background: rgba(255,255,255,215); border-radius: 6px;"
                       " padding: 8px; font-weight: bold; color: %1; }")
            .arg(colour));
    overlayLabel_->adjustSize();
    overlayLabel_->move((width() - overlayLabel_->width()) / 2,
                        (height() - overlayLabel_->height()) / 2);
    overlayLabel_->raise();
}

QStringList TimeSeriesChart::seriesNames() const {
    QStringList names;
    for (const auto& [name, e] : series_)
        names << name;
    return names;
}

bool TimeSeriesChart::isSeriesVisible(const QString& name) const {
    const auto it = series_.find(name);
    return it != series_.end() && it->second.visible;
}

void TimeSeriesChart::setSeriesVisible(const QString& name, bool visible) {
    const auto it = series_.find(name);
    if (it == series_.end())
        return;
    it->second.visible = visible;
    for (QLineSeries* line : it->second.lines) {
        line->setVisible(visible);
        if (line != it->second.lines.front())
            unlist(line);
    }
    // QtCharts hides the legend entry with the series: keep it, greyed, to click again.
    for (QLegendMarker* marker : chart_->legend()->markers(it->second.lines.front())) {
        marker->setVisible(true);
        QFont font = marker->font();
        font.setStrikeOut(!visible);
        marker->setFont(font);
        QBrush brush = marker->labelBrush();
        brush.setColor(visible ? QColor(Qt::black) : QColor(Qt::gray));
        marker->setLabelBrush(brush);
    }
    rescaleValueAxis();
}

std::size_t TimeSeriesChart::drawnPointCount(const QString& name) const {
    const auto it = series_.find(name);
    std::size_t n = 0;
    if (it != series_.end()) {
        for (const QLineSeries* line : it->second.lines)
            n += static_cast<std::size_t>(line->count());
    }
    return n;
}

double TimeSeriesChart::lastX(const QString& name) const {
    const auto it = series_.find(name);
    return it == series_.end() || it->second.points.empty() ? 0 : it->second.points.back().x();
}

int TimeSeriesChart::drawnSegmentCount(const QString& name) const {
    const auto it = series_.find(name);
    return it == series_.end() ? 0 : it->second.segments;
}

int TimeSeriesChart::plotWidth() const {
    const int w = static_cast<int>(chart_->plotArea().width());
    return w > 10 ? w : std::max(100, width() - 80);
}

void TimeSeriesChart::redraw(Entry& e) {
    const double lo = from_ < to_ ? from_ : (e.points.empty() ? 0 : e.points.front().x());
    const double hi = from_ < to_ ? to_ : (e.points.empty() ? 1 : e.points.back().x());
    // Split where samples are missing, then decimate each piece: within a pixel column the
    // kept points may be far apart, so gaps are found in the data, not in what is drawn.
    const int columns = plotWidth();
    int used = 0;
    auto begin = e.points.begin();
    while (begin != e.points.end() || used == 0) {
        auto end = begin == e.points.end() ? begin : std::next(begin);
        while (end != e.points.end() &&
               !(maximumGap_ > 0 && end->x() - std::prev(end)->x() > maximumGap_))
            ++end;
        const auto drawn = decimateForColumns(std::vector<QPointF>(begin, end), lo, hi, columns);
        if (static_cast<std::size_t>(used) == e.lines.size())
            e.lines.push_back(addSegment(e.lines.front()));
        QLineSeries* line = e.lines[static_cast<std::size_t>(used++)];
        // One replace per piece: a single repaint, however many points. A lone sample
        // between two gaps has no line to draw, so it is drawn as a point.
        line->replace(QList<QPointF>(drawn.begin(), drawn.end()));
        line->setPointsVisible(drawn.size() == 1);
        begin = end;
    }
    for (std::size_t i = static_cast<std::size_t>(used); i < e.lines.size(); ++i)
        e.lines[i]->clear();
    e.segments = used;
}

void TimeSeriesChart::rescaleValueAxis() {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& [name, e] : series_) {
        if (!e.visible)
            continue;
        for (const auto& p : e.points) {
            if (std::isfinite(p.y())) {
                lo = std::min(lo, p.y());
                hi = std::max(hi, p.y());
            }
        }
    }
    for (const auto& [label, t] : thresholds_) {
        lo = std::min(lo, t.second);
        hi = std::max(hi, t.second);
    }
    NiceScale scale;
    if (std::isfinite(lo)) {
        lo = std::min(lo, 0.0);  // rates and latencies read best from zero
        if (hi <= lo)
            hi = lo + 1;
        scale = NiceScale::covering(lo, hi + (hi - lo) * 0.08);
    } else
        scale = NiceScale::covering(0, 1);
    // A refresh mostly brings the same scale; setting it anyway would lay out every line on
    // the axis again (QtCharts strokes each line's whole path for its shape), once per series
    // set: the bulk of a refresh's time on a page of charts.
    if (scale == valueScale_)
        return;
    valueScale_ = scale;
    value_->setTickCount(scale.ticks);
    value_->setRange(scale.min, scale.max);
}

void TimeSeriesChart::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    for (auto& [name, e] : series_)
        redraw(e);
    setOverlay(overlay_, overlayLabel_->text());
}

}  // namespace fraudops
