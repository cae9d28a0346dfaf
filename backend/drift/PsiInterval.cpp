#include "drift/PsiInterval.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "common/PopulationStability.h"

namespace fraudops {
namespace {

std::vector<double> sharesOf(const std::vector<double>& counts) {
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    std::vector<double> shares(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i)
        shares[i] = total > 0 ? counts[i] / total : 1.0 / counts.size();
    return shares;
}

// A multinomial draw of `n` over `shares`, as a chain of binomials (k draws, whatever n).
void multinomial(std::mt19937_64& rng, std::uint64_t n, const std::vector<double>& shares,
                 std::vector<double>& out) {
    out.assign(shares.size(), 0);
    double rest = 1;
    std::uint64_t left = n;
    for (std::size_t i = 0; i + 1 < shares.size() && left > 0; ++i) {
        const double p = rest > 0 ? std::clamp(shares[i] / rest, 0.0, 1.0) : 0;
        const auto k = std::binomial_distribution<std::uint64_t>(left, p)(rng);
        out[i] = static_cast<double>(k);
        left -= k;
        rest -= shares[i];
    }
    if (!shares.empty())
        out.back() += static_cast<double>(left);
}

double quantile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    const double at = q * (v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(at));
    const auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (at - lo) * (v[hi] - v[lo]);
}

}  // namespace

double psi(const std::vector<double>& w, const std::vector<double>& b) {
    const std::size_t k = std::min(w.size(), b.size());
    return fraud::populationStabilityIndex(std::span<const double>(b.data(), k),
                                           std::span<const double>(w.data(), k));
}

PsiEstimate estimatePsi(const std::vector<std::uint64_t>& windowCounts,
                        const std::vector<double>& baselineShares, std::uint64_t baselineCount,
                        const PsiOptions& options) {
    PsiEstimate e;
    const std::size_t k = std::min(windowCounts.size(), baselineShares.size());
    std::vector<double> window(windowCounts.begin(), windowCounts.begin() + k);
    std::vector<double> baseline(k);
    const double baselineTotal =
        std::accumulate(baselineShares.begin(), baselineShares.begin() + k, 0.0);
    for (std::size_t i = 0; i < k; ++i)
        baseline[i] = baselineTotal > 0 ? baselineShares[i] / baselineTotal * baselineCount : 0;
    e.windowCount = static_cast<std::uint64_t>(std::accumulate(window.begin(), window.end(), 0.0));
    e.baselineCount = baselineCount;
    if (k < 2 || e.windowCount == 0 || baselineCount == 0)
        return e;
    const auto w = sharesOf(window);
    const auto b = sharesOf(baseline);
    e.psi = psi(w, b);

    std::mt19937_64 rng(options.seed);
    std::vector<double> replicates, drawnW, drawnB;
    replicates.reserve(static_cast<std::size_t>(options.replicates));
    for (int r = 0; r < options.replicates; ++r) {
        multinomial(rng, e.windowCount, w, drawnW);
        multinomial(rng, baselineCount, b, drawnB);
        replicates.push_back(psi(sharesOf(drawnW), sharesOf(drawnB)));
    }
    // The basic (reflected) bootstrap interval, not the percentile one: resampling from the
    // observed shares adds noise, which raises a PSI by about (bins - 1) (1/n + 1/m) whatever
    // the truth, so the replicates sit above the estimate as the estimate sits above the truth.
    // Reflecting them around the estimate takes that bias out; PSI is never negative.
    const double tail = (1 - options.level) / 2;
    e.lower = std::max(0.0, 2 * e.psi - quantile(replicates, 1 - tail));
    e.upper = std::max(0.0, 2 * e.psi - quantile(replicates, tail));
    e.verdict = e.lower >= options.threshold  ? DriftVerdict::Drifted
                : e.upper < options.threshold ? DriftVerdict::Stable
                                              : DriftVerdict::NotEnoughData;
    return e;
}

const char* verdictName(DriftVerdict verdict) {
    switch (verdict) {
        case DriftVerdict::Stable:
            return "stable";
        case DriftVerdict::Drifted:
            return "drifted";
        case DriftVerdict::NotEnoughData:
            return "not enough data";
    }
    return "";
}

}  // namespace fraudops
