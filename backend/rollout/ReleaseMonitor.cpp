#include "rollout/ReleaseMonitor.h"

namespace fraudops::rollout {

QString ReleaseMonitor::actionName(Action action) {
    switch (action) {
        case Action::Start:
            return QStringLiteral("start");
        case Action::Approve:
            return QStringLiteral("approve");
        case Action::Pause:
            return QStringLiteral("pause");
        case Action::Resume:
            return QStringLiteral("resume");
        case Action::Abort:
            return QStringLiteral("abort");
        case Action::PromoteNow:
            return QStringLiteral("promote now");
        case Action::Rollback:
            return QStringLiteral("roll back");
    }
    return {};
}

ReleaseMonitor::ReleaseMonitor(QObject* parent) : QObject(parent) {}

ReleaseMonitor::~ReleaseMonitor() {
    if (stopDriving_)
        stopDriving_->store(true);
    if (driver_.joinable())
        driver_.join();
}

void ReleaseMonitor::setTarget(ReleaseTarget target) {
    target_ = std::move(target);
}

void ReleaseMonitor::refresh() {
    if (reading_ || !hasTarget())
        return;
    reading_ = true;
    calls_.run(
        [target = target_] {
            ReleaseSnapshot s;
            ControlClient client(target.control);
            s.run = readRun(client);
            if (!s.run.ok())
                s.error = QString::fromStdString(s.run.error);
            if (const auto me = client.whoAmI(); me.ok())
                s.identity = *me.value;
            if (const auto audit = client.audit(100); audit.ok()) {
                s.audit.assign(audit.value->entries().begin(), audit.value->entries().end());
                if (audit.value->has_verification())
                    s.auditVerification = audit.value->verification();
            }
            if (const auto models = client.models(); models.ok())
                s.models.assign(models.value->models().begin(), models.value->models().end());
            if (s.run.progress && !s.run.progress->finished()) {
                const auto analysis = RolloutRunner::analyze(target, s.run, s.models);
                s.gates = analysis.results;
                s.queries = analysis.queries;
                s.latency = analysis.latency;
                s.step = analysis.step;
                s.analysisError = analysis.error;
                const auto& evidence = s.run.progress->evidence;
                if (evidence.is_object() && evidence.contains("history")) {
                    try {
                        s.history = evidence["history"]
                                        .get<std::map<std::string,
                                                      std::vector<std::pair<double, double>>>>();
                    } catch (const std::exception&) {
                        s.history.clear();  // a sparkline is not worth an error
                    }
                }
            }
            return s;
        },
        [this](ReleaseSnapshot s) {
            reading_ = false;
            emit snapshotReady(s);
        });
}

void ReleaseMonitor::act(Action action, const QString& reason, const QString& planJson,
                         const QString& candidate) {
    if (acting_ || !hasTarget()) {
        emit actionDone(action, false,
                        acting_ ? QStringLiteral("another action is in flight")
                                : QStringLiteral("no cluster is connected"));
        return;
    }
    acting_ = true;
    calls_.run(
        [target = target_, action, reason = reason.toStdString(), plan = planJson.toStdString(),
         candidate = candidate.toStdString()] {
            ControlClient client(target.control);
            RolloutActions actions(client);
            switch (action) {
                case Action::Start: {
                    std::string error;
                    const auto parsed = parseRolloutPlan(plan, &error);
                    if (!parsed)
                        return ActionResult{false, "the plan: " + error, std::nullopt};
                    return actions.start(*parsed, candidate, reason);
                }
                case Action::Approve:
                    return actions.approve(reason);
                case Action::Pause:
                    return actions.pause(reason);
                case Action::Resume:
                    return actions.resume(reason);
                case Action::Abort:
                    return actions.abort(reason);
                case Action::PromoteNow:
                    return actions.promoteNow(reason);
                case Action::Rollback:
                    return actions.rollback(reason);
            }
            return ActionResult{};
        },
        [this, action](ActionResult result) {
            acting_ = false;
            emit actionDone(action, result.ok, QString::fromStdString(result.message));
            refresh();
        });
}

void ReleaseMonitor::startDriving(const QString& holder) {
    if (driving_ || !hasTarget())
        return;
    if (driver_.joinable())
        driver_.join();
    driving_ = true;
    stopDriving_ = std::make_shared<std::atomic<bool>>(false);
    emit drivingChanged(true, {});
    RolloutRunner::Settings settings;
    settings.holder = holder.toStdString();
    driver_ = std::thread([this, target = target_, settings, stop = stopDriving_] {
        RolloutRunner runner(target, settings);
        const auto result = runner.run(*stop);
        const QString outcome = QString::fromStdString(std::string(outcomeName(result.outcome)) +
                                                       ": " + result.message);
        QMetaObject::invokeMethod(
            this,
            [this, outcome] {
                driving_ = false;
                emit drivingChanged(false, outcome);
            },
            Qt::QueuedConnection);
    });
}

void ReleaseMonitor::stopDriving() {
    if (stopDriving_)
        stopDriving_->store(true);
}

}  // namespace fraudops::rollout
