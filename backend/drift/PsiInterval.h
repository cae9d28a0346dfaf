#pragma once

#include <cstdint>
#include <vector>

namespace fraudops {

// What a feature's drift is, on the evidence: PSI alone flags small samples, and a plain
// significance test flags everything at large ones (chi-square is about n × PSI, so a 15,000
// sample window calls a PSI of 0.002 significant). The verdict is on the effect size with its
// uncertainty instead: drifted when the PSI's interval lies at or above the threshold, stable
// when it lies below, not enough data when it straddles it.
enum class DriftVerdict { Stable, Drifted, NotEnoughData };

struct PsiEstimate {
    double psi = 0;    // from the observed shares
    double lower = 0;  // the bias-corrected interval, `level` two-sided (it may lie below
    double upper = 0;  // `psi` itself, which small samples inflate)
    std::uint64_t windowCount = 0;
    std::uint64_t baselineCount = 0;
    DriftVerdict verdict = DriftVerdict::NotEnoughData;
};

struct PsiOptions {
    double threshold = 0.1;  // "drifted" at or above
    double level = 0.95;
    int replicates = 400;    // bootstrap resamples
    std::uint64_t seed = 1;  // the same counts always give the same interval
};

// PSI = sum over bins of (w - b) ln(w / b), w the window's shares and b the baseline's, each
// floored at 1e-4 as the scorer's gauge does (common/PopulationStability), so that the console's
// figure from Prometheus's counts and a replica's own gauge agree.
double psi(const std::vector<double>& windowShares, const std::vector<double>& baselineShares);

// The PSI of a window's bin counts against a baseline's (shares of `baselineCount` values,
// as manifests store them), with a bootstrap interval that resamples both sides (multinomial
// draws of each side's own size), so it knows both sample sizes.
PsiEstimate estimatePsi(const std::vector<std::uint64_t>& windowCounts,
                        const std::vector<double>& baselineShares, std::uint64_t baselineCount,
                        const PsiOptions& options = {});

const char* verdictName(DriftVerdict verdict);  // "stable", "drifted", "not enough data"

}  // namespace fraudops
