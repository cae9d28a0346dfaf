#pragma once

#include <QString>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "control/ControlClient.h"
#include "prometheus/PrometheusHttp.h"
#include "rollout/RolloutPlan.h"
#include "rollout/RolloutProgress.h"
#include "rollout/StepEvidence.h"

namespace fraudops::rollout {

// Where a release is driven from: any replica's Control API (they share the registry), and the
// Prometheus that scrapes the replicas.
struct ReleaseTarget {
    ScorerEndpoint control;
    PrometheusEndpoint prometheus;
    QString job = QStringLiteral("fraud-scorer");
};

// The run record as read: the plan, its progress, the rollout, who holds the lease.
struct RunView {
    fraud::v1::RolloutRun record;
    std::optional<RolloutPlan> plan;
    std::optional<RolloutProgress> progress;  // none: no release has run yet
    std::string error;                        // the record could not be read or understood
    bool ok() const { return error.empty(); }
};
RunView readRun(ControlClient& client);

// What a person's action or a runner's step did.
struct ActionResult {
    bool ok = false;
    std::string message;             // what changed, or why not
    std::optional<CallError> error;  // the Control API's refusal, if that was why
};

// The release actions a person takes from the console or fraudctl. Each checks the run's
// state, makes its rollout change with the generation it read (a stale one fails and says who
// changed what), records the reason in the audit log with the plan step as an annotation, and
// writes the progress with compare-and-swap on the run record.
class RolloutActions {
public:
    explicit RolloutActions(ControlClient& client) : client_(client) {}

    // Starts `plan` for `candidate`: its first step applied, the run record written.
    ActionResult start(const RolloutPlan& plan, const std::string& candidate,
                       const std::string& reason);
    ActionResult approve(const std::string& reason);  // the next step, after a waiting step
    ActionResult pause(const std::string& reason);    // the canary stays at its weight
    ActionResult resume(const std::string& reason);   // another maximum duration to decide
    ActionResult abort(const std::string& reason);
    ActionResult promoteNow(const std::string& reason);
    ActionResult rollback(const std::string& reason);

private:
    ControlClient& client_;
};

// What a change for plan step `index` is, in words: "v3 from 20 % to 50 % of cards, split
// mode, generation 14 → 15". The console's confirmation and the audit annotation say it.
std::string describeStepChange(const RolloutPlan& plan, std::size_t index,
                               const std::string& candidate,
                               const fraud::v1::RolloutState& current);

// Drives a release headless: holds the runner lease, looks at the step's gates every
// `interval`, applies the plan's next step, pauses or aborts as the step says, and writes its
// progress (with the step's evidence) after every look, so that another runner resumes the
// step where it was if this one goes away. Without the lease it changes nothing: if it loses
// it, it stops, and the canary stays at its weight until another runner takes over.
class RolloutRunner {
public:
    struct Settings {
        std::string holder;  // the runner's name in the lease, e.g. "fraudctl@host:4123"
        std::chrono::milliseconds leaseTtl{15'000};
        std::chrono::milliseconds interval{5'000};
        // Return when the run pauses or waits for approval (pipelines), instead of waiting for
        // a person to act (the console).
        bool returnWhenBlocked = false;
    };
    enum class Outcome { Promoted, Aborted, Paused, WaitingForApproval, LeaseLost, Stopped, Error };
    struct Result {
        Outcome outcome = Outcome::Error;
        std::string message;
    };

    RolloutRunner(ReleaseTarget target, Settings settings);

    // Runs until the release finishes, blocks (with returnWhenBlocked), the lease is lost, or
    // `stop` is set. `onLook` sees the progress after each look.
    Result run(const std::atomic<bool>& stop,
               const std::function<void(const RolloutProgress&)>& onLook = {});

    // One look without the lease and without changing anything: the current step's gates on
    // the evidence so far plus the counters now (fraudctl analyze; a viewer token is enough).
    struct Analysis {
        std::vector<GateResult> results;
        std::string error;  // could not evaluate
        std::string step;   // "2 of 6: split 20 %"
        // Each gate's counters as the PromQL read (raw values per replica), for explanations.
        std::map<std::string, std::vector<std::string>> queries;
        // p99 latency on each side over the step: shown, not gated.
        std::vector<LatencyBand> latency;
    };
    static Analysis analyze(const ReleaseTarget& target);
    // The same on a run record and the registry's versions already read (the Release page
    // reads both for itself).
    static Analysis analyze(const ReleaseTarget& target, const RunView& view,
                            const std::vector<fraud::v1::ModelInfo>& models);

private:
    // One look; returns an outcome when the run should end.
    std::optional<Result> look(ControlClient& client, const std::string& leaseId);

    ReleaseTarget target_;
    Settings settings_;
    std::function<void(const RolloutProgress&)> onLook_;
    // The score baselines of the candidate and stable pair `baselinesOf_` names.
    ScoreBaselines baselines_;
    std::string baselinesOf_;
};

const char* outcomeName(RolloutRunner::Outcome outcome);
// The plan's gates a step evaluates, as specs, in the step's order.
std::vector<GateSpec> gatesOf(const RolloutPlan& plan, const RolloutStep& step);
// "2 of 6: split 20 %", "6 of 6: promote".
std::string stepName(const RolloutPlan& plan, std::size_t index);

}  // namespace fraudops::rollout
