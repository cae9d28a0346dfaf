#pragma once

#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

namespace fraudops {

// Where a cluster is and how to reach it. Tokens never sit in the settings: the profile
// names where the token comes from (an environment variable or a file).
struct ConnectionProfile {
    QString name;
    QStringList scorerEndpoints;  // host:port; empty for `local` (the local cluster's own)
    QString prometheusUrl;        // empty for `local`
    bool tls = false;
    QString caFile;
    double latencySloMs = 2.0;
    QString tokenEnvironmentVariable;  // e.g. FRAUDOPS_TOKEN
    QString tokenFile;
    bool isLocal() const { return name == "local"; }
    // The token from the environment variable or the file, if either is set and readable.
    QString token() const;
};

// Profiles in QSettings ("profiles/<name>/..."), plus the built-in `local`.
class ProfileStore {
public:
    std::vector<ConnectionProfile> all() const;
    std::optional<ConnectionProfile> find(const QString& name) const;
    void save(const ConnectionProfile& profile);
    static ConnectionProfile local();
};

}  // namespace fraudops
