#include "charts/SeriesDecimation.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace fraudops {

std::vector<QPointF> decimateForColumns(const std::vector<QPointF>& points, double xMin,
                                        double xMax, int columns) {
    if (columns <= 0 || points.empty() || !(xMax > xMin))
        return points;
    const double scale = columns / (xMax - xMin);
    const auto columnOf = [&](double x) {
        return std::clamp(static_cast<int>(std::floor((x - xMin) * scale)), 0, columns - 1);
    };
    // The columns this series spans: a piece of a broken line spans only some of the plot.
    const int spanned = columnOf(points.back().x()) - columnOf(points.front().x()) + 1;
    if (points.size() <= static_cast<std::size_t>(4 * spanned))
        return points;
    std::vector<QPointF> out;
    out.reserve(static_cast<std::size_t>(4 * spanned));
    std::size_t begin = 0;
    while (begin < points.size()) {
        const int column = columnOf(points[begin].x());
        std::size_t end = begin + 1, low = begin, high = begin;
        while (end < points.size() && columnOf(points[end].x()) == column) {
            // NaN (a gap) is neither the lowest nor the highest.
            if (points[end].y() < points[low].y() || std::isnan(points[low].y()))
                low = end;
            if (points[end].y() > points[high].y() || std::isnan(points[high].y()))
                high = end;
            ++end;
        }
        std::array<std::size_t, 4> keep{begin, std::min(low, high), std::max(low, high), end - 1};
        for (std::size_t i = 0; i < keep.size(); ++i) {
            if (i == 0 || keep[i] != keep[i - 1])
                out.push_back(points[keep[i]]);
        }
        begin = end;
    }
    return out;
}

}  // namespace fraudops
