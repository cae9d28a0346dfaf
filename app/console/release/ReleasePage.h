#pragma once

#include <QPointer>
#include <QSortFilterProxyModel>
#include <optional>

#include "release/AuditTableModel.h"
#include "release/GateTableModel.h"
#include "release/VersionTableModel.h"
#include "rollout/ReleaseMonitor.h"
#include "shell/ConsolePage.h"

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableView;

namespace fraudops {

class EvidenceSparkline;
class HistogramChart;

// For release managers: the registry's versions (metrics, and two compared side by side with
// their score histograms), the current rollout (stable, canary, weight, mode, generation,
// each replica's convergence, who runs it), the plan (view, edit, start with a version), the
// current step's gates with their explanations and a sparkline of the evidence, the actions
// (approve, pause, resume, promote now, abort, roll back; each with a reason and a
// confirmation naming exactly what changes), and the audit history. Everything is read and
// done through the Control API by a ReleaseMonitor, off the GUI thread. A viewer token sees
// everything and changes nothing, and the page says why.
class ReleasePage : public ConsolePage {
    Q_OBJECT
public:
    using Action = rollout::ReleaseMonitor::Action;

    ReleasePage(ConsoleSession& session, QWidget* parent);

    QString title() const override { return QStringLiteral("Release"); }
    void refresh(const TimeWindow& window) override;
    PageContent content() const override;

    // What the confirmation of `action` says will change ("v3 from 20 % to 50 % of cards,
    // split mode, generation 14 → 15"); empty when the action does not apply now.
    QString confirmationFor(Action action) const;
    // Does `action` with `reason`, as the confirmed dialog would.
    void perform(Action action, const QString& reason);
    bool canAct(Action action) const;
    QString lastResult() const;
    QString statusText() const;
    QString readOnlyReason() const;
    GateTableModel& gates() { return gates_; }
    AuditTableModel& audit() { return audit_; }
    QString auditVerdict() const;
    VersionTableModel& versions() { return versions_; }
    std::optional<rollout::ReleaseSnapshot> snapshot() const { return snapshot_; }
    void showTab(const QString& name);
    void setPlanText(const QString& text);  // JSON or YAML
    // Reads a plan file into the editor; false, with the reason shown, if it cannot be read.
    bool openPlanFile(const QString& path);
    void setCandidate(const QString& version);
    int snapshotsReceived() const { return snapshots_; }

signals:
    void snapshotChanged();
    void actionFinished(bool ok, const QString& message);

private:
    void retarget();
    void onSnapshot(const rollout::ReleaseSnapshot& s);
    void onActionDone(Action action, bool ok, const QString& message);
    void updateButtons();
    void showGate();
    void showAuditVerdict(const std::optional<fraud::v1::AuditVerification>& verification);
    void compareVersions();
    void validatePlan();
    // The editor's plan in the chosen start mode, or why there is none.
    std::optional<RolloutPlan> planToStart(std::string* error) const;
    void askAndPerform(Action action);

    rollout::ReleaseMonitor monitor_;
    std::optional<rollout::ReleaseSnapshot> snapshot_;
    int snapshots_ = 0;
    GateTableModel gates_;
    AuditTableModel audit_;
    VersionTableModel versions_;
    QSortFilterProxyModel versionSort_;
    QLabel* status_;
    QLabel* readOnly_;
    QLabel* result_;
    QTabWidget* tabs_;
    QTableView* gateTable_;
    EvidenceSparkline* sparkline_;
    QLabel* gateDetail_;
    QLabel* latency_;
    QPlainTextEdit* plan_;
    QLabel* planCheck_;
    QComboBox* candidate_;
    QComboBox* startMode_;
    QPushButton* start_;
    QTableView* versionTable_;
    QComboBox* compareA_;
    QComboBox* compareB_;
    QLabel* comparison_;
    HistogramChart* compareChart_;
    QTableView* auditTable_;
    QLabel* auditVerdict_;  // the hash chain's verification, above the audit table
    QPushButton* drive_;
    std::map<Action, QPushButton*> buttons_;
};

}  // namespace fraudops
