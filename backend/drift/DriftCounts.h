#pragma once

#include <QString>
#include <map>
#include <tuple>
#include <vector>

#include "prometheus/PrometheusResult.h"

namespace fraudops {

// Which values were counted: a model version serving in a variant, counted on the training
// bins of version `bins` (its own; a canary's also on the stable's), for one feature or the
// score ("score").
struct BinKey {
    QString variant;
    QString version;
    QString bins;
    QString feature;
    bool operator<(const BinKey& o) const {
        return std::tie(variant, version, bins, feature) <
               std::tie(o.variant, o.version, o.bins, o.feature);
    }
};

// A feature's values in its baseline bins, summed over replicas and a time range.
struct BinCounts {
    std::vector<double> upperEdges;  // each bin's `le`, ascending; the last is +inf
    std::vector<double> counts;      // per bin (not cumulative)
    double present() const;
    std::vector<double> shares() const;  // counts / present (all zero if nothing)
};

// What Prometheus counted over a range, cluster-wide: sums of increase(), never averages of
// per-replica PSI, so that PSI is computed once from the whole cluster's counts.
struct DriftCounts {
    std::map<BinKey, BinCounts> bins;
    std::map<BinKey, double> missing;  // keys with `bins` empty

    const BinCounts* find(const QString& variant, const QString& version, const QString& binsOf,
                          const QString& feature) const;
    double missingOf(const QString& variant, const QString& version, const QString& feature) const;
    // The versions that served in `variant` over the range (counted on their own bins).
    std::vector<QString> versions(const QString& variant) const;
};

// From the answers to scorerQueries::featureBinIncrease() and featureMissingIncrease() (instant
// vectors). Cumulative buckets become counts per bin; increase()'s extrapolation can make a
// bucket a hair smaller than the one below it, which counts as zero.
DriftCounts driftCountsFrom(const PrometheusResult& binIncrease,
                            const PrometheusResult& missingIncrease);

// From a range query of featureBinIncrease(): the counts at each step (ms since the epoch).
std::map<qint64, DriftCounts> driftCountsOverTime(const PrometheusResult& binIncrease);

}  // namespace fraudops
