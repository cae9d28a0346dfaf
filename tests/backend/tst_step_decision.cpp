// decideStep: a failing gate acts at once (abort or pause, as the step says), the minimum
// duration holds a passing step, every pass advances or waits for approval, and a step short of
// data stays until its maximum duration, then pauses and says so. Never a pass for want of data.
#include <QtTest>

#include "rollout/StepDecision.h"

using namespace fraudops;
using namespace fraudops::rollout;
using gates::GateVerdict;
using namespace std::chrono_literals;

namespace {

RolloutStep step(RolloutStep::OnPass onPass = RolloutStep::OnPass::Advance,
                 RolloutStep::OnFail onFail = RolloutStep::OnFail::Abort) {
    RolloutStep s;
    s.weightBasisPoints = 500;
    s.minimum = 60s;
    s.maximum = 600s;
    s.gates = {"errors", "declines"};
    s.onPass = onPass;
    s.onFail = onFail;
    return s;
}

using Verdicts = std::vector<std::pair<std::string, GateVerdict>>;

}  // namespace

class StepDecisionTest : public QObject {
    Q_OBJECT

private slots:
    void aFailureActsAtOnce() {
        const Verdicts v{{"errors", GateVerdict::Pass}, {"declines", GateVerdict::Fail}};
        auto d = decideStep(step(), v, 5s);  // before the minimum duration
        QCOMPARE(d.action, StepAction::Abort);
        QCOMPARE(d.why, "gate failed: declines");
        d = decideStep(step(RolloutStep::OnPass::Advance, RolloutStep::OnFail::Pause), v, 5s);
        QCOMPARE(d.action, StepAction::Pause);
        QVERIFY(d.why.starts_with("gate failed: declines"));
    }

    void theMinimumDurationHoldsAPassingStep() {
        const Verdicts v{{"errors", GateVerdict::Pass}, {"declines", GateVerdict::Pass}};
        const auto d = decideStep(step(), v, 20s);
        QCOMPARE(d.action, StepAction::Stay);
        QCOMPARE(d.why, "the step's minimum duration: 40s left");
        QCOMPARE(decideStep(step(), v, 60s).action, StepAction::Advance);
        QCOMPARE(decideStep(step(RolloutStep::OnPass::WaitForApproval), v, 60s).action,
                 StepAction::WaitForApproval);
    }

    void notEnoughDataIsNeverAPass() {
        const Verdicts v{{"errors", GateVerdict::Pass}, {"declines", GateVerdict::NotEnoughData}};
        auto d = decideStep(step(), v, 300s);
        QCOMPARE(d.action, StepAction::Stay);
        QCOMPARE(d.why, "not enough data yet: declines");
        d = decideStep(step(), v, 600s);
        QCOMPARE(d.action, StepAction::Pause);
        QCOMPARE(d.why, "not enough data after the step's maximum duration (10m): declines");
    }

    void aStepWithoutGatesAdvancesAfterItsMinimum() {
        RolloutStep s = step();
        s.gates.clear();
        QCOMPARE(decideStep(s, {}, 10s).action, StepAction::Stay);
        const auto d = decideStep(s, {}, 60s);
        QCOMPARE(d.action, StepAction::Advance);
        QCOMPARE(d.why, "no gates on this step");
    }

    void withoutAMaximumAStepWaitsForData() {
        RolloutStep s = step();
        s.maximum = 0s;
        const Verdicts v{{"errors", GateVerdict::NotEnoughData}};
        QCOMPARE(decideStep(s, v, 100'000s).action, StepAction::Stay);
    }
};

QTEST_GUILESS_MAIN(StepDecisionTest)
#include "tst_step_decision.moc"
