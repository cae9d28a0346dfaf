#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>
#include <QTemporaryDir>
#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "ChildProcess.h"

namespace fraudops::test {

// A target and the labels Prometheus attaches to its series (as a scrape config would).
struct ScrapeTarget {
    QString address;
    std::map<QString, QString> labels;
};

// A real Prometheus (Debian's `prometheus`) on loopback, on a port the kernel picks, with its
// data in a temporary directory, scraping `targets` every second.
class PrometheusProcess {
public:
    static std::unique_ptr<PrometheusProcess> start(const QStringList& targets, QString* error);
    // With `ruleFiles`, evaluated every second.
    static std::unique_ptr<PrometheusProcess> start(const std::vector<ScrapeTarget>& targets,
                                                    const QString& job, QString* error,
                                                    const QStringList& ruleFiles = {});

    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(port_); }
    ChildProcess& child() { return child_; }
    // The `data.result` array of an instant query, or an empty array (and `error`) if the
    // query failed.
    QJsonArray query(const QString& promql, QString* error = nullptr) const;
    // Polls the query until `accept` takes its result, or the timeout.
    bool waitFor(const QString& promql, const std::function<bool(const QJsonArray&)>& accept,
                 std::chrono::milliseconds timeout, QJsonArray* last = nullptr) const;

private:
    QTemporaryDir dir_;
    ChildProcess child_;
    int port_ = 0;
};

}  // namespace fraudops::test
