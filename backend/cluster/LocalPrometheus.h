#pragma once

#include <QObject>
#include <QString>
#include <QTimer>
#include <chrono>
#include <vector>

namespace fraudops {

class ProcessSupervisor;

// A scorer replica Prometheus scrapes, with the labels it gets.
struct ScrapeTarget {
    QString metricsAddress;  // host:port of /metrics
    QString replica;         // the `replica` label
    QString grpcAddress;     // the `grpc_address` label
};

// The local cluster's real Prometheus: its configuration and data in `workDir`, its targets
// in a file_sd file rewritten whenever setTargets() changes them (Prometheus re-reads it
// within a second), its address read from its log. It listens on a free port, and on the
// same port again after a restart (with backoff) so that the console's URL stays valid. It
// evaluates the project's rules file (resources/prometheus/rules.yml) and scrapes itself, for
// the rules about its own scrapes and evaluations.
class LocalPrometheus : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString binary = QStringLiteral("prometheus");
        QString workDir;
        QString rulesFile;  // none: no rules, and the Alerts page says so
        std::chrono::seconds scrapeInterval{2};
        std::chrono::seconds evaluationInterval{5};
    };
    LocalPrometheus(ProcessSupervisor& supervisor, Options options, QObject* parent = nullptr);

    // Starts it (its earlier data removed: an earlier run's replicas would count as up for
    // five minutes, Prometheus's lookback, and mix with this run's).
    void start();
    // From now on it is not restarted when it exits.
    void stopRestarting() { stopping_ = true; }
    void setTargets(const std::vector<ScrapeTarget>& targets);

    bool up() const { return up_; }
    QString url() const { return url_; }  // empty until it listened once
    qint64 pid() const { return pid_; }

signals:
    void changed();  // up, url or pid changed
    void exited();   // the process ended (restarted unless stopping)

private:
    void launch();
    void watchLog(const QString& logPath, qint64 from);

    void writeSelfTarget();

    ProcessSupervisor& supervisor_;
    Options options_;
    bool up_ = false, stopping_ = false, running_ = false;
    QString url_;
    qint64 pid_ = 0;
};

}  // namespace fraudops
