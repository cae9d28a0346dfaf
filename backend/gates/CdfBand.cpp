#include "gates/CdfBand.h"

#include <cmath>
#include <limits>

namespace fraudops::gates {

double cdfBandWidth(double observations, double alpha, double m) {
    if (observations < m || observations <= 0)
        return 1;
    const double t = observations;
    return 0.85 * std::sqrt((std::log(std::log(M_E * t / m)) + 0.8 * std::log(1612 / alpha)) / t);
}

ConfidenceInterval quantileBand(const std::vector<double>& upperEdges,
                                const std::vector<double>& cumulativeCounts, double p, double alpha,
                                double m) {
    ConfidenceInterval band{0, std::numeric_limits<double>::infinity()};
    if (upperEdges.empty() || upperEdges.size() != cumulativeCounts.size())
        return band;
    const double total = cumulativeCounts.back();
    if (total <= 0)
        return band;
    const double eps = cdfBandWidth(total, alpha, m);
    for (std::size_t k = 0; k < upperEdges.size(); ++k) {
        const double cdf = cumulativeCounts[k] / total;
        if (cdf + eps < p)
            band.lower = upperEdges[k];  // F(e) < p at every t: the quantile is above e
        if (cdf - eps >= p && std::isinf(band.upper))
            band.upper = upperEdges[k];  // F(e) ≥ p: the quantile is at or below e
    }
    return band;
}

}  // namespace fraudops::gates
