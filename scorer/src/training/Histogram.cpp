#include "training/Histogram.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace fraud {

Histogram Histogram::fromQuantiles(std::span<const float> values, int bins) {
    std::vector<float> finite;
    finite.reserve(values.size());
    for (float v : values) {
        if (std::isfinite(v))
            finite.push_back(v);
    }
    Histogram h;
    std::sort(finite.begin(), finite.end());
    if (!finite.empty()) {
        for (int q = 1; q < bins; ++q) {
            const auto idx = static_cast<std::size_t>(
                std::min<double>(static_cast<double>(finite.size() - 1),
                                 std::floor(static_cast<double>(finite.size()) * q / bins)));
            const double edge = finite[idx];
            if (h.edges.empty() || edge > h.edges.back())
                h.edges.push_back(edge);
        }
        // A discrete feature's top value gets a bin of its own, not the open-ended last one.
        if (h.edges.empty() || finite.back() > h.edges.back())
            h.edges.push_back(finite.back());
    }
    return h.withCounts(values);
}

Histogram Histogram::withCounts(std::span<const float> values) const {
    Histogram h;
    h.edges = edges;
    std::vector<std::uint64_t> counts(edges.size() + 1, 0);
    std::uint64_t missing = 0;
    for (float v : values) {
        if (std::isnan(v)) {
            ++missing;
        } else {
            ++counts[binOf(v)];
        }
    }
    h.count = values.size();
    h.fractions.resize(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i) {
        h.fractions[i] =
            h.count ? static_cast<double>(counts[i]) / static_cast<double>(h.count) : 0;
    }
    h.missingFraction = h.count ? static_cast<double>(missing) / static_cast<double>(h.count) : 0;
    return h;
}

std::size_t Histogram::binOf(double x) const {
    return static_cast<std::size_t>(std::lower_bound(edges.begin(), edges.end(), x) -
                                    edges.begin());
}

nlohmann::json Histogram::toJson() const {
    return {{"edges", edges},
            {"fractions", fractions},
            {"missing_fraction", missingFraction},
            {"count", count}};
}

Histogram Histogram::fromJson(const nlohmann::json& j) {
    Histogram h;
    h.edges = j.at("edges").get<std::vector<double>>();
    h.fractions = j.at("fractions").get<std::vector<double>>();
    h.missingFraction = j.value("missing_fraction", 0.0);
    h.count = j.value("count", std::uint64_t{0});
    return h;
}

}  // namespace fraud
