#include "rollout/StepDecision.h"

namespace fraudops::rollout {
namespace {

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        if (!out.empty())
            out.append(", ");
        out.append(n);
    }
    return out;
}

}  // namespace

const char* stepActionName(StepAction action) {
    switch (action) {
        case StepAction::Stay:
            return "stay";
        case StepAction::Advance:
            return "advance";
        case StepAction::WaitForApproval:
            return "wait for approval";
        case StepAction::Pause:
            return "pause";
        case StepAction::Abort:
            return "abort";
    }
    return "stay";
}

StepDecision decideStep(const RolloutStep& step,
                        const std::vector<std::pair<std::string, gates::GateVerdict>>& verdicts,
                        std::chrono::seconds elapsed) {
    std::vector<std::string> failed, waiting;
    for (const auto& [name, verdict] : verdicts) {
        if (verdict == gates::GateVerdict::Fail)
            failed.push_back(name);
        else if (verdict == gates::GateVerdict::NotEnoughData)
            waiting.push_back(name);
    }
    if (!failed.empty()) {
        const bool abort = step.onFail == RolloutStep::OnFail::Abort;
        return {abort ? StepAction::Abort : StepAction::Pause,
                "gate failed: " + joined(failed) +
                    (abort ? "" : " (this step pauses on failure for a person to decide)")};
    }
    if (elapsed < step.minimum) {
        return {StepAction::Stay,
                "the step's minimum duration: " + durationText(step.minimum - elapsed) + " left"};
    }
    if (waiting.empty()) {
        const std::string passed = verdicts.empty() ? "no gates on this step" : "every gate passed";
        if (step.onPass == RolloutStep::OnPass::WaitForApproval)
            return {StepAction::WaitForApproval, passed + "; waiting for approval"};
        return {StepAction::Advance, passed};
    }
    if (step.maximum.count() > 0 && elapsed >= step.maximum) {
        return {StepAction::Pause, "not enough data after the step's maximum duration (" +
                                       durationText(step.maximum) + "): " + joined(waiting)};
    }
    return {StepAction::Stay, "not enough data yet: " + joined(waiting)};
}

}  // namespace fraudops::rollout
