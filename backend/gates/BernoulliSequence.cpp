#include "gates/BernoulliSequence.h"

#include <algorithm>
#include <cmath>

namespace fraudops::gates {
namespace {

// The root of an increasing function on [lo, hi] (it changes sign there).
template <typename F>
double increasingRoot(F f, double lo, double hi) {
    for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
        const double mid = (lo + hi) / 2;
        (f(mid) < 0 ? lo : hi) = mid;
    }
    return (lo + hi) / 2;
}

}  // namespace

double logBeta(double x, double y) {
    return std::lgamma(x) + std::lgamma(y) - std::lgamma(x + y);
}

void BernoulliSequence::add(std::uint64_t successes, std::uint64_t trials) {
    successes_ += std::min(successes, trials);
    trials_ += trials;
}

double BernoulliSequence::logEvidence(double p0) const {
    const auto s = static_cast<double>(successes_);
    const auto f = static_cast<double>(trials_ - successes_);
    double value = logBeta(a_ + s, b_ + f) - logBeta(a_, b_);
    if (s > 0)
        value -= s * std::log(p0);
    if (f > 0)
        value -= f * std::log1p(-p0);
    return value;
}

ConfidenceInterval BernoulliSequence::interval(double alpha) const {
    if (trials_ == 0)
        return {0, 1};
    // log M is convex in p0 with its minimum (at most 0) at the observed share.
    const double bound = std::log(1 / alpha);
    const double share = static_cast<double>(successes_) / static_cast<double>(trials_);
    const auto excess = [&](double p) { return logEvidence(p) - bound; };
    ConfidenceInterval ci{0, 1};
    constexpr double kEdge = 1e-15;
    if (successes_ > 0 && excess(kEdge) > 0)
        ci.lower = increasingRoot([&](double p) { return -excess(p); }, kEdge, share);
    if (successes_ < trials_ && excess(1 - kEdge) > 0)
        ci.upper = increasingRoot(excess, share, 1 - kEdge);
    return ci;
}

GateVerdict BernoulliSequence::verdictAtMost(double alpha, double limit) const {
    const auto ci = interval(alpha);
    if (ci.lower > limit)
        return GateVerdict::Fail;
    if (ci.upper < limit)
        return GateVerdict::Pass;
    return GateVerdict::NotEnoughData;
}

GateVerdict BernoulliSequence::verdictNear(double alpha, double centre, double tolerance) const {
    const auto ci = interval(alpha);
    if (ci.lower > centre + tolerance || ci.upper < centre - tolerance)
        return GateVerdict::Fail;
    if (ci.lower > centre - tolerance && ci.upper < centre + tolerance)
        return GateVerdict::Pass;
    return GateVerdict::NotEnoughData;
}

double logBayesFactorOfImbalance(std::uint64_t stricter, std::uint64_t flips, double a) {
    const auto k = static_cast<double>(std::min(stricter, flips));
    const auto m = static_cast<double>(flips);
    return logBeta(a + k, a + m - k) - logBeta(a, a) + m * std::log(2.0);
}

}  // namespace fraudops::gates
