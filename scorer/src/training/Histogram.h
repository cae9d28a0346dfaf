#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <vector>

namespace fraud {

// A baseline distribution for drift: bins between quantile edges of the training data,
// with Prometheus's bucket semantics (bin i holds edges[i-1] < x <= edges[i]; the last bin
// is everything above the last edge), so the scorer can export live counts in the same
// bins as a Prometheus histogram whose `le` bounds are these edges. Missing values are
// counted apart.
struct Histogram {
    std::vector<double> edges;  // ascending, distinct
    // edges.size() + 1 bins: shares of all values, so with missingFraction they sum to 1.
    std::vector<double> fractions;
    double missingFraction = 0;
    std::uint64_t count = 0;
    // The finite values' quantiles at kPercentileLevels (empty in live counts, and in the
    // manifests of versions trained before they were stored): where a value falls in training
    // ("amount 714.19: above 99 % of training") needs finer steps than the bins.
    std::vector<double> percentiles;

    static const std::vector<double>& percentileLevels();  // 0.001, 0.01, 0.02, ..., 0.99, 0.999

    // Edges at the quantiles 1/bins, ..., (bins-1)/bins of the finite values, de-duplicated
    // so discrete features get one bin per value.
    static Histogram fromQuantiles(std::span<const float> values, int bins);
    // The same edges, fractions counted from `values`.
    Histogram withCounts(std::span<const float> values) const;
    std::size_t binOf(double x) const;

    nlohmann::json toJson() const;
    static Histogram fromJson(const nlohmann::json& j);
};

}  // namespace fraud
