#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "async/OffThreadCalls.h"
#include "rollout/RolloutRunner.h"

namespace fraudops::rollout {

// Everything the Release page shows, read at once off the GUI thread: the run record (plan,
// progress, the rollout, who holds the lease), the token's identity and role, the audit log,
// the registry's versions, and the current step's gates evaluated now.
struct ReleaseSnapshot {
    QString error;  // the cluster could not be read; the rest is what was known before
    RunView run;
    std::optional<fraud::v1::Identity> identity;
    std::vector<fraud::v1::AuditEntry> audit;                       // newest first
    std::optional<fraud::v1::AuditVerification> auditVerification;  // of the whole log
    std::vector<fraud::v1::ModelInfo> models;
    std::vector<GateResult> gates;
    std::string step;           // "2 of 6: split 5 %"
    std::string analysisError;  // why the gates could not be evaluated now
    std::map<std::string, std::vector<std::string>> queries;  // each gate's PromQL
    std::vector<LatencyBand> latency;                         // p99 bands, not gated
    // Each gate's evidence over the step, from the progress (for sparklines).
    std::map<std::string, std::vector<std::pair<double, double>>> history;
};

// The Release page's backend: reads a ReleaseSnapshot on request, makes a person's release
// actions (each off the GUI thread, one at a time, the result as a signal), and, when asked,
// drives the rollout itself with a RolloutRunner on a thread of its own (the console as the
// runner: if it closes, the canary stays at its weight until another runner takes the lease).
class ReleaseMonitor : public QObject {
    Q_OBJECT
public:
    enum class Action { Start, Approve, Pause, Resume, Abort, PromoteNow, Rollback };
    static QString actionName(Action action);  // "start", "approve", ...

    explicit ReleaseMonitor(QObject* parent = nullptr);
    ~ReleaseMonitor() override;

    void setTarget(ReleaseTarget target);
    bool hasTarget() const { return !target_.control.address.empty(); }
    // Reads a snapshot, unless one is being read.
    void refresh();
    // A person's action; `plan` and `candidate` for Start only. Refused (actionDone, false)
    // while another is in flight.
    void act(Action action, const QString& reason, const QString& planJson = {},
             const QString& candidate = {});
    bool acting() const { return acting_; }

    // Drives the current rollout from this process until stopped, finished or blocked.
    void startDriving(const QString& holder);
    void stopDriving();
    bool driving() const { return driving_; }

signals:
    void snapshotReady(const fraudops::rollout::ReleaseSnapshot& snapshot);
    void actionDone(fraudops::rollout::ReleaseMonitor::Action action, bool ok,
                    const QString& message);
    void drivingChanged(bool driving, const QString& outcome);

private:
    ReleaseTarget target_;
    bool reading_ = false;
    bool acting_ = false;
    bool driving_ = false;
    std::shared_ptr<std::atomic<bool>> stopDriving_;
    std::thread driver_;
    OffThreadCalls calls_{this, 3};
};

}  // namespace fraudops::rollout
