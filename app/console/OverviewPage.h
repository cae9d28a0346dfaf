#pragma once

#include <QWidget>
#include <chrono>

#include "PrometheusPanels.h"

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
    void refresh(std::chrono::seconds span) { panels_.refresh(span); }
    bool hasData() const { return panels_.hadDataEverywhere(); }
    PrometheusPanels& panels() { return panels_; }

    // The capacity tile's target: replicas needed for this rate at 70 % CPU.
    static constexpr double kTargetRate = 10'000;

private:
    PrometheusPanels panels_;
    StatTile* latency_ = nullptr;
    TimeSeriesChart* latencyChart_ = nullptr;
    double sloMs_ = 2.0;
    int desiredReplicas_ = 0;
};

}  // namespace fraudops
