#pragma once

#include <QPointer>
#include <QSortFilterProxyModel>
#include <map>
#include <memory>
#include <optional>

#include "async/OffThreadCalls.h"
#include "drift/DriftReport.h"
#include "drift/FeatureDriftTableModel.h"
#include "prometheus/PrometheusClient.h"
#include "shell/ConsolePage.h"

class QDoubleSpinBox;
class QLabel;
class QTableView;

namespace fraudops {

using PsiSteps = std::map<qint64, DriftCounts>;

// What the PSI-over-time worker hands back: the steps it computed from (new when it turned a
// range answer into counts), and the series for the features selected when it was asked.
struct PsiOverTime {
    std::shared_ptr<const PsiSteps> steps;
    QStringList features;
    std::vector<PsiSeries> series;
};

class FeatureDriftDetail;
class TimeSeriesChart;

// For analysts: how the score and every input have drifted over the chosen range, cluster-
// wide. The counts come from Prometheus (each replica's values in each baseline bin, summed
// over replicas and the range, per model version, since each version has its own bins); the
// baselines and the dependency map from ListModels. The stable model is compared with its
// training baseline and the canary with the stable, each with a PSI interval and a verdict
// that knows its sample size (the bootstrap runs on a worker). A selected feature shows its
// histograms and what it is made of; the selected features' PSI over time is charted.
class DriftPage : public ConsolePage {
    Q_OBJECT
public:
    DriftPage(ConsoleSession& session, QWidget* parent);

    QString title() const override { return QStringLiteral("Drift"); }
    void refresh(const TimeWindow& window) override;
    PageContent content() const override;

    const FeatureDriftTableModel& featureModel() const { return model_; }
    const DriftReport& report() const { return model_.report(); }
    QTableView* featureTable() const { return table_; }
    FeatureDriftDetail* featureDetail() const { return detail_; }
    FeatureDriftDetail* scoreDetail() const { return score_; }
    TimeSeriesChart* psiChart() const { return psiChart_; }
    QString summaryText() const;
    // Selects these features (the detail shows the first; the chart all).
    void selectFeatures(const QStringList& features);
    QStringList selectedFeatures() const;
    void setThreshold(double psi);
    // Reports computed since the page was built (a test waits for the next one).
    int reportsComputed() const { return reports_; }

signals:
    void reportChanged();

private:
    void onModels();
    void onPrometheusClient();
    void onPrometheus(PrometheusClient::RequestId id, const PrometheusResult& result);
    void analyse();
    void onReport(DriftReport report);
    void showSelection();
    // PSI over time is computed on a worker (a range's counts, and a PSI per step, feature and
    // version: tens of milliseconds at a refresh each second) and drawn when it comes back.
    void drawPsiOverTime();
    void onPsiOverTime(PsiOverTime computed);
    void updateSummary();
    void fail(const QString& why);

    QPointer<PrometheusClient> prometheus_;
    std::optional<PrometheusClient::RequestId> binsId_, missingId_, rangeId_;
    std::optional<PrometheusResult> bins_, missing_;
    std::shared_ptr<const PsiSteps> steps_;     // null until a range query has answered
    std::optional<PrometheusResult> newRange_;  // a range answer not yet turned into steps
    bool psiComputing_ = false;
    bool psiAgain_ = false;
    QStringList psiModelVersions_;           // the catalog's versions at the last PSI
    QString stableVersion_, canaryVersion_;  // those of the last analysis's models
    TimeWindow window_;
    bool analysing_ = false;
    bool analyseAgain_ = false;
    int reports_ = 0;
    QString error_;

    FeatureDriftTableModel model_;
    QSortFilterProxyModel proxy_;
    QLabel* summary_;
    QDoubleSpinBox* threshold_;
    FeatureDriftDetail* score_;
    QTableView* table_;
    FeatureDriftDetail* detail_;
    TimeSeriesChart* psiChart_;
    // Last: each waits for a running computation, which uses nothing else of the page. Two,
    // so the chart is not held behind a bootstrap.
    OffThreadCalls analysis_;
    OffThreadCalls psiWork_;
};

}  // namespace fraudops
