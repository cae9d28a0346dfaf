#pragma once

#include <QMetaType>
#include <QObject>
#include <memory>
#include <vector>

#include "ConnectionProfile.h"
#include "control/ReplicaStatusPoller.h"
#include "prometheus/PrometheusClient.h"

namespace fraudops {

// What "Test connection" found for a profile.
struct ConnectionReport {
    struct Scorer {
        QString address;
        bool answered = false;  // GetStatus succeeded
        QString replica;        // its --replica-name
        quint64 generation = 0;
        QString stableVersion, canaryVersion;
        QString error;  // why not, e.g. "UNAUTHENTICATED: ..."
    };
    std::vector<Scorer> scorers;
    bool prometheusAnswered = false;
    int targets = 0, targetsUp = 0;  // of the profile's scrape job
    QString prometheusError;
    bool allGood() const;
};

// Calls GetStatus on every scorer of a profile and asks its Prometheus for the scrape job's
// `up`, all off the caller's thread; `finished` comes once with everything.
class ConnectionCheck : public QObject {
    Q_OBJECT
public:
    explicit ConnectionCheck(QObject* parent = nullptr);
    ~ConnectionCheck() override;

    void run(const ConnectionProfile& profile, const QString& token);

signals:
    void finished(const fraudops::ConnectionReport& report);

private:
    void oneDone();

    ConnectionReport report_;
    int pending_ = 0;
    quint64 run_ = 0;
    std::unique_ptr<ReplicaStatusPoller> scorers_;
    std::unique_ptr<PrometheusClient> prometheus_;
    PrometheusClient::RequestId upQuery_ = 0;
};

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::ConnectionReport)
