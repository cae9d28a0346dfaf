#pragma once

#include <QPointF>
#include <vector>

namespace fraudops {

// Reduces a series (sorted by x) to what `columns` pixel columns can show: per column its
// first, lowest, highest and last point, in x order, so spikes and dips survive and a line
// through the kept points looks the same as through all of them (the M4 idea). At most
// 4 points per column the series spans; a series that already fits is returned whole.
std::vector<QPointF> decimateForColumns(const std::vector<QPointF>& points, double xMin,
                                        double xMax, int columns);

}  // namespace fraudops
