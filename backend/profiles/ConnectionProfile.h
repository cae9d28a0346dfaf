#pragma once

#include <QSettings>
#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

#include "scoring/ScorerChannel.h"

namespace fraudops {

// Where a cluster is and how to reach it. Tokens never sit in the settings: the profile says
// where the token comes from (the system keychain, an environment variable, a file; see
// ProfileToken for the order).
struct ConnectionProfile {
    QString name;
    QStringList scorerEndpoints;  // host:port; empty for `local` (the local cluster's own)
    QString prometheusUrl;        // empty for `local`
    // The Prometheus job that scrapes the scorers (`up` and process metrics are per job).
    QString scrapeJob = QStringLiteral("fraud-scorer");
    int scrapeIntervalSeconds = 15;  // that job's; sizes the windows of rate()
    bool tls = false;
    QString caFile;      // CA bundle that signed the scorers' certificates; empty: system roots
    QString serverName;  // name checked against the certificate, if not the endpoint's host
    // 99 % of Score calls within this; the rules' burn-rate alerts use the same (2 ms, the
    // histogram edge le="0.002"; docs/operations.md, "The latency SLO").
    double latencySloMs = 2.0;
    bool tokenInKeychain = false;
    QString tokenEnvironmentVariable;  // e.g. FRAUDOPS_TOKEN
    QString tokenFile;
    // `local` only: the work directory of the local cluster the console last started (its
    // cluster.json says where the replicas answer).
    QString localClusterDir;

    bool isLocal() const { return name == "local"; }
    // How to call the scorer at `address` with this profile's TLS settings and `token`.
    ScorerEndpoint endpoint(const QString& address, const QString& token) const;
};

// The profiles saved in `settings` ("profiles/<name>/..."), less the built-in `local`. Values
// are as a user's editor may have left them: ProfileValidation says what is wrong with one.
std::vector<ConnectionProfile> readProfiles(QSettings& settings);

// Profiles in QSettings ("profiles/<name>/..."), plus the built-in `local`.
class ProfileStore {
public:
    std::vector<ConnectionProfile> all() const;
    std::optional<ConnectionProfile> find(const QString& name) const;
    void save(const ConnectionProfile& profile);
    void remove(const QString& name);
    static ConnectionProfile local();
    // Where the console's local cluster runs, for `local`'s localClusterDir.
    static void rememberLocalClusterDir(const QString& workDir);
};

}  // namespace fraudops
