#pragma once

#include <cstdint>

#include "gates/GateVerdict.h"

namespace fraudops::gates {

// An anytime-valid confidence sequence for a share (the decision-flip rate of a shadow canary,
// per card or per transaction; the share of stricter flips among flips): the Beta(a, b)
// mixture of likelihood ratios, M_n(p0) = B(a + s, b + n − s) / B(a, b) / (p0^s (1 − p0)^(n−s)),
// a nonnegative martingale under p = p0, so {p0 : M_n(p0) < 1/α} covers p at every n at once.
class BernoulliSequence {
public:
    explicit BernoulliSequence(double a = 1, double b = 1) : a_(a), b_(b) {}

    void add(std::uint64_t successes, std::uint64_t trials);
    std::uint64_t successes() const { return successes_; }
    std::uint64_t trials() const { return trials_; }

    // log M_n(p0).
    double logEvidence(double p0) const;
    ConfidenceInterval interval(double alpha) const;
    // The share must stay at most `limit`: fail when the interval lies above it, pass when
    // below, otherwise not enough data.
    GateVerdict verdictAtMost(double alpha, double limit) const;
    // The share must stay within `tolerance` of `centre` (a balance of flips at 0.5).
    GateVerdict verdictNear(double alpha, double centre, double tolerance) const;

private:
    double a_, b_;
    std::uint64_t successes_ = 0, trials_ = 0;
};

// log B(x, y).
double logBeta(double x, double y);

// Whether flips lean one way: of `flips` cards with a flip, `stricter` were stricter
// (approve < review < decline). The Bayes factor of a Beta(a, a) prior on the stricter share
// against an even split, B(a + k, a + m − k) / B(a, a) / 0.5^m: a martingale under the even
// split, so it is anytime-valid evidence of imbalance. McNemar's question only: balance is not
// agreement, so a flip-rate bound goes with it.
double logBayesFactorOfImbalance(std::uint64_t stricter, std::uint64_t flips, double a = 1);

}  // namespace fraudops::gates
