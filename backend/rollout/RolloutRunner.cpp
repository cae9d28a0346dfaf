#include "rollout/RolloutRunner.h"

#include <algorithm>
#include <thread>

#include "common/Time.h"
#include "control/RolloutWords.h"
#include "rollout/ClusterCounters.h"
#include "rollout/StepDecision.h"

namespace fraudops::rollout {
namespace {

using Clock = std::chrono::steady_clock;
using fraud::v1::RolloutState;

std::string modeName(RolloutStep::Mode mode) {
    return mode == RolloutStep::Mode::Shadow ? "shadow" : "split";
}

ActionResult refused(std::string message, std::optional<CallError> error = std::nullopt) {
    return {false, std::move(message), std::move(error)};
}

ActionResult callFailed(const std::string& what, const CallError& error) {
    return refused(what + ": " + error.message, error);
}

// The gate results as the audit annotation and the progress keep them.
nlohmann::json resultsJson(const std::vector<GateResult>& results) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : results)
        out.push_back(gateResultJson(r));
    return out;
}

// Writes the progress over revision `revision`; the plan too when given.
Outcome<fraud::v1::RolloutRun> writeProgress(ControlClient& client, std::uint64_t revision,
                                             const RolloutProgress& progress,
                                             const std::string& reason,
                                             const std::string& leaseId = {},
                                             const std::string& planJson = {}) {
    fraud::v1::UpdateRolloutRunRequest request;
    request.set_expected_revision(revision);
    request.set_progress_json(progress.toJson().dump());
    request.set_plan_json(planJson);
    request.set_reason(reason);
    request.set_lease_id(leaseId);
    return client.updateRolloutRun(request);
}

// Makes the rollout change for plan step `index` from state `current`.
Outcome<RolloutState> applyStep(ControlClient& client, const RolloutPlan& plan, std::size_t index,
                                const std::string& candidate, const RolloutState& current,
                                const std::string& reason,
                                const std::map<std::string, std::string>& annotations,
                                const std::string& leaseId = {}) {
    const RolloutStep& step = plan.steps[index];
    if (step.promote) {
        fraud::v1::ChangeRequest request;
        request.set_reason(reason);
        request.set_expected_generation(current.generation());
        request.set_lease_id(leaseId);
        request.mutable_annotations()->insert(annotations.begin(), annotations.end());
        return client.promote(request);
    }
    fraud::v1::SetCanaryRequest request;
    request.set_version(candidate);
    request.set_weight_bp(static_cast<std::uint32_t>(step.weightBasisPoints));
    request.set_mode(step.mode == RolloutStep::Mode::Shadow ? fraud::v1::ROLLOUT_MODE_SHADOW
                                                            : fraud::v1::ROLLOUT_MODE_SPLIT);
    request.set_reason(reason);
    request.set_expected_generation(current.generation());
    request.set_lease_id(leaseId);
    request.mutable_annotations()->insert(annotations.begin(), annotations.end());
    return client.setCanary(request);
}

// The score baselines a step's score-distribution gate compares with, from the manifests.
bool needsBaselines(const std::vector<GateSpec>& gates) {
    return std::any_of(gates.begin(), gates.end(), [](const GateSpec& g) {
        return g.kind == GateSpec::Kind::ScoreDistribution;
    });
}

// The score baselines of the candidate and the stable version, from their manifests; a version
// missing from `models` leaves its baseline empty (its gate then says so: not enough data).
ScoreBaselines baselinesFor(const std::vector<fraud::v1::ModelInfo>& models,
                            const std::string& candidate, const std::string& stable) {
    ScoreBaselines out;
    for (const auto& m : models) {
        const auto manifest = nlohmann::json::parse(m.manifest_json(), nullptr, false);
        if (manifest.is_discarded())
            continue;
        if (m.version() == candidate)
            out.canary = scoreBaselineOf(candidate, manifest);
        if (m.version() == stable)
            out.stable = scoreBaselineOf(stable, manifest);
    }
    return out;
}

std::vector<fraud::v1::ModelInfo> listModels(ControlClient& client) {
    const auto models = client.models();
    if (!models.ok())
        return {};
    return {models.value->models().begin(), models.value->models().end()};
}

void beginStep(RolloutProgress& progress, std::size_t index, const RolloutState& applied) {
    progress.step = index;
    progress.stepGeneration = applied.generation();
    progress.stepStartedMs = fraud::toEpochMillis(applied.when());
    progress.evidence = nullptr;
    progress.results = nlohmann::json::array();
    progress.maximumExtensions = 0;
}

// Does the rollout serve plan step `index` for `candidate`?
bool serves(const RolloutPlan& plan, std::size_t index, const std::string& candidate,
            const RolloutState& rollout) {
    const RolloutStep& step = plan.steps[index];
    if (step.promote)
        return rollout.stable_version() == candidate && rollout.canary_version().empty();
    const auto mode = step.mode == RolloutStep::Mode::Shadow ? fraud::v1::ROLLOUT_MODE_SHADOW
                                                             : fraud::v1::ROLLOUT_MODE_SPLIT;
    return rollout.canary_version() == candidate &&
           rollout.canary_weight_bp() == static_cast<std::uint32_t>(step.weightBasisPoints) &&
           rollout.mode() == mode;
}

}  // namespace

const char* outcomeName(RolloutRunner::Outcome outcome) {
    switch (outcome) {
        case RolloutRunner::Outcome::Promoted:
            return "promoted";
        case RolloutRunner::Outcome::Aborted:
            return "aborted";
        case RolloutRunner::Outcome::Paused:
            return "paused";
        case RolloutRunner::Outcome::WaitingForApproval:
            return "waiting for approval";
        case RolloutRunner::Outcome::LeaseLost:
            return "lease lost";
        case RolloutRunner::Outcome::Stopped:
            return "stopped";
        case RolloutRunner::Outcome::Error:
            return "error";
    }
    return "error";
}

std::vector<GateSpec> gatesOf(const RolloutPlan& plan, const RolloutStep& step) {
    std::vector<GateSpec> out;
    for (const auto& name : step.gates) {
        auto spec = plan.gates.at(name);
        spec.name = name;
        out.push_back(spec);
    }
    return out;
}

std::string stepName(const RolloutPlan& plan, std::size_t index) {
    std::string out = std::to_string(index + 1);
    out.append(" of ").append(std::to_string(plan.steps.size())).append(": ");
    if (index >= plan.steps.size())
        return out.append("past the end");
    const auto& step = plan.steps[index];
    if (step.promote)
        return out.append("promote");
    return out.append(modeName(step.mode))
        .append(" ")
        .append(weightText(static_cast<std::uint32_t>(step.weightBasisPoints)));
}

std::string describeStepChange(const RolloutPlan& plan, std::size_t index,
                               const std::string& candidate, const RolloutState& current) {
    const auto& step = plan.steps[index];
    const std::string generations = "generation " + std::to_string(current.generation()) + " → " +
                                    std::to_string(current.generation() + 1);
    if (step.promote)
        return candidate + " becomes stable, replacing " + current.stable_version() + ", " +
               generations;
    const std::string from = current.canary_version() == candidate
                                 ? weightText(current.canary_weight_bp())
                                 : std::string("0 %");
    return candidate + " from " + from + " to " +
           weightText(static_cast<std::uint32_t>(step.weightBasisPoints)) + " of cards, " +
           modeName(step.mode) + " mode, " + generations;
}

RunView readRun(ControlClient& client) {
    RunView view;
    const auto run = client.rolloutRun();
    if (!run.ok()) {
        view.error = run.error->message;
        return view;
    }
    view.record = *run.value;
    if (view.record.revision() == 0)
        return view;
    const auto plan = nlohmann::json::parse(view.record.plan_json(), nullptr, false);
    const auto progress = nlohmann::json::parse(view.record.progress_json(), nullptr, false);
    if (plan.is_discarded() || progress.is_discarded()) {
        view.error = "the rollout run record is not JSON";
        return view;
    }
    std::string planError;
    view.plan = parseRolloutPlan(plan.dump(), &planError);
    if (!view.plan) {
        view.error = "the run's plan: " + planError;
        return view;
    }
    try {
        if (!progress.empty())
            view.progress = RolloutProgress::fromJson(progress);
    } catch (const std::exception& e) {
        view.error = e.what();
    }
    return view;
}

ActionResult RolloutActions::start(const RolloutPlan& plan, const std::string& candidate,
                                   const std::string& reason) {
    if (plan.steps.empty())
        return refused("the plan has no steps");
    const auto view = readRun(client_);
    if (!view.ok() && view.record.revision() == 0 && !view.error.empty())
        return refused("cannot read the rollout run: " + view.error);
    if (view.progress && !view.progress->finished()) {
        return refused("a rollout of " + view.progress->candidate + " is " +
                       stateName(view.progress->state) + " at step " +
                       stepName(*view.plan, view.progress->step) + "; abort it first");
    }
    const auto& rollout = view.record.rollout();
    if (rollout.stable_version() == candidate)
        return refused(candidate + " is the stable version already");
    const std::string change = describeStepChange(plan, 0, candidate, rollout);
    const auto applied = applyStep(client_, plan, 0, candidate, rollout, reason,
                                   {{"plan", plan.name}, {"step", stepName(plan, 0)}});
    if (!applied.ok())
        return callFailed("cannot start", *applied.error);
    RolloutProgress progress;
    progress.candidate = candidate;
    beginStep(progress, 0, *applied.value);
    if (plan.steps[0].promote)
        progress.state = RolloutProgress::State::Promoted;
    progress.record(applied.value->who(), "started: " + change + " (" + reason + ")");
    const auto written =
        writeProgress(client_, view.record.revision(), progress, reason, {}, rolloutPlanJson(plan));
    if (!written.ok())
        return callFailed("started (" + change + "), but the run record was not written",
                          *written.error);
    return {true, "started: " + change, std::nullopt};
}

namespace {

// The run as a person's action needs it: a plan and progress, or why not.
std::optional<ActionResult> needRun(const RunView& view) {
    if (!view.ok())
        return refused("cannot read the rollout run: " + view.error);
    if (!view.progress || !view.plan)
        return refused("no rollout has been started");
    return std::nullopt;
}

// Writes a person's change to the run's progress. A runner writes after every look, so a stale
// revision is most often its look, not a conflicting decision: the change is applied again to
// the newest progress (three tries at most), unless `apply` says it no longer fits.
struct ChangeWritten {
    std::optional<CallError> error;
    bool noLongerFits = false;  // `apply` refused the newest progress
};
ChangeWritten writeChange(ControlClient& client, RunView view,
                          const std::function<bool(RolloutProgress&)>& apply,
                          const std::string& reason) {
    for (int attempt = 1;; ++attempt) {
        RolloutProgress progress = *view.progress;
        if (!apply(progress)) {
            return {CallError{grpc::StatusCode::FAILED_PRECONDITION,
                              std::string("the rollout is now ") + stateName(progress.state),
                              {}},
                    true};
        }
        const auto written = writeProgress(client, view.record.revision(), progress, reason);
        if (written.ok())
            return {};
        if (attempt == 3 || written.error->code != grpc::StatusCode::FAILED_PRECONDITION)
            return {written.error, false};
        view = readRun(client);
        if (!view.ok() || !view.progress || !view.plan)
            return {written.error, false};
    }
}

}  // namespace

ActionResult RolloutActions::approve(const std::string& reason) {
    const auto view = readRun(client_);
    if (auto bad = needRun(view))
        return *bad;
    auto progress = *view.progress;
    if (progress.state != RolloutProgress::State::WaitingForApproval &&
        progress.state != RolloutProgress::State::Paused)
        return refused(std::string("the rollout is ") + stateName(progress.state) +
                       ", not waiting for approval");
    const std::size_t next = progress.step + 1;
    if (next >= view.plan->steps.size())
        return refused("the plan has no step after " + stepName(*view.plan, progress.step));
    const std::string change =
        describeStepChange(*view.plan, next, progress.candidate, view.record.rollout());
    const auto applied =
        applyStep(client_, *view.plan, next, progress.candidate, view.record.rollout(), reason,
                  {{"plan", view.plan->name}, {"step", stepName(*view.plan, next)}});
    if (!applied.ok())
        return callFailed("cannot approve", *applied.error);
    const std::string& who = applied.value->who();
    const auto written = writeChange(
        client_, view,
        [&](RolloutProgress& p) {
            if (p.finished() || p.step != progress.step)
                return false;  // someone else moved the run meanwhile
            beginStep(p, next, *applied.value);
            p.state = view.plan->steps[next].promote ? RolloutProgress::State::Promoted
                                                     : RolloutProgress::State::Running;
            p.reason = "approved by " + who;
            p.record(who, "approved: " + change + " (" + reason + ")");
            return true;
        },
        reason);
    if (written.error)
        return callFailed("approved (" + change + "), but the run record was not written",
                          *written.error);
    return {true, "approved: " + change, std::nullopt};
}

namespace {

// A change of the run's state alone (pause, resume): the rollout stays as it is; the progress
// records it under the caller's identity. `fits` says whether the progress still allows it.
ActionResult changeRunState(ControlClient& client, const RunView& view,
                            const std::function<bool(RolloutProgress&)>& fits,
                            RolloutProgress::State state, const std::string& verb,
                            const std::string& reason) {
    const auto me = client.whoAmI();
    const std::string who = me.ok() ? me.value->identity() : "unknown";
    std::string what;
    const auto written = writeChange(
        client, view,
        [&](RolloutProgress& progress) {
            if (!fits(progress))
                return false;
            what = verb + " " + stepName(*view.plan, progress.step);
            progress.state = state;
            progress.reason = verb + " by " + who + ": " + reason;
            progress.record(who, what + " (" + reason + ")");
            return true;
        },
        reason);
    if (written.error)
        return callFailed("cannot record '" + verb + "'", *written.error);
    return {true, what, std::nullopt};
}

// Ends the run with a rollout change (abort, promote now) made at the generation read, the
// step named in the audit annotation, then the progress written.
ActionResult endRunWith(
    ControlClient& client, const RunView& view,
    const std::function<Outcome<RolloutState>(const fraud::v1::ChangeRequest&)>& change,
    RolloutProgress::State state, const std::string& verb, const std::string& reason) {
    const RolloutProgress& read = *view.progress;
    if (read.finished())
        return refused(std::string("the rollout is ") + stateName(read.state));
    const std::string where = stepName(*view.plan, read.step);
    fraud::v1::ChangeRequest request;
    request.set_reason(reason);
    request.set_expected_generation(view.record.rollout().generation());
    (*request.mutable_annotations())["step"] = verb + " by hand at " + where;
    const auto changed = change(request);
    if (!changed.ok())
        return callFailed("cannot " + verb, *changed.error);
    const std::string& who = changed.value->who();
    const auto written = writeChange(
        client, view,
        [&](RolloutProgress& progress) {
            if (progress.finished())
                return false;  // a runner saw the change first and ended the run itself
            progress.state = state;
            progress.reason = verb + " by " + who + ": " + reason;
            progress.record(who,
                            verb + " " + progress.candidate + " at " + where + " (" + reason + ")");
            return true;
        },
        reason);
    if (written.error && !written.noLongerFits)
        return callFailed(verb + ", but the run record was not written", *written.error);
    return {true, verb + ": " + read.candidate, std::nullopt};
}

}  // namespace

ActionResult RolloutActions::pause(const std::string& reason) {
    const auto view = readRun(client_);
    if (auto bad = needRun(view))
        return *bad;
    if (view.progress->finished() || view.progress->state == RolloutProgress::State::Paused)
        return refused(std::string("the rollout is ") + stateName(view.progress->state));
    auto done = changeRunState(
        client_, view,
        [](const RolloutProgress& p) {
            return !p.finished() && p.state != RolloutProgress::State::Paused;
        },
        RolloutProgress::State::Paused, "paused at", reason);
    if (done.ok)
        done.message +=
            "; the canary stays at " + weightText(view.record.rollout().canary_weight_bp());
    return done;
}

ActionResult RolloutActions::resume(const std::string& reason) {
    const auto view = readRun(client_);
    if (auto bad = needRun(view))
        return *bad;
    if (view.progress->state != RolloutProgress::State::Paused)
        return refused(std::string("the rollout is ") + stateName(view.progress->state) +
                       ", not paused");
    return changeRunState(
        client_, view,
        [](RolloutProgress& p) {
            if (p.state != RolloutProgress::State::Paused)
                return false;
            ++p.maximumExtensions;  // another maximum duration to gather data in
            return true;
        },
        RolloutProgress::State::Running, "resumed", reason);
}

ActionResult RolloutActions::abort(const std::string& reason) {
    const auto view = readRun(client_);
    if (auto bad = needRun(view))
        return *bad;
    auto done = endRunWith(
        client_, view, [this](const fraud::v1::ChangeRequest& r) { return client_.abortCanary(r); },
        RolloutProgress::State::Aborted, "aborted", reason);
    if (done.ok)
        done.message += " no longer serves";
    return done;
}

ActionResult RolloutActions::promoteNow(const std::string& reason) {
    const auto view = readRun(client_);
    if (auto bad = needRun(view))
        return *bad;
    auto done = endRunWith(
        client_, view, [this](const fraud::v1::ChangeRequest& r) { return client_.promote(r); },
        RolloutProgress::State::Promoted, "promoted", reason);
    if (done.ok)
        done.message += " is stable";
    return done;
}

ActionResult RolloutActions::rollback(const std::string& reason) {
    const auto view = readRun(client_);
    fraud::v1::ChangeRequest request;
    request.set_reason(reason);
    request.set_expected_generation(view.record.rollout().generation());
    const auto back = client_.rollback(request);
    if (!back.ok())
        return callFailed("cannot roll back", *back.error);
    if (view.ok() && view.progress) {
        auto progress = *view.progress;
        progress.record(back.value->who(),
                        "rolled back to " + back.value->stable_version() + " (" + reason + ")");
        (void)writeProgress(client_, view.record.revision(), progress, reason);
    }
    return {true, "rolled back: " + back.value->stable_version() + " is stable", std::nullopt};
}

RolloutRunner::RolloutRunner(ReleaseTarget target, Settings settings)
    : target_(std::move(target)), settings_(std::move(settings)) {}

RolloutRunner::Result RolloutRunner::run(
    const std::atomic<bool>& stop, const std::function<void(const RolloutProgress&)>& onLook) {
    onLook_ = onLook;
    ControlClient client(target_.control);
    const auto ttl = settings_.leaseTtl.count();
    const auto sleepFor = [&](std::chrono::milliseconds d) {
        const auto until = Clock::now() + d;
        while (!stop && Clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    };
    // Two runners: one holds the lease, the other waits to take over.
    std::string leaseId;
    while (!stop && leaseId.empty()) {
        const auto lease = client.acquireLease(settings_.holder, ttl);
        if (!lease.ok())
            return {Outcome::Error, "cannot acquire the runner lease: " + lease.error->message};
        if (lease.value->granted())
            leaseId = lease.value->lease().lease_id();
        else
            sleepFor(std::min(settings_.interval, std::chrono::milliseconds(std::max<std::int64_t>(
                                                      100, lease.value->lease().remaining_ms()))));
    }
    if (stop)
        return {Outcome::Stopped, "stopped before it held the lease"};
    auto renewed = Clock::now();
    std::optional<Result> result;
    while (!stop && !result) {
        if (Clock::now() - renewed > settings_.leaseTtl / 3) {
            const auto lease = client.renewLease(leaseId, ttl);
            if (!lease.ok() || !lease.value->granted()) {
                return {Outcome::LeaseLost,
                        lease.ok() ? lease.value->reason() : lease.error->message};
            }
            renewed = Clock::now();
        }
        result = look(client, leaseId);
        if (!result)
            sleepFor(settings_.interval);
    }
    (void)client.releaseLease(leaseId);
    return result.value_or(Result{Outcome::Stopped, "stopped"});
}

std::optional<RolloutRunner::Result> RolloutRunner::look(ControlClient& client,
                                                         const std::string& leaseId) {
    const auto view = readRun(client);
    if (!view.ok())
        return std::nullopt;  // a replica or the record is unreadable: try again, change nothing
    if (!view.progress || !view.plan)
        return Result{Outcome::Error, "no rollout has been started"};
    auto progress = *view.progress;
    const RolloutPlan& plan = *view.plan;
    const auto& rollout = view.record.rollout();
    const auto written = [&](const std::string& reason) {
        const auto w = writeProgress(client, view.record.revision(), progress, reason, leaseId);
        if (w.ok() && onLook_)
            onLook_(progress);
        // Only a refusal of the lease itself ends the run ("lease_id: ..."); a stale revision
        // (a person wrote meanwhile, whatever their reason says) is read again at the next look.
        return w.ok() || w.error->code != grpc::StatusCode::FAILED_PRECONDITION ||
               !w.error->message.starts_with("lease_id: ");
    };
    switch (progress.state) {
        case RolloutProgress::State::Promoted:
            return Result{Outcome::Promoted, progress.candidate + " is stable"};
        case RolloutProgress::State::Aborted:
            return Result{Outcome::Aborted, progress.reason};
        case RolloutProgress::State::Paused:
            if (settings_.returnWhenBlocked)
                return Result{Outcome::Paused, progress.reason};
            return std::nullopt;
        case RolloutProgress::State::WaitingForApproval:
            if (settings_.returnWhenBlocked)
                return Result{Outcome::WaitingForApproval, progress.reason};
            return std::nullopt;
        case RolloutProgress::State::Running:
            break;
    }
    if (progress.step >= plan.steps.size())
        return Result{Outcome::Error, "the progress names a step past the plan's end"};
    // The rollout moved on without the progress: a runner applied the next step and went away
    // before writing it (adopt it), or a person changed the rollout by hand (pause).
    if (rollout.generation() != progress.stepGeneration) {
        const std::size_t next = progress.step + 1;
        if (next < plan.steps.size() && serves(plan, next, progress.candidate, rollout)) {
            beginStep(progress, next, rollout);
            if (plan.steps[next].promote)
                progress.state = RolloutProgress::State::Promoted;
            progress.record(settings_.holder, "resumed at " + stepName(plan, next) +
                                                  ", which the rollout already serves");
        } else if (serves(plan, progress.step, progress.candidate, rollout)) {
            progress.stepGeneration = rollout.generation();  // the same step, re-applied
        } else {
            progress.state = RolloutProgress::State::Paused;
            progress.reason = "the rollout was changed outside the plan: generation " +
                              std::to_string(rollout.generation()) + " by " + rollout.who() + " (" +
                              rollout.why() + ")";
            progress.record(settings_.holder, progress.reason);
        }
        if (!written("the run follows the rollout"))
            return Result{Outcome::LeaseLost, "the lease was lost"};
        return std::nullopt;
    }
    const RolloutStep& step = plan.steps[progress.step];
    const auto gates = gatesOf(plan, step);
    const std::string variant = step.mode == RolloutStep::Mode::Shadow ? "shadow" : "canary";
    ClusterCounters counters(target_.prometheus, target_.job);
    // Every replica serves the step before its evidence counts.
    const auto served = counters.servedGeneration();
    if (served.error || served.replicas == 0 || served.lowest < progress.stepGeneration) {
        progress.reason = served.error ? *served.error
                                       : "waiting for every replica to serve generation " +
                                             std::to_string(progress.stepGeneration);
        return written(progress.reason) ? std::nullopt
                                        : std::optional(Result{Outcome::LeaseLost, "lease lost"});
    }
    // A version's baselines never change (its manifest is immutable): read them once per pair.
    const std::string pair = progress.candidate + "\n" + rollout.stable_version();
    if (needsBaselines(gates) &&
        (baselinesOf_ != pair || baselines_.canary.empty() || baselines_.stable.empty())) {
        baselines_ = baselinesFor(listModels(client), progress.candidate, rollout.stable_version());
        baselinesOf_ = pair;
    }
    const ScoreBaselines& baselines = baselines_;
    StepEvidence evidence;
    try {
        evidence = progress.evidence.is_null()
                       ? StepEvidence(gates, variant, plan.alphaPerGate(), baselines)
                       : StepEvidence::fromJson(progress.evidence, gates, baselines);
    } catch (const std::exception& e) {
        evidence = StepEvidence(gates, variant, plan.alphaPerGate(), baselines);
        progress.record(
            settings_.holder,
            std::string("the step's evidence was unreadable and starts again: ") + e.what());
    }
    const auto read = counters.read(countersOf(gates, variant, baselines));
    if (read.error) {
        progress.reason = "cannot read the gates' counters: " + *read.error;
        return written(progress.reason) ? std::nullopt
                                        : std::optional(Result{Outcome::LeaseLost, "lease lost"});
    }
    const double elapsed =
        static_cast<double>(fraud::wallClockMillis() - progress.stepStartedMs) / 1000.0;
    evidence.observe(read.snapshot, elapsed);
    const auto results = evidence.results();
    progress.evidence = evidence.toJson();
    progress.results = resultsJson(results);
    std::vector<std::pair<std::string, gates::GateVerdict>> verdicts;
    for (const auto& r : results)
        verdicts.emplace_back(r.name, r.verdict);
    RolloutStep judged = step;
    judged.maximum = step.maximum * (1 + progress.maximumExtensions);
    const auto decision = decideStep(
        judged, verdicts, std::chrono::seconds(static_cast<long long>(std::max(0.0, elapsed))));
    progress.reason = decision.why;
    // The audit entry of a change says which step it applies and which step's gates caused it.
    std::map<std::string, std::string> annotations{{"plan", plan.name},
                                                   {"step", stepName(plan, progress.step)},
                                                   {"gates", progress.results.dump()},
                                                   {"decision", decision.why}};
    switch (decision.action) {
        case StepAction::Stay:
            break;
        case StepAction::WaitForApproval:
            progress.state = RolloutProgress::State::WaitingForApproval;
            progress.record(settings_.holder, stepName(plan, progress.step) + ": " + decision.why);
            break;
        case StepAction::Pause:
            progress.state = RolloutProgress::State::Paused;
            progress.record(settings_.holder, stepName(plan, progress.step) + ": " + decision.why);
            break;
        case StepAction::Abort: {
            fraud::v1::ChangeRequest request;
            request.set_reason(decision.why);
            request.set_expected_generation(rollout.generation());
            request.set_lease_id(leaseId);
            request.mutable_annotations()->insert(annotations.begin(), annotations.end());
            const auto aborted = client.abortCanary(request);
            if (!aborted.ok())
                return std::nullopt;  // the rollout changed meanwhile: look again
            progress.state = RolloutProgress::State::Aborted;
            progress.record(settings_.holder,
                            "aborted at " + stepName(plan, progress.step) + ": " + decision.why);
            break;
        }
        case StepAction::Advance: {
            const std::size_t next = progress.step + 1;
            if (next >= plan.steps.size())
                return Result{Outcome::Error, "the plan ends without promotion"};
            const std::string change = describeStepChange(plan, next, progress.candidate, rollout);
            annotations["passed"] = annotations["step"];
            annotations["step"] = stepName(plan, next);
            const auto applied = applyStep(client, plan, next, progress.candidate, rollout,
                                           decision.why + ": " + change, annotations, leaseId);
            if (!applied.ok())
                return std::nullopt;  // stale or the lease is gone: the next look says which
            progress.record(settings_.holder, stepName(plan, progress.step) + " passed (" +
                                                  decision.why + "): " + change);
            beginStep(progress, next, *applied.value);
            if (plan.steps[next].promote)
                progress.state = RolloutProgress::State::Promoted;
            break;
        }
    }
    if (!written(decision.why))
        return Result{Outcome::LeaseLost, "the lease was lost"};
    return std::nullopt;
}

RolloutRunner::Analysis RolloutRunner::analyze(const ReleaseTarget& target) {
    ControlClient client(target.control);
    const auto view = readRun(client);
    if (!view.ok()) {
        Analysis out;
        out.error = view.error;
        return out;
    }
    return analyze(target, view, listModels(client));
}

RolloutRunner::Analysis RolloutRunner::analyze(const ReleaseTarget& target, const RunView& view,
                                               const std::vector<fraud::v1::ModelInfo>& models) {
    Analysis out;
    if (!view.ok()) {
        out.error = view.error;
        return out;
    }
    if (!view.progress || !view.plan) {
        out.error = "no rollout has been started";
        return out;
    }
    const auto& progress = *view.progress;
    const RolloutPlan& plan = *view.plan;
    if (progress.finished() || progress.step >= plan.steps.size()) {
        out.error = std::string("the rollout is ") + stateName(progress.state);
        return out;
    }
    out.step = stepName(plan, progress.step);
    const RolloutStep& step = plan.steps[progress.step];
    const auto gates = gatesOf(plan, step);
    const std::string variant = step.mode == RolloutStep::Mode::Shadow ? "shadow" : "canary";
    ClusterCounters counters(target.prometheus, target.job);
    const auto baselines =
        needsBaselines(gates)
            ? baselinesFor(models, progress.candidate, view.record.rollout().stable_version())
            : ScoreBaselines{};
    StepEvidence evidence;
    try {
        evidence = progress.evidence.is_null()
                       ? StepEvidence(gates, variant, plan.alphaPerGate(), baselines)
                       : StepEvidence::fromJson(progress.evidence, gates, baselines);
    } catch (const std::exception& e) {
        out.error = std::string("the step's evidence: ") + e.what();
        return out;
    }
    const auto names = countersOf(gates, variant, baselines);
    for (const auto& g : gates) {
        std::vector<std::string> queries;
        for (const auto& name : countersOf({g}, variant, baselines)) {
            if (!name.starts_with("latency/"))  // every step's, not this gate's
                queries.push_back(counters.queryFor(name).toStdString());
        }
        out.queries[g.name] = std::move(queries);
    }
    if (evidence.looks() > 0) {
        const auto read = counters.read(names);
        if (read.error) {
            out.error = *read.error;
            return out;
        }
        evidence.observe(
            read.snapshot,
            static_cast<double>(fraud::wallClockMillis() - progress.stepStartedMs) / 1000.0);
    }
    out.results = evidence.results();
    out.latency = evidence.latencyBands();
    return out;
}

}  // namespace fraudops::rollout
