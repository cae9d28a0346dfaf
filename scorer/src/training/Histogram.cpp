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
    Histogram counted = h.withCounts(values);
    if (!finite.empty()) {
        // Linear between the order statistics, as numpy's default does.
        const double last = static_cast<double>(finite.size() - 1);
        for (double level : percentileLevels()) {
            const double at = level * last;
            const auto lo = static_cast<std::size_t>(std::floor(at));
            const auto hi = std::min(lo + 1, finite.size() - 1);
            const double frac = at - static_cast<double>(lo);
            counted.percentiles.push_back(finite[lo] + frac * (double{finite[hi]} - finite[lo]));
        }
    }
    return counted;
}

const std::vector<double>& Histogram::percentileLevels() {
    static const std::vector<double> levels = [] {
        std::vector<double> l{0.001};
        for (int p = 1; p <= 99; ++p)
            l.push_back(p / 100.0);
        l.push_back(0.999);
        return l;
    }();
    return levels;
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
    nlohmann::json j = {{"edges", edges},
                        {"fractions", fractions},
                        {"missing_fraction", missingFraction},
                        {"count", count}};
    if (!percentiles.empty()) {
        j["percentiles"] = {{"levels", percentileLevels()}, {"values", percentiles}};
    }
    return j;
}

Histogram Histogram::fromJson(const nlohmann::json& j) {
    Histogram h;
    h.edges = j.at("edges").get<std::vector<double>>();
    h.fractions = j.at("fractions").get<std::vector<double>>();
    h.missingFraction = j.value("missing_fraction", 0.0);
    h.count = j.value("count", std::uint64_t{0});
    if (const auto p = j.find("percentiles"); p != j.end() && p->is_object()) {
        const auto levels = p->value("levels", std::vector<double>{});
        auto values = p->value("values", std::vector<double>{});
        if (levels == percentileLevels() && values.size() == levels.size())
            h.percentiles = std::move(values);
    }
    return h;
}

}  // namespace fraud
