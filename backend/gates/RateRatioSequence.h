#pragma once

#include <cstdint>
#include <vector>

#include "gates/GateVerdict.h"

namespace fraudops::gates {

// Anytime-valid evidence on the ratio θ of the canary's event rate to the stable's (errors,
// declines, requests slower than the SLO; counted in cards or requests), from events counted
// interval by interval while the canary's share of the exposure changes (Lindon & Malek,
// arXiv 2011.03567, adapted; docs/CANARY-ANALYSIS.md).
//
// In interval i the canary holds share ρ_i of the exposure and c_i canary and b_i stable events
// occur; given the events, each is the canary's with probability π_i(θ) = ρ_i θ / (ρ_i θ + 1 −
// ρ_i). The evidence against θ = 1 is the mixture E_t = ∫ Π_i L_i(θ) / L_i(1) dG(θ), G a normal
// prior on log θ; under θ = 1 it is a nonnegative martingale, so P(E_t ever ≥ 1/α) ≤ α (Ville),
// however often it is looked at. The confidence sequence is {θ0 : ∫ Π_i L_i(θ) / L_i(θ0) dG(θ) <
// 1/α}: an interval (the log-likelihood is concave in log θ).
class RateRatioSequence {
public:
    // `priorScale`: the prior's standard deviation on log θ (1: ratios of about e either way
    // are plausible a priori). It sets where the test is most powerful, not its validity.
    explicit RateRatioSequence(double priorScale = 1.0);

    // One interval: the canary's share of the exposure (0 < share < 1; others are ignored, as
    // they carry no information on θ), and the events of each side.
    void add(double canaryShare, std::uint64_t canaryEvents, std::uint64_t stableEvents);

    // log E_t, the evidence against θ = 1 now.
    double logEvidence() const;
    // min(1, 1 / max over looks of E): the anytime-valid p-value (each add() is a look).
    double sequentialPValue() const { return pValue_; }
    // The confidence sequence at level 1 − α (bounds are 0 and +inf when unbounded).
    ConfidenceInterval interval(double alpha) const;
    // The canary's rate relative to the stable's, as observed (the maximum of the likelihood;
    // 0 or +inf at the edges).
    double estimate() const;
    // Fail when the interval lies above 1 + tolerance (or, two-sided, below 1 − tolerance);
    // pass when it lies inside; otherwise not enough data.
    GateVerdict verdict(double alpha, double tolerance, Sides sides) const;

    std::uint64_t canaryEvents() const { return canaryEvents_; }
    std::uint64_t stableEvents() const { return stableEvents_; }
    // Intervals added that carried information (a split share and at least one event).
    std::size_t looks() const { return looks_; }

    // The log of the mixture ∫ Π_i L_i(θ) / L_i(θ0) dG(θ), at log θ0 = x0 (for tests and for
    // an explanation's "how far from the boundary").
    double logMixtureRatio(double x0) const;

private:
    struct Interval {
        double logitShare;  // log(ρ / (1 − ρ))
        double canary, stable;
        double constant;  // c log ρ + b log(1 − ρ): L_i(1)
    };
    // Σ_i log L_i(e^x) / L_i(1), exactly, and its derivative in x.
    double logLikelihood(double x) const;
    double slope(double x) const;
    double argMax() const;  // the maximiser of the log-likelihood in x, within the grid

    // The mixture is a sum over a fixed grid of log θ (the trapezoidal rule, whose error on a
    // smooth peak is far below the statistics' own at steps up to half the peak's width: at
    // 0.01, exact to 1e-8 up to about 40,000 events at even shares), kept up to date by add()
    // in one pass over the grid, however many intervals came before. Ends of the confidence
    // sequence are found on the grid, then refined on the exact likelihood.
    double priorScale_;
    std::vector<double> grid_;        // log θ
    std::vector<double> logPrior_;    // log of the prior's weight at each grid point
    std::vector<double> gridLogLik_;  // Σ_i log L_i / L_i(1) at each grid point
    std::vector<Interval> intervals_;
    std::uint64_t canaryEvents_ = 0, stableEvents_ = 0;
    std::size_t looks_ = 0;
    double logMixture_ = 0;
    double pValue_ = 1;
};

}  // namespace fraudops::gates
