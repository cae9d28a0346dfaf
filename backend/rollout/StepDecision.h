#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "gates/GateVerdict.h"
#include "rollout/RolloutPlan.h"

namespace fraudops::rollout {

// What the runner does next with a step, from its gates' verdicts and how long it has run.
enum class StepAction {
    Stay,             // keep evaluating
    Advance,          // the next step (or promotion, if it is the last)
    WaitForApproval,  // gates passed; a person approves the next step
    Pause,            // a person decides: a gate failed on a pause-on-fail step, or the
                      // maximum duration passed without enough data
    Abort,            // a gate failed: the canary is removed at once
};
const char* stepActionName(StepAction action);

struct StepDecision {
    StepAction action = StepAction::Stay;
    std::string why;  // for the audit entry and the console: which gates, what remains
};

// The rules, in order:
//  1. a gate that fails acts at once, even before the minimum duration: its verdict is
//     anytime-valid, so an early look is as trustworthy as a late one, and a bad canary should
//     see as few cards as possible;
//  2. before the minimum duration, stay (a step's minimum covers slow effects, such as a
//     card's second transaction, that early evidence cannot see);
//  3. every gate passed: advance, or wait for approval, as the step says;
//  4. some gate still short of data: stay until the maximum duration, then pause and say so;
//     not enough data is never a pass.
// `verdicts`: each of the step's gates by name, in the step's order.
StepDecision decideStep(const RolloutStep& step,
                        const std::vector<std::pair<std::string, gates::GateVerdict>>& verdicts,
                        std::chrono::seconds elapsed);

}  // namespace fraudops::rollout
