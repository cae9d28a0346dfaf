#pragma once

#include <QDateTime>
#include <QString>
#include <atomic>
#include <chrono>
#include <memory>

#include "prometheus/AlertRules.h"
#include "prometheus/PrometheusResult.h"

namespace fraudops {

// Where a Prometheus is and how long to wait for it.
struct PrometheusEndpoint {
    QString baseUrl;  // e.g. http://127.0.0.1:9090
    QString bearerToken;
    std::chrono::milliseconds timeout{10'000};
};

// Prometheus's HTTP query API, blocking: for fraudctl, and for PrometheusClient's workers.
// `abort`, when set and cleared, stops a transfer at once.
PrometheusResult prometheusQuery(const PrometheusEndpoint& endpoint, const QString& expression,
                                 const QDateTime& at = {},
                                 std::shared_ptr<const std::atomic<bool>> abort = {});
PrometheusResult prometheusQueryRange(const PrometheusEndpoint& endpoint, const QString& expression,
                                      const QDateTime& start, const QDateTime& end,
                                      std::chrono::seconds step,
                                      std::shared_ptr<const std::atomic<bool>> abort = {});
// Every rule group Prometheus evaluates, with its alerts (/api/v1/rules).
AlertRules prometheusAlertRules(const PrometheusEndpoint& endpoint,
                                std::shared_ptr<const std::atomic<bool>> abort = {});
// The first sample of an instant query's first series (or its scalar), if there is one.
std::optional<double> firstValue(const PrometheusResult& result);

}  // namespace fraudops
