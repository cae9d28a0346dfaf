#include "charts/HistogramChart.h"

#include <QFontMetrics>
#include <QPainter>
#include <algorithm>
#include <cmath>

namespace fraudops {

HistogramChart::HistogramChart(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void HistogramChart::setData(std::vector<QString> binLabels, std::vector<HistogramSeries> series) {
    labels_ = std::move(binLabels);
    series_ = std::move(series);
    update();
}

void HistogramChart::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    const QFontMetrics fm(font());
    if (labels_.empty() || series_.empty()) {
        p.setPen(palette().placeholderText().color());
        p.drawText(rect(), Qt::AlignCenter, "No data");
        return;
    }
    double top = 0;
    for (const auto& s : series_) {
        for (double v : s.values)
            top = std::max(top, v);
    }
    if (top <= 0)
        top = 1;
    const QString topText = QString::number(top, 'g', 3) + suffix_;
    const int left = fm.horizontalAdvance(topText) + 8;
    const int legend = fm.height() + 6;
    const QRect plot(left, legend + 4, width() - left - 6, height() - legend - 4 - fm.height() - 6);
    if (plot.width() < 10 || plot.height() < 10)
        return;

    // Legend.
    int x = left;
    for (const auto& s : series_) {
        p.fillRect(QRect(x, 4, 10, 10), s.color);
        p.setPen(palette().text().color());
        p.drawText(QPoint(x + 14, 4 + fm.ascent() - 1), s.name);
        x += 14 + fm.horizontalAdvance(s.name) + 16;
    }
    // Axis: zero and the top.
    p.setPen(palette().mid().color());
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    p.drawLine(plot.topLeft() + QPoint(-3, 0), plot.topLeft());
    p.setPen(palette().text().color());
    p.drawText(QPoint(2, plot.top() + fm.ascent() / 2), topText);
    p.drawText(QPoint(left - fm.horizontalAdvance("0") - 6, plot.bottom()), "0");

    const double binWidth = static_cast<double>(plot.width()) / labels_.size();
    const double barWidth = std::max(1.0, (binWidth - 2) / series_.size());
    for (std::size_t b = 0; b < labels_.size(); ++b) {
        for (std::size_t s = 0; s < series_.size(); ++s) {
            const auto& values = series_[s].values;
            if (b >= values.size())
                continue;
            const double h = values[b] / top * plot.height();
            p.fillRect(QRectF(plot.left() + b * binWidth + 1 + s * barWidth, plot.bottom() - h,
                              barWidth, h),
                       series_[s].color);
        }
    }
    // Bin labels, as many as fit.
    int every = 1;
    int widest = 0;
    for (const auto& l : labels_)
        widest = std::max(widest, fm.horizontalAdvance(l));
    while (every * binWidth < widest + 6 && every < static_cast<int>(labels_.size()))
        ++every;
    p.setPen(palette().text().color());
    for (std::size_t b = 0; b < labels_.size(); b += static_cast<std::size_t>(every)) {
        const double cx = plot.left() + (b + 0.5) * binWidth;
        p.drawText(
            QPointF(cx - fm.horizontalAdvance(labels_[b]) / 2.0, plot.bottom() + fm.ascent() + 3),
            labels_[b]);
    }
}

}  // namespace fraudops
