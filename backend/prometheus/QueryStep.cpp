#include "prometheus/QueryStep.h"

#include <algorithm>
#include <array>

namespace fraudops {

std::chrono::seconds chooseStep(std::chrono::seconds range, int plotWidthPixels,
                                std::chrono::seconds minimum) {
    static constexpr std::array<long, 19> kNice{1,     2,     5,     10,    15,    30,   60,
                                                120,   300,   600,   900,   1800,  3600, 7200,
                                                10800, 21600, 43200, 86400, 172800};
    const long points = std::clamp(plotWidthPixels, 1, kMaxPoints);
    const long needed = std::max<long>(
        {1, minimum.count(), (static_cast<long>(range.count()) + points - 1) / points});
    for (long s : kNice) {
        if (s >= needed)
            return std::chrono::seconds(s);
    }
    // Beyond two days a step: whole days.
    return std::chrono::seconds((needed + 86399) / 86400 * 86400);
}

}  // namespace fraudops
