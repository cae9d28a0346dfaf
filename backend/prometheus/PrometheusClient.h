#pragma once

#include <QDateTime>
#include <QObject>
#include <atomic>
#include <chrono>

#include "async/OffThreadCalls.h"
#include "prometheus/PrometheusHttp.h"

namespace fraudops {

// Prometheus's HTTP query API, off the caller's thread: each query runs on a worker of the
// client's own pool (libcurl, with a total timeout, so a server that accepts and never
// answers ends in a Timeout error) and its result, data or error, comes back as a value
// through the queued signal `finished`. Destroying the client aborts transfers in flight.
class PrometheusClient : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString baseUrl;  // e.g. http://127.0.0.1:9090
        QString bearerToken;
        std::chrono::milliseconds timeout{10'000};
        int workers = 4;
    };
    explicit PrometheusClient(Options options, QObject* parent = nullptr);
    ~PrometheusClient() override;

    using RequestId = quint64;
    // An instant query at `at` (now if invalid).
    RequestId query(const QString& expression, const QDateTime& at = {});
    RequestId queryRange(const QString& expression, const QDateTime& start, const QDateTime& end,
                         std::chrono::seconds step);
    // The rules Prometheus evaluates, and their alerts.
    RequestId alertRules();
    const Options& options() const { return options_; }

signals:
    void finished(fraudops::PrometheusClient::RequestId id, fraudops::PrometheusResult result);
    void alertRulesFinished(fraudops::PrometheusClient::RequestId id, fraudops::AlertRules rules);

private:
    PrometheusEndpoint endpoint() const;

    Options options_;
    std::atomic<RequestId> nextId_{1};
    OffThreadCalls calls_;  // last: its destructor waits for calls that use the members above
};

}  // namespace fraudops
