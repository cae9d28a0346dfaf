#include "EvidenceSparkline.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>

namespace fraudops {

EvidenceSparkline::EvidenceSparkline(QWidget* parent) : QWidget(parent) {
    setMinimumHeight(60);
}

void EvidenceSparkline::setPoints(std::vector<std::pair<double, double>> points, double decideAt,
                                  const QString& caption) {
    points_ = std::move(points);
    decideAt_ = decideAt;
    caption_ = caption;
    update();
}

void EvidenceSparkline::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF area = rect().adjusted(4, 16, -4, -4);
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(rect().adjusted(4, 0, -4, 0), Qt::AlignTop | Qt::AlignLeft,
               points_.empty() ? caption_ + tr(" (no looks yet)") : caption_);
    if (points_.size() < 2)
        return;
    const double t0 = points_.front().first, t1 = std::max(points_.back().first, t0 + 1e-9);
    double top = decideAt_;
    for (const auto& [t, v] : points_)
        top = std::max(top, v);
    top = std::max(top * 1.1, 1e-9);
    const auto at = [&](double t, double v) {
        return QPointF(area.left() + (t - t0) / (t1 - t0) * area.width(),
                       area.bottom() - std::clamp(v / top, 0.0, 1.0) * area.height());
    };
    if (decideAt_ > 0) {
        p.setPen(QPen(QColor(198, 40, 40, 160), 1, Qt::DashLine));
        p.drawLine(at(t0, decideAt_), at(t1, decideAt_));
    }
    QPainterPath path(at(points_.front().first, points_.front().second));
    for (const auto& [t, v] : points_)
        path.lineTo(at(t, v));
    p.setPen(QPen(QColor(21, 101, 192), 1.5));
    p.drawPath(path);
}

}  // namespace fraudops
