#include "charts/NiceScale.h"

#include <algorithm>
#include <cmath>

namespace fraudops {
namespace {

// 1, 2, 5 or 10 times the power of ten below x: the nearest (rounded) or the next above (up).
double roundNumber(double x, bool up) {
    const double power = std::pow(10.0, std::floor(std::log10(x)));
    const double f = x / power;
    double nice;
    if (up)
        nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    else
        nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    return nice * power;
}

}  // namespace

NiceScale NiceScale::covering(double low, double high, int ticks) {
    if (!std::isfinite(low) || !std::isfinite(high))
        return {};
    if (high < low)
        std::swap(low, high);
    if (high - low <= 0) {
        // One value: a unit around it, so the line sits inside the plot.
        const double unit = low == 0 ? 1 : roundNumber(std::abs(low), true) / 10;
        low -= unit;
        high += unit;
    }
    ticks = std::max(ticks, 2);
    const double step = roundNumber(roundNumber(high - low, true) / (ticks - 1), false);
    NiceScale s;
    const double first = std::floor(low / step), last = std::ceil(high / step);
    s.min = first * step;
    s.max = last * step;
    s.ticks = static_cast<int>(last - first) + 1;
    s.step = step;
    return s;
}

}  // namespace fraudops
