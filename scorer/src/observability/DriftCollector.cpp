#include "observability/DriftCollector.h"

#include <limits>

namespace fraud {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<ClientMetric::Label> labels(const FeatureDrift& d, const std::string& feature = {}) {
    std::vector<ClientMetric::Label> out{{"model_version", d.version()}, {"variant", d.variant()}};
    if (!feature.empty())
        out.push_back({"feature", feature});
    return out;
}

// PSI compares the distributions of the values that are present; how many are missing is
// exported apart (fraud_scorer_feature_missing_share). In this domain a missing history
// feature mostly means a card's first transaction, so its share follows the population's
// mix of new and old cards (a short training period is full of first transactions, warm
// live traffic has few) rather than the data, and mixing it into PSI would flag every
// history feature of every warm replica as drifted.
std::vector<double> baselineShares(const FeatureDrift::Series& s) {
    std::vector<double> shares;
    double sum = 0;
    for (double f : s.baseline.fractions)
        sum += f;
    for (double f : s.baseline.fractions)
        shares.push_back(sum > 0 ? f / sum : 0);
    shares.resize(s.bins(), 0.0);
    return shares;
}

// The value bins of a series (without its missing-value counter).
std::span<const std::uint64_t> countsOf(const FeatureDrift::Series& s,
                                        const std::vector<std::uint64_t>& counts) {
    return std::span<const std::uint64_t>(counts).subspan(s.offset, s.bins());
}

double missingShare(const FeatureDrift::Series& s, const std::vector<std::uint64_t>& counts) {
    double present = 0;
    for (auto n : countsOf(s, counts))
        present += static_cast<double>(n);
    const auto missing = static_cast<double>(counts[s.offset + s.bins()]);
    return present + missing > 0 ? missing / (present + missing) : 0;
}

}  // namespace

void DriftCollector::track(std::shared_ptr<FeatureDrift> stable,
                           std::shared_ptr<FeatureDrift> canary) {
    std::lock_guard lock(mutex_);
    stable_ = std::move(stable);
    canary_ = std::move(canary);
}

void DriftCollector::tick() {
    std::shared_ptr<FeatureDrift> stable, canary;
    {
        std::lock_guard lock(mutex_);
        stable = stable_;
        canary = canary_;
    }
    const auto now = std::chrono::steady_clock::now();
    if (stable)
        stable->tick(now, window_);
    if (canary)
        canary->tick(now, window_);
}

std::vector<MetricFamily> DriftCollector::Collect() const {
    std::shared_ptr<FeatureDrift> stable, canary;
    {
        std::lock_guard lock(mutex_);
        stable = stable_;
        canary = canary_;
    }
    MetricFamily bins{"fraud_scorer_feature_baseline_bins",
                      "Model inputs and scores in the bins of the model's training baseline.",
                      MetricType::Histogram,
                      {}};
    MetricFamily missing{"fraud_scorer_feature_missing_total",
                         "Missing input values, by feature.",
                         MetricType::Counter,
                         {}};
    MetricFamily psi{"fraud_scorer_psi",
                     "Population stability index over the drift window, against the training "
                     "baseline or (canary) against the stable model's inputs in the same window.",
                     MetricType::Gauge,
                     {}};
    MetricFamily missingShares{
        "fraud_scorer_feature_missing_share",
        "Share of missing values over the drift window (window=\"live\") and in the training "
        "baseline (window=\"baseline\").",
        MetricType::Gauge,
        {}};
    MetricFamily samples{"fraud_scorer_drift_window_samples",
                         "Scores inside the drift window that the PSI values are computed from.",
                         MetricType::Gauge,
                         {}};
    MetricFamily windowSeconds{"fraud_scorer_drift_window_seconds",
                               "Length of the sliding window of the PSI values.",
                               MetricType::Gauge,
                               {}};
    ClientMetric w;
    w.gauge.value = static_cast<double>(window_.count());
    windowSeconds.metric.push_back(w);

    FeatureDrift::Window stableWindow;
    if (stable)
        stableWindow = stable->window();
    for (const auto* drift : {stable.get(), canary.get()}) {
        if (drift == nullptr)
            continue;
        const auto total = drift->snapshot();
        const auto window = drift == stable.get() ? stableWindow : drift->window();
        // The buckets of a series, labelled with the version whose baseline bins they are:
        // a canary's values are counted on its own bins and on the stable's, so that PSI of
        // canary against stable can be computed from counts too.
        const auto exportBins = [&](const FeatureDrift::Series& s, double sum,
                                    const std::string& binsOf) {
            ClientMetric h;
            h.label = labels(*drift, s.name);
            h.label.push_back({"bins", binsOf});
            std::uint64_t cumulative = 0;
            for (std::size_t b = 0; b < s.bins(); ++b) {
                cumulative += total.counts[s.offset + b];
                h.histogram.bucket.push_back(
                    {cumulative, b < s.baseline.edges.size()
                                     ? s.baseline.edges[b]
                                     : std::numeric_limits<double>::infinity()});
            }
            h.histogram.sample_count = cumulative;
            h.histogram.sample_sum = sum;
            bins.metric.push_back(std::move(h));
        };
        for (std::size_t k = 0; k < drift->referenceSeries().size(); ++k) {
            exportBins(drift->referenceSeries()[k], total.sums[drift->series().size() + k],
                       drift->referenceVersion());
        }
        for (std::size_t k = 0; k < drift->series().size(); ++k) {
            const auto& s = drift->series()[k];
            exportBins(s, total.sums[k], drift->version());

            ClientMetric m;
            m.label = labels(*drift, s.name);
            m.counter.value = static_cast<double>(total.counts[s.offset + s.bins()]);
            missing.metric.push_back(std::move(m));

            ClientMetric p;
            p.label = labels(*drift, s.name);
            p.label.push_back({"reference", "baseline"});
            // Verdicts (the Overview's tile, alerts, release gates) select cyclic="false".
            p.label.push_back({"cyclic", s.cyclic ? "true" : "false"});
            p.gauge.value = populationStabilityIndex(baselineShares(s), countsOf(s, window.counts));
            psi.metric.push_back(std::move(p));

            for (const bool live : {true, false}) {
                ClientMetric share;
                share.label = labels(*drift, s.name);
                share.label.push_back({"window", live ? "live" : "baseline"});
                share.gauge.value =
                    live ? missingShare(s, window.counts) : s.baseline.missingFraction;
                missingShares.metric.push_back(std::move(share));
            }
        }
        if (drift == canary.get() && stable && stableWindow.samples > 0) {
            // The canary's inputs on the stable's bins against the stable's own.
            for (const auto& r : drift->referenceSeries()) {
                for (const auto& s : stable->series()) {
                    if (s.name != r.name)
                        continue;
                    const auto expected = countsOf(s, stableWindow.counts);
                    double present = 0;
                    for (auto n : expected)
                        present += static_cast<double>(n);
                    if (present <= 0)
                        continue;
                    std::vector<double> shares(expected.size());
                    for (std::size_t b = 0; b < expected.size(); ++b)
                        shares[b] = static_cast<double>(expected[b]) / present;
                    ClientMetric p;
                    p.label = labels(*drift, r.name);
                    p.label.push_back({"reference", "stable"});
                    p.label.push_back({"cyclic", s.cyclic ? "true" : "false"});
                    p.gauge.value = populationStabilityIndex(shares, countsOf(r, window.counts));
                    psi.metric.push_back(std::move(p));
                }
            }
        }
        ClientMetric n;
        n.label = labels(*drift);
        n.gauge.value = static_cast<double>(window.samples);
        samples.metric.push_back(std::move(n));
    }
    return {std::move(bins),          std::move(missing), std::move(psi),
            std::move(missingShares), std::move(samples), std::move(windowSeconds)};
}

}  // namespace fraud
