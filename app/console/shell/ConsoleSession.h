#pragma once

#include <QObject>
#include <QPointer>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "cluster/LocalClusterState.h"
#include "common/ConsistentHashRing.h"
#include "control/AsyncControlClient.h"
#include "control/ReplicaStatusPoller.h"
#include "decisions/DecisionStream.h"
#include "models/ModelCatalog.h"
#include "profiles/ConnectionProfile.h"
#include "profiles/ProfileToken.h"
#include "prometheus/PrometheusClient.h"
#include "scoring/AsyncScoringClient.h"

namespace fraudops {

class LocalCluster;

// The connection the console has open, owned in one place: the profile, its token (from the
// keychain, asynchronously), the Prometheus client, the scorers' Control channels (a
// ReplicaStatusPoller) and, for the `local` profile, the embedded local cluster. Pages read
// it and react to what it announces; none of them builds a client of its own.
class ConsoleSession : public QObject {
    Q_OBJECT
public:
    ConsoleSession(ConnectionProfile profile, LocalCluster* local, QObject* parent = nullptr);
    ~ConsoleSession() override;

    // Switches to `profile`: announces it, then looks its token up; `ready` once known.
    void open(const ConnectionProfile& profile);
    const ConnectionProfile& profile() const { return profile_; }
    // The local cluster, when the open profile is `local` and the console runs one.
    LocalCluster* localCluster() const;
    // Null until Prometheus's address is known (a local one's once it listens).
    PrometheusClient* prometheus() const { return prometheus_.get(); }
    QString scrapeJob() const { return profile_.scrapeJob; }
    std::chrono::seconds scrapeInterval() const;
    // Replicas the cluster should have: the local cluster's desired count, or the profile's.
    int desiredReplicas() const;
    // The local demo traffic's warm-up progress (0 to 1) until it runs live (0 before its
    // generator starts); nothing when live, without demo traffic, or not local.
    std::optional<double> warmup() const;

    QString token() const { return token_; }
    // Where the token came from ("keychain", ...), or "" before it is known.
    QString tokenSource() const { return tokenSource_; }
    bool tokenKnown() const { return !tokenSource_.isEmpty(); }
    void setKeychainToken(const QString& token);
    void forgetKeychainToken();

    // One Control channel per replica; pollScorers() asks every replica's status.
    ReplicaStatusPoller& scorers() { return scorers_; }
    void pollScorers();
    // Live decisions of every replica of the open connection (its token and TLS), for a page
    // to connect to and start; it follows the replicas as they are now.
    std::unique_ptr<DecisionStream> watchDecisions(const fraud::v1::WatchDecisionsRequest& request,
                                                   QObject* parent = nullptr) const;
    // The replicas of the open connection, with its token and TLS.
    std::vector<ScorerEndpoint> scorerEndpoints() const;
    // The Control API of one replica (the registry is the cluster's), for reads such as the
    // models' manifests; null until a replica is known.
    AsyncControlClient* control() const { return control_.get(); }
    // The registry's versions, manifests and roles, read through control(); pages refresh it.
    ModelCatalog& models() { return models_; }
    // The Scoring API of the replica that has `cardId`'s history: the one its live traffic
    // goes to (the consistent-hash ring fraud-loadgen uses). Null until a replica is known.
    AsyncScoringClient* scoringFor(const std::string& cardId) const;
    // The Scoring API client of the replica at `address`; null if none is.
    AsyncScoringClient* scoringAt(const std::string& address) const;
    // What a page's Prometheus query found, for the status bar: up, or why not.
    void notePrometheusAnswer(bool ok, const QString& error);

signals:
    void profileChanged(const fraudops::ConnectionProfile& profile);
    // The token is known and every client points at the open profile: read everything again.
    void ready();
    void prometheusChanged();
    void prometheusAnswered(bool ok, const QString& error);
    void tokenResolved(const fraudops::TokenLookup& lookup);
    void keychainFailed(const QString& error);
    void localStateChanged(const fraudops::LocalClusterState& state);
    // The demo's warm-up began, progressed or ended.
    void warmupChanged();
    // The replicas (or the token) changed: streams and clients of the old ones are stale.
    void scorersChanged();

private:
    void onToken(const TokenLookup& lookup);
    void onLocalState(const LocalClusterState& state);
    void setPrometheusUrl(const QString& url);
    void updateScorerEndpoints();
    void onStatusRound(const std::vector<ReplicaStatusReading>& readings);

    ConnectionProfile profile_;
    QPointer<LocalCluster> local_;
    ProfileToken tokens_;
    QString token_, tokenSource_;
    std::unique_ptr<PrometheusClient> prometheus_;
    QString prometheusUrl_;
    ReplicaStatusPoller scorers_;
    std::vector<std::string> endpointAddresses_;
    std::unique_ptr<AsyncControlClient> control_;
    ModelCatalog models_;
    std::vector<std::unique_ptr<AsyncScoringClient>> scoring_;  // by endpointAddresses_
    fraud::ConsistentHashRing ring_;
    // The replicas that answered the last status round and are not draining: test
    // transactions go to these, so a card's moves off a replica that is being restarted.
    fraud::ConsistentHashRing servingRing_;
    std::optional<double> warmup_;
};

}  // namespace fraudops
