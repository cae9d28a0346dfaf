#include "drift/DriftCounts.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

namespace fraudops {
namespace {

QString label(const PrometheusSeries& s, const char* name) {
    const auto it = s.labels.find(QString::fromLatin1(name));
    return it == s.labels.end() ? QString() : it->second;
}

double leOf(const QString& text) {
    if (text.compare("+Inf", Qt::CaseInsensitive) == 0)
        return std::numeric_limits<double>::infinity();
    bool ok = false;
    const double v = text.toDouble(&ok);
    return ok ? v : std::numeric_limits<double>::quiet_NaN();
}

BinKey keyOf(const PrometheusSeries& s) {
    return {label(s, "variant"), label(s, "model_version"), label(s, "bins"), label(s, "feature")};
}

// Cumulative (le, count) pairs of one histogram into counts per bin.
BinCounts binsFrom(std::vector<std::pair<double, double>> cumulative) {
    std::sort(cumulative.begin(), cumulative.end());
    BinCounts b;
    double below = 0;
    for (const auto& [le, count] : cumulative) {
        b.upperEdges.push_back(le);
        b.counts.push_back(std::max(0.0, count - below));
        below = std::max(below, count);
    }
    return b;
}

}  // namespace

double BinCounts::present() const {
    return std::accumulate(counts.begin(), counts.end(), 0.0);
}

std::vector<double> BinCounts::shares() const {
    const double total = present();
    std::vector<double> out(counts.size(), 0.0);
    for (std::size_t i = 0; i < counts.size() && total > 0; ++i)
        out[i] = counts[i] / total;
    return out;
}

const BinCounts* DriftCounts::find(const QString& variant, const QString& version,
                                   const QString& binsOf, const QString& feature) const {
    const auto it = bins.find({variant, version, binsOf, feature});
    return it == bins.end() ? nullptr : &it->second;
}

double DriftCounts::missingOf(const QString& variant, const QString& version,
                              const QString& feature) const {
    const auto it = missing.find({variant, version, {}, feature});
    return it == missing.end() ? 0 : it->second;
}

std::vector<QString> DriftCounts::versions(const QString& variant) const {
    std::set<QString> out;
    for (const auto& [key, counts] : bins) {
        if (key.variant == variant && key.bins == key.version)
            out.insert(key.version);
    }
    return {out.begin(), out.end()};
}

DriftCounts driftCountsFrom(const PrometheusResult& binIncrease,
                            const PrometheusResult& missingIncrease) {
    DriftCounts out;
    std::map<BinKey, std::vector<std::pair<double, double>>> cumulative;
    for (const auto& s : binIncrease.series) {
        const double le = leOf(label(s, "le"));
        if (s.samples.empty() || std::isnan(le) || !std::isfinite(s.samples.back().value))
            continue;
        cumulative[keyOf(s)].emplace_back(le, s.samples.back().value);
    }
    for (auto& [key, pairs] : cumulative)
        out.bins[key] = binsFrom(std::move(pairs));
    for (const auto& s : missingIncrease.series) {
        if (s.samples.empty() || !std::isfinite(s.samples.back().value))
            continue;
        auto key = keyOf(s);
        key.bins.clear();
        out.missing[key] += std::max(0.0, s.samples.back().value);
    }
    return out;
}

std::map<qint64, DriftCounts> driftCountsOverTime(const PrometheusResult& binIncrease) {
    std::map<qint64, std::map<BinKey, std::vector<std::pair<double, double>>>> cumulative;
    for (const auto& s : binIncrease.series) {
        const double le = leOf(label(s, "le"));
        if (std::isnan(le))
            continue;
        const auto key = keyOf(s);
        for (const auto& sample : s.samples) {
            if (std::isfinite(sample.value)) {
                cumulative[std::llround(sample.time * 1000)][key].emplace_back(le, sample.value);
            }
        }
    }
    std::map<qint64, DriftCounts> out;
    for (auto& [when, byKey] : cumulative) {
        auto& counts = out[when];
        for (auto& [key, pairs] : byKey)
            counts.bins[key] = binsFrom(std::move(pairs));
    }
    return out;
}

}  // namespace fraudops
