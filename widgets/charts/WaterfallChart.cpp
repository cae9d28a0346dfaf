#include "charts/WaterfallChart.h"

#include <QFontMetrics>
#include <QPainter>
#include <algorithm>
#include <cmath>

namespace fraudops {
namespace {

constexpr int kRowHeight = 30;
constexpr int kMargin = 8;
constexpr int kAxisHeight = 34;  // marker labels above, scale below

}  // namespace

double WaterfallData::end() const {
    double total = start;
    for (const auto& s : steps)
        total += s.delta;
    return total;
}

WaterfallChart::WaterfallChart(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void WaterfallChart::setData(WaterfallData data) {
    data_ = std::move(data);
    updateGeometry();
    update();
}

QSize WaterfallChart::sizeHint() const {
    const int rows = static_cast<int>(data_.steps.size()) + 2;
    return {640, 2 * kMargin + kAxisHeight + rows * kRowHeight};
}

QSize WaterfallChart::minimumSizeHint() const {
    return {360, sizeHint().height()};
}

void WaterfallChart::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    const QFontMetrics fm(font());

    // Rows: the start, each step, the end.
    struct Row {
        QString label, detail;
        double from, to;
        bool total;
    };
    std::vector<Row> rows;
    rows.push_back({data_.startLabel, {}, 0, data_.start, true});
    double running = data_.start;
    for (const auto& s : data_.steps) {
        rows.push_back({s.label, s.detail, running, running + s.delta, false});
        running += s.delta;
    }
    rows.push_back({data_.endLabel, {}, 0, running, true});

    double lo = 0, hi = 0;
    for (const auto& r : rows) {
        lo = std::min({lo, r.from, r.to});
        hi = std::max({hi, r.from, r.to});
    }
    for (const auto& m : data_.markers) {
        lo = std::min(lo, m.value);
        hi = std::max(hi, m.value);
    }
    const double pad = std::max(0.05, (hi - lo) * 0.05);
    lo -= pad;
    hi += pad;

    int labelWidth = 0;
    for (const auto& r : rows)
        labelWidth =
            std::max({labelWidth, fm.horizontalAdvance(r.label), fm.horizontalAdvance(r.detail)});
    labelWidth = std::min(labelWidth + 12, width() / 2);
    const QRect plot(kMargin + labelWidth, kMargin + kAxisHeight / 2,
                     std::max(40, width() - 2 * kMargin - labelWidth),
                     static_cast<int>(rows.size()) * kRowHeight);
    const auto x = [&](double v) { return plot.left() + (v - lo) / (hi - lo) * plot.width(); };

    // Zero and the markers, through every row.
    p.setPen(QPen(palette().mid().color(), 1));
    p.drawLine(QPointF(x(0), plot.top()), QPointF(x(0), plot.bottom()));
    for (const auto& m : data_.markers) {
        p.setPen(QPen(palette().text().color(), 1, Qt::DashLine));
        p.drawLine(QPointF(x(m.value), plot.top() - 4), QPointF(x(m.value), plot.bottom()));
        p.setPen(palette().text().color());
        const int w = fm.horizontalAdvance(m.label);
        const double left = std::clamp(x(m.value) - w / 2.0, 0.0, double(width() - w));
        p.drawText(QPointF(left, plot.top() - 6), m.label);
    }

    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        const int top = plot.top() + static_cast<int>(i) * kRowHeight;
        const QRect labelRect(kMargin, top, labelWidth - 8, kRowHeight);
        QFont f = font();
        f.setBold(r.total);
        p.setFont(f);
        p.setPen(palette().text().color());
        if (r.detail.isEmpty()) {
            p.drawText(labelRect, Qt::AlignVCenter | Qt::AlignLeft, r.label);
        } else {
            p.drawText(labelRect.adjusted(0, 1, 0, -kRowHeight / 2),
                       Qt::AlignBottom | Qt::AlignLeft, r.label);
            QFont small = font();
            small.setPointSizeF(font().pointSizeF() * 0.85);
            p.setFont(small);
            p.setPen(palette().placeholderText().color());
            p.drawText(labelRect.adjusted(0, kRowHeight / 2, 0, 0), Qt::AlignTop | Qt::AlignLeft,
                       r.detail);
        }
        const double a = x(std::min(r.from, r.to)), b = x(std::max(r.from, r.to));
        const QRectF bar(a, top + 6, std::max(1.5, b - a), kRowHeight - 12);
        const QColor colour = r.total          ? palette().dark().color()
                              : r.to >= r.from ? increase_
                                               : decrease_;
        p.fillRect(bar, colour);
        // The step's amount beside its bar, on the side with room.
        p.setFont(font());
        p.setPen(palette().text().color());
        const QString amount =
            r.total ? QString::number(r.to, 'f', 3) : QString::asprintf("%+.3f", r.to - r.from);
        const int w = fm.horizontalAdvance(amount);
        const double textX = b + 4 + w < plot.right() ? b + 4 : a - 4 - w;
        p.drawText(QPointF(textX, top + kRowHeight / 2.0 + fm.ascent() / 2.0 - 1), amount);
        // A connector from this bar's end to the next row's start.
        if (i + 1 < rows.size() && !rows[i + 1].total) {
            p.setPen(QPen(palette().mid().color(), 1, Qt::DotLine));
            p.drawLine(QPointF(x(r.to), top + kRowHeight - 6),
                       QPointF(x(r.to), top + kRowHeight + 6));
        }
    }

    // The scale below: a few round values in margin (log-odds) space.
    p.setPen(palette().text().color());
    const double span = hi - lo;
    const double rawStep = span / 6;
    const double magnitude = std::pow(10, std::floor(std::log10(rawStep)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * magnitude >= rawStep) {
            step = m * magnitude;
            break;
        }
    }
    for (double v = std::ceil(lo / step) * step; v <= hi; v += step) {
        const QString text = QString::number(std::abs(v) < step / 2 ? 0 : v, 'g', 3);
        p.drawLine(QPointF(x(v), plot.bottom()), QPointF(x(v), plot.bottom() + 3));
        p.drawText(
            QPointF(x(v) - fm.horizontalAdvance(text) / 2.0, plot.bottom() + 3 + fm.ascent()),
            text);
    }
}

}  // namespace fraudops
