#include "rollout/StepEvidence.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

#include "common/LatencyBuckets.h"
#include "drift/PsiInterval.h"
#include "gates/CdfBand.h"

namespace fraudops::rollout {
namespace {

using gates::GateVerdict;

constexpr std::size_t kHistoryPoints = 600;

std::string cards(const std::string& variant, const char* outcome) {
    std::string name = "cards/";
    name.append(variant).append("/").append(outcome);
    return name;
}

std::string counter(const char* kind, const std::string& variant) {
    std::string name = kind;
    name.append("/").append(variant);
    return name;
}

std::uint64_t whole(double x) {
    return x <= 0 ? 0 : static_cast<std::uint64_t>(std::llround(x));
}

std::string fixed(double x, int digits) {
    if (!std::isfinite(x))
        return x > 0 ? "inf" : "-inf";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, x);
    return buffer;
}

}  // namespace

GateCounters countersFor(const GateSpec& gate, const std::string& canaryVariant) {
    GateCounters c;
    const auto both = [&](const auto& make, std::string& canary, std::string& stable) {
        canary = make(canaryVariant);
        stable = make(std::string("stable"));
    };
    switch (gate.kind) {
        case GateSpec::Kind::EventRate:
            if (gate.event == GateSpec::Event::SlowRequest) {
                both([](const std::string& v) { return counter("requests", v); }, c.canaryExposure,
                     c.stableExposure);
                both([](const std::string& v) { return counter("within", v); }, c.canaryWithin,
                     c.stableWithin);
            } else if (gate.unit == GateSpec::Unit::Cards) {
                const char* outcome = gate.event == GateSpec::Event::Error ? "error" : "decline";
                both([&](const std::string& v) { return cards(v, outcome); }, c.canaryEvents,
                     c.stableEvents);
                both([](const std::string& v) { return cards(v, "scored"); }, c.canaryExposure,
                     c.stableExposure);
            } else {
                const char* kind = gate.event == GateSpec::Event::Error ? "errors" : "declines";
                both([&](const std::string& v) { return counter(kind, v); }, c.canaryEvents,
                     c.stableEvents);
                both([](const std::string& v) { return counter("calls", v); }, c.canaryExposure,
                     c.stableExposure);
            }
            break;
        case GateSpec::Kind::FlipRate:
        case GateSpec::Kind::FlipBalance:
            c.canaryEvents = cards(canaryVariant, "flip_stricter");
            c.stableEvents = cards(canaryVariant, "flip_lenient");  // the other direction
            c.canaryExposure = cards(canaryVariant, "scored");
            break;
        case GateSpec::Kind::ScoreDistribution:
            break;
    }
    if (gate.kind == GateSpec::Kind::FlipRate || gate.kind == GateSpec::Kind::FlipBalance) {
        c.canaryTransactions = counter("calls", canaryVariant);
    } else if (gate.kind == GateSpec::Kind::EventRate && gate.unit == GateSpec::Unit::Cards &&
               gate.event != GateSpec::Event::SlowRequest) {
        both([](const std::string& v) { return counter("calls", v); }, c.canaryTransactions,
             c.stableTransactions);
    }
    return c;
}

ScoreBaseline scoreBaselineOf(const std::string& version, const nlohmann::json& manifest) {
    ScoreBaseline b;
    b.version = version;
    const auto score = manifest.value("baseline", nlohmann::json::object())
                           .value("score", nlohmann::json::object());
    if (!score.contains("fractions") || !score["fractions"].is_array())
        return b;
    for (const auto& f : score["fractions"])
        b.shares.push_back(f.get<double>());
    b.count = score.value("count", std::uint64_t{0});
    return b;
}

namespace {

std::string scoreBin(const std::string& variant, const std::string& version, std::size_t bin) {
    std::string name = "scorebins/";
    name.append(variant).append("/").append(version).append("/").append(std::to_string(bin));
    return name;
}

}  // namespace

nlohmann::json gateResultJson(const GateResult& r) {
    nlohmann::json j = {{"name", r.name},
                        {"verdict", gates::verdictName(r.verdict)},
                        {"summary", r.summary},
                        {"canary_events", r.canaryEvents},
                        {"stable_events", r.stableEvents},
                        {"canary_exposure", r.canaryExposure},
                        {"stable_exposure", r.stableExposure},
                        {"estimate", r.estimate},
                        {"lower", r.interval.lower},
                        {"upper", r.interval.upper},
                        {"threshold", r.threshold},
                        {"p_value", r.pValue}};
    if (r.secondsToDecision)
        j["seconds_to_decision"] = *r.secondsToDecision;
    if (r.canaryTransactions)
        j["canary_transactions"] = *r.canaryTransactions;
    if (r.stableTransactions)
        j["stable_transactions"] = *r.stableTransactions;
    return j;
}

std::vector<std::string> latencyCounters(const std::string& variant) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i <= fraud::kRequestLatencyEdges.size(); ++i)
        out.push_back("latency/" + variant + "/" + std::to_string(i));
    return out;
}

std::vector<std::string> countersOf(const std::vector<GateSpec>& gates,
                                    const std::string& canaryVariant,
                                    const ScoreBaselines& baselines) {
    // Latency is shown for every step, whatever its gates.
    std::set<std::string> names;
    for (const std::string& side : {canaryVariant, std::string("stable")}) {
        for (auto& name : latencyCounters(side))
            names.insert(std::move(name));
    }
    for (const auto& g : gates) {
        if (g.kind == GateSpec::Kind::ScoreDistribution) {
            for (std::size_t i = 0; i < baselines.canary.shares.size(); ++i)
                names.insert(scoreBin(canaryVariant, baselines.canary.version, i));
            for (std::size_t i = 0; i < baselines.stable.shares.size(); ++i)
                names.insert(scoreBin("stable", baselines.stable.version, i));
            continue;
        }
        const auto c = countersFor(g, canaryVariant);
        for (const auto* n :
             {&c.canaryEvents, &c.stableEvents, &c.canaryExposure, &c.stableExposure,
              &c.canaryWithin, &c.stableWithin, &c.canaryTransactions, &c.stableTransactions}) {
            if (!n->empty())
                names.insert(*n);
        }
    }
    return {names.begin(), names.end()};
}

StepEvidence::StepEvidence(std::vector<GateSpec> gates, std::string canaryVariant,
                           double alphaPerGate, ScoreBaselines baselines)
    : canaryVariant_(std::move(canaryVariant)),
      alpha_(alphaPerGate),
      baselines_(std::move(baselines)) {
    for (auto& spec : gates) {
        Gate g;
        g.counters = countersFor(spec, canaryVariant_);
        g.spec = std::move(spec);
        gates_.push_back(std::move(g));
    }
    std::vector<GateSpec> specs;
    for (const auto& g : gates_)
        specs.push_back(g.spec);
    for (const auto& name : countersOf(specs, canaryVariant_, baselines_))
        tallies_[name];
}

double StepEvidence::total(const std::string& name) const {
    const auto it = tallies_.find(name);
    return name.empty() || it == tallies_.end() ? 0 : it->second.total();
}

double StepEvidence::lastGrowth(const std::string& name) const {
    const auto it = growth_.find(name);
    return it == growth_.end() ? 0 : it->second;
}

void StepEvidence::addInterval(Gate& gate, const Interval& interval) {
    gate.intervals.push_back(interval);
    gate.sequence.add(interval.share, whole(interval.canary), whole(interval.stable));
}

void StepEvidence::observe(const CounterSnapshot& snapshot, double elapsedSeconds) {
    static const CounterTally::Values kNone;
    const bool first = looks_ == 0;
    ++looks_;
    elapsed_ = elapsedSeconds;
    for (auto& [name, tally] : tallies_) {
        const auto it = snapshot.find(name);
        const auto& values = it == snapshot.end() ? kNone : it->second;
        // A tally that never started (evidence saved before it was kept) starts at this look.
        const bool starting = first || !tally.started();
        if (starting)
            tally.start(values);
        growth_[name] = starting ? 0 : tally.observe(values);
    }
    if (first)
        return;
    for (auto& gate : gates_) {
        if (gate.spec.kind != GateSpec::Kind::EventRate)
            continue;
        const auto& c = gate.counters;
        Interval interval{};
        if (gate.spec.event == GateSpec::Event::SlowRequest) {
            const double canaryCalls = lastGrowth(c.canaryExposure);
            const double stableCalls = lastGrowth(c.stableExposure);
            interval.canary = std::max(0.0, canaryCalls - lastGrowth(c.canaryWithin));
            interval.stable = std::max(0.0, stableCalls - lastGrowth(c.stableWithin));
            interval.share = canaryCalls / std::max(1.0, canaryCalls + stableCalls);
        } else {
            interval.canary = lastGrowth(c.canaryEvents);
            interval.stable = lastGrowth(c.stableEvents);
            // Cards: the share of the cards the step has seen so far (a card is exposed from
            // its first transaction on); requests: this interval's.
            const bool byCard = gate.spec.unit == GateSpec::Unit::Cards;
            const double canary = byCard ? total(c.canaryExposure) : lastGrowth(c.canaryExposure);
            const double stable = byCard ? total(c.stableExposure) : lastGrowth(c.stableExposure);
            interval.share = canary / std::max(1.0, canary + stable);
        }
        if (interval.canary + interval.stable > 0)
            addInterval(gate, interval);
    }
    for (const auto& gate : gates_) {
        const auto result = resultOf(gate);
        auto& points = history_[gate.spec.name];
        const double value = gate.spec.kind == GateSpec::Kind::EventRate
                                 ? std::max(0.0, -std::log10(std::max(result.pValue, 1e-300)))
                                 : result.estimate;
        points.emplace_back(elapsedSeconds, value);
        if (points.size() > kHistoryPoints) {
            // Every other point: the sparkline keeps its shape over a long step.
            std::vector<std::pair<double, double>> thinned;
            for (std::size_t i = 0; i < points.size(); i += 2)
                thinned.push_back(points[i]);
            points = std::move(thinned);
        }
    }
}

std::vector<GateResult> StepEvidence::results() const {
    std::vector<GateResult> out;
    for (const auto& g : gates_)
        out.push_back(resultOf(g));
    return out;
}

std::vector<LatencyBand> StepEvidence::latencyBands() const {
    std::vector<LatencyBand> out;
    std::vector<double> edges(fraud::kRequestLatencyEdges.begin(),
                              fraud::kRequestLatencyEdges.end());
    edges.push_back(std::numeric_limits<double>::infinity());
    for (const std::string& side : {canaryVariant_, std::string("stable")}) {
        LatencyBand b;
        b.variant = side;
        std::vector<double> cumulative;
        for (const auto& name : latencyCounters(side))
            cumulative.push_back(total(name));
        // Tallies of separate counters can disagree by a request caught between two reads of
        // one look; a CDF never goes down.
        for (std::size_t i = 1; i < cumulative.size(); ++i)
            cumulative[i] = std::max(cumulative[i], cumulative[i - 1]);
        b.requests = cumulative.back();
        for (std::size_t i = 0; i < edges.size(); ++i) {
            if (b.requests > 0 && cumulative[i] >= 0.99 * b.requests) {
                if (std::isfinite(edges[i]))
                    b.p99 = edges[i];
                break;
            }
        }
        b.band = gates::quantileBand(edges, cumulative, 0.99, 0.05);
        out.push_back(b);
    }
    return out;
}

GateResult StepEvidence::resultOf(const Gate& gate) const {
    GateResult r;
    r.name = gate.spec.name;
    r.spec = gate.spec;
    const auto& c = gate.counters;
    if (!c.canaryTransactions.empty())
        r.canaryTransactions = total(c.canaryTransactions);
    if (!c.stableTransactions.empty())
        r.stableTransactions = total(c.stableTransactions);
    const double tolerance = gate.spec.tolerance;
    switch (gate.spec.kind) {
        case GateSpec::Kind::EventRate: {
            const bool slow = gate.spec.event == GateSpec::Event::SlowRequest;
            r.canaryExposure = total(c.canaryExposure);
            r.stableExposure = total(c.stableExposure);
            r.canaryEvents = slow ? std::max(0.0, r.canaryExposure - total(c.canaryWithin))
                                  : total(c.canaryEvents);
            r.stableEvents = slow ? std::max(0.0, r.stableExposure - total(c.stableWithin))
                                  : total(c.stableEvents);
            r.canaryRate = r.canaryEvents / std::max(1.0, r.canaryExposure);
            r.stableRate = r.stableEvents / std::max(1.0, r.stableExposure);
            const auto& s = gate.sequence;
            r.verdict = s.verdict(alpha_, tolerance, gate.spec.sides);
            std::string byFloor;
            if (r.verdict == GateVerdict::NotEnoughData && gate.spec.floor > 0) {
                // The canary's own rate, from its events and exposure so far.
                gates::BernoulliSequence own;
                const double events =
                    slow ? std::max(0.0, total(c.canaryExposure) - total(c.canaryWithin))
                         : total(c.canaryEvents);
                own.add(whole(events), std::max(whole(total(c.canaryExposure)), whole(events)));
                const double upper = own.interval(alpha_).upper;
                if (upper < gate.spec.floor) {
                    r.verdict = GateVerdict::Pass;
                    byFloor = "; the canary's own rate is below " + fixed(100 * upper, 3) +
                              " %, under the floor of " + fixed(100 * gate.spec.floor, 3) + " %";
                }
            }
            r.interval = s.interval(alpha_);
            r.estimate = s.estimate();
            r.threshold = 1 + tolerance;
            r.logEvidence = s.logEvidence();
            r.pValue = s.sequentialPValue();
            // Until the interval clears the threshold: its width shrinks as 1/√events, so at the
            // current estimate it needs (width / distance)² times the events seen so far.
            const double lo = std::log(std::max(r.interval.lower, 1e-300));
            const double hi = std::log(r.interval.upper);
            const double m = std::log(std::max(r.estimate, 1e-300));
            double distance = std::abs(m - std::log1p(tolerance));
            if (gate.spec.sides == gates::Sides::Both)
                distance = std::min(distance, std::abs(m - std::log1p(-std::min(tolerance, 0.99))));
            const double events = r.canaryEvents + r.stableEvents;
            if (r.verdict != GateVerdict::NotEnoughData) {
                r.secondsToDecision = 0;
            } else if (std::isfinite(hi) && std::isfinite(lo) && distance > 1e-3 && events > 0 &&
                       elapsed_ > 0) {
                const double halfWidth = (hi - lo) / 2;
                const double needed = events * std::pow(halfWidth / distance, 2);
                r.secondsToDecision = std::max(0.0, elapsed_ * (needed / events - 1));
            }
            const std::string ratio =
                events == 0
                    ? std::string("no events on either side")
                    : "ratio " + fixed(r.estimate, 2) + " [" + fixed(r.interval.lower, 2) + ", " +
                          fixed(r.interval.upper, 2) + "], limit " + fixed(r.threshold, 2);
            r.summary = r.name + ": " + gates::verdictName(r.verdict) + "; canary " +
                        fixed(100 * r.canaryRate, 2) + " % of " + fixed(r.canaryExposure, 0) +
                        ", stable " + fixed(100 * r.stableRate, 2) + " % of " +
                        fixed(r.stableExposure, 0) + "; " + ratio + byFloor;
            break;
        }
        case GateSpec::Kind::FlipRate:
        case GateSpec::Kind::FlipBalance: {
            const double stricter = total(c.canaryEvents);
            const double lenient = total(c.stableEvents);
            const bool rate = gate.spec.kind == GateSpec::Kind::FlipRate;
            r.canaryEvents = stricter;
            r.stableEvents = lenient;
            r.canaryExposure = total(c.canaryExposure);
            const double successes = rate ? stricter + lenient : stricter;
            const double trials = rate ? r.canaryExposure : stricter + lenient;
            gates::BernoulliSequence s;
            s.add(whole(successes), std::max(whole(trials), whole(successes)));
            r.verdict =
                rate ? s.verdictAtMost(alpha_, tolerance) : s.verdictNear(alpha_, 0.5, tolerance);
            r.interval = s.interval(alpha_);
            r.estimate = trials > 0 ? successes / trials : 0;
            r.threshold = rate ? tolerance : 0.5 + tolerance;
            r.canaryRate = r.estimate;
            if (canaryVariant_ != "shadow") {
                r.verdict = GateVerdict::NotEnoughData;
                r.summary = r.name + ": not enough data; flips are counted in shadow mode only";
                break;
            }
            r.summary = r.name + ": " + gates::verdictName(r.verdict) + "; " +
                        (rate ? "cards with a flip " : "stricter among flips ") +
                        fixed(100 * r.estimate, 2) + " % of " + fixed(trials, 0) + " [" +
                        fixed(100 * r.interval.lower, 2) + ", " + fixed(100 * r.interval.upper, 2) +
                        "] %, limit " +
                        (rate ? fixed(100 * tolerance, 2) + " %"
                              : "50 ± " + fixed(100 * tolerance, 0) + " %");
            break;
        }
        case GateSpec::Kind::ScoreDistribution:
            return scoreDistributionOf(gate);
    }
    return r;
}

std::vector<std::uint64_t> StepEvidence::binTotals(const std::string& variant,
                                                   const ScoreBaseline& baseline) const {
    std::vector<std::uint64_t> out;
    for (std::size_t i = 0; i < baseline.shares.size(); ++i)
        out.push_back(whole(total(scoreBin(variant, baseline.version, i))));
    return out;
}

GateResult StepEvidence::scoreDistributionOf(const Gate& gate) const {
    // The canary's live scores against its own training baseline: a new model is expected to
    // score differently from stable, not from its own training. But live traffic may differ
    // from a whole day's training for reasons of its own (the hour of day, which the score
    // depends on; a season; a test cluster whose demo traffic is not its training's), and then
    // it moves both models' scores alike. So the gate judges the canary's excess: how much
    // further its scores moved from its own training than the stable's did from its own, on
    // the same window. It fails when the excess is surely above the tolerance plus a quarter of
    // the stable's own movement (PSI's spread grows with its size, and traffic far from
    // training moves every model a lot), passes when surely below, and otherwise waits. The
    // excess's interval combines the two bootstrap intervals (at 1 − α for the gate) in
    // quadrature. They are not anytime-valid like the count gates' (a PSI has no martingale
    // here); the margin keeps repeated looks honest in practice (the A/A runs of
    // tst_rollout_local_cluster).
    GateResult r;
    r.name = gate.spec.name;
    r.spec = gate.spec;
    const double tolerance = gate.spec.tolerance;
    r.threshold = tolerance;
    if (baselines_.canary.empty() || baselines_.stable.empty()) {
        r.summary = r.name + ": not enough data; a version has no score baseline in its manifest";
        return r;
    }
    PsiOptions options;
    options.threshold = tolerance;
    options.level = 1 - alpha_;
    const auto canary = estimatePsi(binTotals(canaryVariant_, baselines_.canary),
                                    baselines_.canary.shares, baselines_.canary.count, options);
    const auto stable = estimatePsi(binTotals("stable", baselines_.stable),
                                    baselines_.stable.shares, baselines_.stable.count, options);
    r.canaryExposure = static_cast<double>(canary.windowCount);
    r.stableExposure = static_cast<double>(stable.windowCount);
    r.canaryRate = canary.psi;
    r.stableRate = stable.psi;
    r.estimate = canary.psi;
    r.interval = {canary.lower, canary.upper};
    constexpr std::uint64_t kMinimumScores = 200;
    constexpr double kRelativeMargin = 0.25;
    const double excess = canary.psi - stable.psi;
    const double below = std::hypot(canary.psi - canary.lower, stable.upper - stable.psi);
    const double above = std::hypot(canary.upper - canary.psi, stable.psi - stable.lower);
    const double failAt = tolerance + kRelativeMargin * stable.upper;
    const double passAt = tolerance + kRelativeMargin * stable.lower;
    r.threshold = passAt;
    // The table's interval is the excess's, against its limit; the PSIs are the two values.
    r.estimate = excess;
    r.interval = {excess - below, excess + above};
    if (canary.windowCount < kMinimumScores || stable.windowCount < kMinimumScores) {
        r.verdict = GateVerdict::NotEnoughData;
    } else if (excess - below > failAt) {
        r.verdict = GateVerdict::Fail;
    } else if (canary.upper < tolerance || excess + above < passAt) {
        r.verdict = GateVerdict::Pass;
    }
    r.summary = r.name + ": " + gates::verdictName(r.verdict) +
                "; the canary's scores against its own training PSI " + fixed(canary.psi, 3) +
                " [" + fixed(canary.lower, 3) + ", " + fixed(canary.upper, 3) + "] over " +
                fixed(r.canaryExposure, 0) + " scores, the stable's against its own " +
                fixed(stable.psi, 3) + " [" + fixed(stable.lower, 3) + ", " +
                fixed(stable.upper, 3) + "]; excess " + fixed(excess, 3) + " [" +
                fixed(excess - below, 3) + ", " + fixed(excess + above, 3) + "], limit " +
                fixed(passAt, 3);
    return r;
}

nlohmann::json StepEvidence::toJson() const {
    nlohmann::json tallies = nlohmann::json::object();
    for (const auto& [name, tally] : tallies_)
        tallies[name] = tally.toJson();
    nlohmann::json gates = nlohmann::json::object();
    for (const auto& g : gates_) {
        nlohmann::json intervals = nlohmann::json::array();
        for (const auto& i : g.intervals)
            intervals.push_back({i.share, i.canary, i.stable});
        gates[g.spec.name] = {{"intervals", intervals}};
    }
    return {
        {"variant", canaryVariant_}, {"alpha", alpha_},   {"looks", looks_}, {"elapsed", elapsed_},
        {"tallies", tallies},        {"growth", growth_}, {"gates", gates},  {"history", history_}};
}

StepEvidence StepEvidence::fromJson(const nlohmann::json& j, std::vector<GateSpec> gates,
                                    ScoreBaselines baselines) {
    StepEvidence e(std::move(gates), j.at("variant").get<std::string>(),
                   j.at("alpha").get<double>(), std::move(baselines));
    e.looks_ = j.at("looks").get<std::size_t>();
    e.elapsed_ = j.at("elapsed").get<double>();
    for (const auto& [name, tally] : j.at("tallies").items()) {
        if (!e.tallies_.count(name))
            throw std::runtime_error("evidence: counter " + name + " is not the plan's");
        e.tallies_[name] = CounterTally::fromJson(tally);
    }
    e.growth_ = j.value("growth", std::map<std::string, double>{});
    for (auto& g : e.gates_) {
        const auto& saved = j.at("gates");
        if (!saved.contains(g.spec.name))
            throw std::runtime_error("evidence: gate " + g.spec.name + " is missing");
        for (const auto& i : saved[g.spec.name].at("intervals"))
            e.addInterval(g, {i.at(0).get<double>(), i.at(1).get<double>(), i.at(2).get<double>()});
    }
    e.history_ = j.value("history", decltype(e.history_){});
    return e;
}

}  // namespace fraudops::rollout
