#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QObject>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "async/OffThreadCalls.h"
#include "cluster/ReplicaHealth.h"
#include "fraud/v1/control.pb.h"
#include "scoring/ScorerChannel.h"

namespace fraudops {

class ControlClient;

// What one GetStatus of one replica found.
struct ReplicaStatusReading {
    QString address;
    // Up (it answered), Refused (it answered UNAUTHENTICATED or PERMISSION_DENIED: the token
    // is not accepted) or Down (anything else: not listening, deadline, TLS).
    ReplicaHealth health = ReplicaHealth::Unknown;
    std::optional<fraud::v1::ReplicaStatus> status;
    QString error;  // "UNAVAILABLE: ...", when it did not answer
    QDateTime at;
};

// GetStatus of every replica of a cluster, off the caller's thread: poll() asks each address
// once (an address whose previous call is still out is not asked again), `polled` brings each
// answer as it comes, and `roundFinished` all of a round's once the last is in. One channel
// per address, kept across polls. Used by the Cluster page and the connection check.
class ReplicaStatusPoller : public QObject {
    Q_OBJECT
public:
    explicit ReplicaStatusPoller(QObject* parent = nullptr);
    ~ReplicaStatusPoller() override;

    // The replicas to ask, each with its connection (address, token, TLS, deadline).
    void setEndpoints(const std::vector<ScorerEndpoint>& endpoints);
    void poll();
    std::optional<ReplicaStatusReading> latest(const QString& address) const;

signals:
    void polled(const fraudops::ReplicaStatusReading& reading);
    void roundFinished(const std::vector<fraudops::ReplicaStatusReading>& readings);

private:
    void onReading(quint64 round, ReplicaStatusReading reading);

    std::map<QString, std::shared_ptr<ControlClient>> clients_;  // by address
    std::map<QString, QString> setupErrors_;                     // a TLS file unreadable
    std::map<QString, ReplicaStatusReading> latest_;
    std::set<QString> inFlight_;
    quint64 round_ = 0;
    quint64 epoch_ = 0;  // setEndpoints() calls: answers on older channels are dropped
    std::vector<ReplicaStatusReading> roundReadings_;
    std::set<QString> roundPending_;
    OffThreadCalls calls_;  // last: waits for calls that use the clients
};

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::ReplicaStatusReading)
