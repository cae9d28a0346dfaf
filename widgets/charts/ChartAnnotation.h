#pragma once

#include <QColor>
#include <QString>

namespace fraudops {

// A moment marked on a time-series chart: a vertical line with a label (a rollout step, a
// restart). Plain values; the chart draws them.
struct ChartAnnotation {
    double timeMs = 0;  // milliseconds since the epoch
    QString label;
    QColor colour = QColor(94, 53, 177);
    bool operator==(const ChartAnnotation&) const = default;
};

}  // namespace fraudops
