#include "gates/RateRatioSequence.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fraudops::gates {
namespace {

// log θ is searched within ±kRange: ratios beyond e^12 either way are "unbounded".
constexpr double kRange = 12;
constexpr double kInf = std::numeric_limits<double>::infinity();

// log(1 + e^z), without overflow.
double softplus(double z) {
    return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

double logistic(double z) {
    return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z));
}

// The root of a decreasing function on [lo, hi], which changes sign there.
template <typename F>
double decreasingRoot(F f, double lo, double hi) {
    for (int i = 0; i < 200 && hi - lo > 1e-12; ++i) {
        const double mid = (lo + hi) / 2;
        (f(mid) > 0 ? lo : hi) = mid;
    }
    return (lo + hi) / 2;
}

}  // namespace

const char* verdictName(GateVerdict verdict) {
    switch (verdict) {
        case GateVerdict::Pass:
            return "pass";
        case GateVerdict::Fail:
            return "fail";
        case GateVerdict::NotEnoughData:
            return "not enough data";
    }
    return "";
}

RateRatioSequence::RateRatioSequence(double priorScale) : priorScale_(priorScale) {}

void RateRatioSequence::add(double canaryShare, std::uint64_t canaryEvents,
                            std::uint64_t stableEvents) {
    if (!(canaryShare > 0 && canaryShare < 1) || canaryEvents + stableEvents == 0)
        return;  // no exposure split, or no events: nothing learnt about θ
    const auto c = static_cast<double>(canaryEvents);
    const auto b = static_cast<double>(stableEvents);
    ++looks_;
    // Intervals at the same share multiply into one term (a plan's step holds its weight).
    const double logit = std::log(canaryShare / (1 - canaryShare));
    const auto same = std::find_if(intervals_.begin(), intervals_.end(),
                                   [&](const Interval& i) { return i.logitShare == logit; });
    if (same != intervals_.end()) {
        same->canary += c;
        same->stable += b;
        same->constant += c * std::log(canaryShare) + b * std::log1p(-canaryShare);
    } else {
        intervals_.push_back(
            {logit, c, b, c * std::log(canaryShare) + b * std::log1p(-canaryShare)});
    }
    canaryEvents_ += canaryEvents;
    stableEvents_ += stableEvents;
    logMixture_ = logMixture();
    pValue_ = std::min(pValue_, std::exp(-std::max(0.0, logMixture_)));
}

double RateRatioSequence::logLikelihood(double x) const {
    double sum = 0;
    for (const auto& i : intervals_) {
        const double z = x + i.logitShare;
        // c log π + b log(1 − π), π = logistic(z), relative to θ = 1 (π = ρ).
        sum += -i.canary * softplus(-z) - i.stable * softplus(z) - i.constant;
    }
    return sum;
}

double RateRatioSequence::slope(double x) const {
    double sum = 0;
    for (const auto& i : intervals_)
        sum += i.canary - (i.canary + i.stable) * logistic(x + i.logitShare);
    return sum;
}

double RateRatioSequence::curvature(double x) const {
    double sum = 0;
    for (const auto& i : intervals_) {
        const double p = logistic(x + i.logitShare);
        sum -= (i.canary + i.stable) * p * (1 - p);
    }
    return sum;
}

double RateRatioSequence::logMixture() const {
    if (intervals_.empty())
        return 0;
    // The integrand's log, g(x) = ℓ(x) + log φ(x; 0, σ), is concave: find its mode, then
    // integrate by Simpson's rule over a window wide enough that g has fallen by 40 at both
    // ends (the rest is below e^-40 of the total, since g keeps falling at least as fast).
    const double s2 = priorScale_ * priorScale_;
    const auto g = [&](double x) {
        return logLikelihood(x) - x * x / (2 * s2) - std::log(priorScale_ * std::sqrt(2 * M_PI));
    };
    const auto dg = [&](double x) { return slope(x) - x / s2; };
    const double lo = -kRange * 4 - 10 * priorScale_, hi = -lo;
    const double mode = decreasingRoot(dg, lo, hi);
    const double top = g(mode);
    const double width = 1 / std::sqrt(-(curvature(mode) - 1 / s2));
    double half = 14 * width;
    while (half < hi - lo && (g(mode - half) > top - 40 || g(mode + half) > top - 40))
        half *= 2;
    constexpr int kSteps = 400;  // even: steps of at most 0.07 of the mode's width
    const double h = 2 * half / kSteps;
    double sum = 0;
    for (int k = 0; k <= kSteps; ++k) {
        const double w = (k == 0 || k == kSteps) ? 1 : (k % 2 ? 4 : 2);
        sum += w * std::exp(g(mode - half + k * h) - top);
    }
    return top + std::log(sum * h / 3);
}

double RateRatioSequence::logEvidence() const {
    return logMixture_;
}

double RateRatioSequence::logMixtureRatio(double x0) const {
    return logMixture_ - logLikelihood(x0);
}

double RateRatioSequence::argMax() const {
    if (slope(-kRange) <= 0)
        return -kRange;
    if (slope(kRange) >= 0)
        return kRange;
    return decreasingRoot([&](double x) { return slope(x); }, -kRange, kRange);
}

double RateRatioSequence::estimate() const {
    if (canaryEvents_ == 0)
        return intervals_.empty() ? std::nan("") : 0;
    if (stableEvents_ == 0)
        return kInf;
    return std::exp(argMax());
}

ConfidenceInterval RateRatioSequence::interval(double alpha) const {
    if (intervals_.empty())
        return {0, kInf};
    // {x0 : log mixture − ℓ(x0) < log(1/α)}: ℓ is concave, so this is an interval around the
    // likelihood's maximum (where the ratio is at most 1 < 1/α).
    const double bound = std::log(1 / alpha);
    const auto excess = [&](double x) { return logMixtureRatio(x) - bound; };
    const double peak = argMax();
    ConfidenceInterval ci;
    ci.lower = excess(-kRange) < 0
                   ? 0
                   : std::exp(decreasingRoot([&](double x) { return excess(x); }, -kRange, peak));
    ci.upper = excess(kRange) < 0
                   ? kInf
                   : std::exp(decreasingRoot([&](double x) { return -excess(x); }, peak, kRange));
    return ci;
}

GateVerdict RateRatioSequence::verdict(double alpha, double tolerance, Sides sides) const {
    const auto ci = interval(alpha);
    const double worse = 1 + tolerance, better = 1 - tolerance;
    if (ci.lower > worse || (sides == Sides::Both && ci.upper < better))
        return GateVerdict::Fail;
    if (ci.upper < worse && (sides == Sides::Worse || ci.lower > better))
        return GateVerdict::Pass;
    return GateVerdict::NotEnoughData;
}

}  // namespace fraudops::gates
