#pragma once

#include <QPointer>
#include <optional>
#include <vector>

#include "charts/ChartAnnotation.h"
#include "control/AsyncControlClient.h"
#include "shell/ConsolePage.h"
#include "shell/PrometheusPanels.h"

namespace fraudops {

class StatTile;
class TimeSeriesChart;

// For SREs: tiles (scores/s, p99 against the SLO, error rate, calls shed for overload,
// decline rate, replicas up /
// desired, drift, capacity) and charts (throughput by variant, latency percentiles with the
// SLO line, errors by status code, decisions by outcome), all from Prometheus.
class OverviewPage : public ConsolePage {
    Q_OBJECT
public:
    OverviewPage(ConsoleSession& session, QWidget* parent);

    QString title() const override { return QStringLiteral("Overview"); }
    void refresh(const TimeWindow& window) override;
    PageContent content() const override;
    PrometheusPanels& panels() { return panels_; }
    // Rollout events from the audit log (steps, aborts, promotions), drawn on every chart.
    const std::vector<ChartAnnotation>& rolloutAnnotations() const { return annotations_; }
    // The annotation of one audit entry: "v3 20 % split (1 of 6: split 20 %)", "promote v3".
    static ChartAnnotation annotationOf(const fraud::v1::AuditEntry& entry);

    // The capacity tile's target: replicas needed for this rate at 70 % CPU.
    static constexpr double kTargetRate = 10'000;
    // Scores a replica's drift window needs before its PSI means anything. With the
    // baselines' 10 bins, sampling noise alone gives PSI ~ (bins - 1) / n (a chi-square over
    // n): 0.018 at 500 scores, and 99 % of windows without drift stay under 0.04, well inside
    // the 0.1 "stable" band; at 100 scores the noise alone would reach it.
    static constexpr int kMinDriftSamples = 500;

private:
    void showDrift();
    void showWarmup();
    void setLatencySlo(double milliseconds);
    void readAudit();
    void onAudit(AsyncControlClient::RequestId id, const Outcome<fraud::v1::AuditLog>& outcome);

    PrometheusPanels panels_;
    StatTile* scores_ = nullptr;
    StatTile* replicas_ = nullptr;
    StatTile* drift_ = nullptr;
    std::optional<double> driftPsi_;
    std::optional<double> driftSamples_;
    QString driftFeature_;
    QString driftCyclic_;
    StatTile* latency_ = nullptr;
    TimeSeriesChart* latencyChart_ = nullptr;
    QPointer<AsyncControlClient> control_;
    std::optional<AsyncControlClient::RequestId> auditInFlight_;
    std::vector<ChartAnnotation> annotations_;
};

}  // namespace fraudops
