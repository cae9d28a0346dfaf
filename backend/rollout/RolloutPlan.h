#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gates/GateVerdict.h"

namespace fraudops {

// What a gate compares, canary against stable over the step.
struct GateSpec {
    enum class Kind {
        EventRate,          // a count's rate ratio: errors, declines, requests over the SLO
        FlipRate,           // shadow mode: the share of cards whose decision would flip
        FlipBalance,        // shadow mode: stricter against more lenient flips
        ScoreDistribution,  // the canary's live scores against its own training baseline (PSI)
    };
    enum class Event { Error, Decline, SlowRequest };
    enum class Unit { Cards, Requests };

    std::string name;
    Kind kind = Kind::EventRate;
    Event event = Event::Error;
    Unit unit = Unit::Cards;
    gates::Sides sides = gates::Sides::Worse;
    // EventRate: the rate ratio may exceed 1 by this much (and, both sides, fall short by it);
    // FlipRate: the largest flip share; FlipBalance: how far from even the stricter share may
    // be; ScoreDistribution: the PSI threshold.
    double tolerance = 0.2;
    // EventRate: a canary whose own event rate is surely below this (the upper end of its
    // anytime-valid interval) passes even while the ratio is undecided. Errors are rare: with
    // none on either side a ratio never decides, yet thousands of error-free cards are a pass.
    // 0: off.
    double floor = 0;
};

// One step of a plan: the canary's weight and mode for at least `minimum`, then its gates
// decide. The last step is promotion, with no comparison.
struct RolloutStep {
    enum class Mode { Split, Shadow };
    enum class OnPass { Advance, WaitForApproval };
    enum class OnFail { Abort, Pause };

    int weightBasisPoints = 0;  // of cards, 0-10,000
    Mode mode = Mode::Split;
    std::chrono::seconds minimum{0};
    // Still short of data then: the step pauses, and says so.
    std::chrono::seconds maximum{0};
    std::vector<std::string> gates;  // names in the plan's `gates`
    OnPass onPass = OnPass::Advance;
    OnFail onFail = OnFail::Abort;
    bool promote = false;  // the last step: make the canary stable
};

// A rollout plan, as reviewed in version control (JSON): steps such as 5 → 20 → 50 → 80 %
// and promotion, the gates they evaluate, and α, split evenly across the gates the plan uses so
// that a rollout of identical versions fails at most α of the time.
struct RolloutPlan {
    std::string name;
    double alpha = 0.05;
    std::map<std::string, GateSpec> gates;
    std::vector<RolloutStep> steps;

    // α for each gate: α over the number of distinct gates the steps evaluate.
    double alphaPerGate() const;
};

// Reads a plan; on failure returns nothing and sets `error` to what is wrong and where
// ("steps[2].weight_percent: 120 is not between 0 and 100").
std::optional<RolloutPlan> parseRolloutPlan(const std::string& json, std::string* error);
std::string rolloutPlanJson(const RolloutPlan& plan);

// How a release starts from a plan: as written; with its shadow steps skipped, so the canary
// decides for its cards from the first step; or in shadow throughout, so the canary decides
// no card until a person approves its promotion.
enum class StartMode { AsPlanned, SplitOnly, ShadowOnly };
// "plan", "split", "shadow".
std::optional<StartMode> parseStartMode(const std::string& text);
const char* startModeName(StartMode mode);
// The plan to run in `mode`; nothing, with `error` set, when no step would be left to compare
// in (a plan of shadow steps alone, split only).
std::optional<RolloutPlan> planInMode(const RolloutPlan& plan, StartMode mode, std::string* error);

// "90s", "2m", "1h30m", or plain seconds; nothing if malformed.
std::optional<std::chrono::seconds> parseDuration(const std::string& text);
std::string durationText(std::chrono::seconds duration);

}  // namespace fraudops
