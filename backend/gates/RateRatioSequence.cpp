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

RateRatioSequence::RateRatioSequence(double priorScale) : priorScale_(priorScale) {
    constexpr double kStep = 0.01;
    const int points = static_cast<int>(std::lround(2 * kRange / kStep)) + 1;
    const double logNorm = std::log(kStep / (priorScale_ * std::sqrt(2 * M_PI)));
    for (int k = 0; k < points; ++k) {
        const double x = -kRange + k * kStep;
        grid_.push_back(x);
        logPrior_.push_back(logNorm - x * x / (2 * priorScale_ * priorScale_));
    }
    gridLogLik_.assign(grid_.size(), 0.0);
}

void RateRatioSequence::add(double canaryShare, std::uint64_t canaryEvents,
                            std::uint64_t stableEvents) {
    if (!(canaryShare > 0 && canaryShare < 1) || canaryEvents + stableEvents == 0)
        return;  // no exposure split, or no events: nothing learnt about θ
    const auto c = static_cast<double>(canaryEvents);
    const auto b = static_cast<double>(stableEvents);
    ++looks_;
    const double logit = std::log(canaryShare / (1 - canaryShare));
    const double constant = c * std::log(canaryShare) + b * std::log1p(-canaryShare);
    // Intervals at the same share multiply into one term (a plan's step holds its weight).
    const auto same = std::find_if(intervals_.begin(), intervals_.end(),
                                   [&](const Interval& i) { return i.logitShare == logit; });
    if (same != intervals_.end()) {
        same->canary += c;
        same->stable += b;
        same->constant += constant;
    } else {
        intervals_.push_back({logit, c, b, constant});
    }
    canaryEvents_ += canaryEvents;
    stableEvents_ += stableEvents;
    // The mixture over the grid: log Σ_k w_k exp(ℓ_k), with the largest term taken out.
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < grid_.size(); ++k) {
        const double z = grid_[k] + logit;
        gridLogLik_[k] += -c * softplus(-z) - b * softplus(z) - constant;
        top = std::max(top, gridLogLik_[k] + logPrior_[k]);
    }
    double sum = 0;
    for (std::size_t k = 0; k < grid_.size(); ++k)
        sum += std::exp(gridLogLik_[k] + logPrior_[k] - top);
    logMixture_ = top + std::log(sum);
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
    // The grid's best point brackets the maximum within a step either side.
    const auto best =
        std::max_element(gridLogLik_.begin(), gridLogLik_.end()) - gridLogLik_.begin();
    const auto k = static_cast<std::size_t>(best);
    const double lo = grid_[k > 0 ? k - 1 : 0], hi = grid_[std::min(k + 1, grid_.size() - 1)];
    return decreasingRoot([&](double x) { return slope(x); }, lo, hi);
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
    // likelihood's maximum (where the ratio is at most 1 < 1/α). Its ends are bracketed on the
    // grid, then found on the exact likelihood.
    const double bound = logMixture_ - std::log(1 / alpha);  // inside: ℓ(x0) > bound
    std::size_t first = grid_.size(), last = 0;
    for (std::size_t k = 0; k < grid_.size(); ++k) {
        if (gridLogLik_[k] > bound) {
            first = std::min(first, k);
            last = k;
        }
    }
    const auto inside = [&](double x) { return logLikelihood(x) - bound; };
    const double peak = argMax();
    ConfidenceInterval ci{0, kInf};
    if (first == grid_.size()) {
        // Narrower than a grid step: around the maximum.
        ci.lower =
            std::exp(decreasingRoot([&](double x) { return -inside(x); }, peak - 0.01, peak));
        ci.upper = std::exp(decreasingRoot(inside, peak, peak + 0.01));
        return ci;
    }
    if (first > 0)
        ci.lower = std::exp(decreasingRoot([&](double x) { return -inside(x); }, grid_[first - 1],
                                           std::min(grid_[first], peak)));
    if (last + 1 < grid_.size())
        ci.upper = std::exp(decreasingRoot(inside, std::max(grid_[last], peak), grid_[last + 1]));
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
