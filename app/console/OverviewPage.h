#pragma once

#include <QWidget>
#include <chrono>
#include <optional>

#include "PrometheusPanels.h"

class QLabel;

namespace fraudops {

class StatTile;
class TimeSeriesChart;

// For SREs: tiles (scores/s, p99 against the SLO, error rate, decline rate, replicas up /
// desired, drift, capacity) and charts (throughput by variant, latency percentiles with the
// SLO line, errors by status code, decisions by outcome), all from Prometheus.
class OverviewPage : public QWidget {
    Q_OBJECT
public:
    explicit OverviewPage(QWidget* parent = nullptr);

    void setClient(PrometheusClient* client) { panels_.setClient(client); }
    void setLatencySlo(double milliseconds);
    void setDesiredReplicas(int n) { desiredReplicas_ = n; }
    void refresh(std::chrono::seconds span);
    bool hasData() const { return !warmup_ && panels_.hadDataEverywhere(); }
    // The local demo traffic warms card histories (progress 0 to 1): the page says so instead
    // of showing figures. Nothing: live.
    void setWarmup(std::optional<double> progress);
    bool warmingUp() const { return warmup_.has_value(); }
    PrometheusPanels& panels() { return panels_; }

    // The capacity tile's target: replicas needed for this rate at 70 % CPU.
    static constexpr double kTargetRate = 10'000;
    // Scores a replica's drift window needs before its PSI means anything. With the
    // baselines' 10 bins, sampling noise alone gives PSI ~ (bins - 1) / n (a chi-square over
    // n): 0.018 at 500 scores, and 99 % of windows without drift stay under 0.04, well inside
    // the 0.1 "stable" band; at 100 scores the noise alone would reach it.
    static constexpr int kMinDriftSamples = 500;

private:
    void showDrift();

    PrometheusPanels panels_;
    QLabel* banner_ = nullptr;
    std::optional<double> warmup_;
    StatTile* drift_ = nullptr;
    std::optional<double> driftPsi_;
    std::optional<double> driftSamples_;
    QString driftFeature_;
    QString driftCyclic_;
    StatTile* latency_ = nullptr;
    TimeSeriesChart* latencyChart_ = nullptr;
    double sloMs_ = 2.0;
    int desiredReplicas_ = 0;
};

}  // namespace fraudops
