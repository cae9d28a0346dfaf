#include "ConnectionProfile.h"

#include <QSettings>
#include <QStandardPaths>

namespace fraudops {

ScorerEndpoint ConnectionProfile::endpoint(const QString& address, const QString& token) const {
    ScorerEndpoint e;
    e.address = address.toStdString();
    e.bearerToken = token.toStdString();
    e.tls = tls;
    e.caFile = caFile.toStdString();
    e.serverName = serverName.toStdString();
    return e;
}

ConnectionProfile ProfileStore::local() {
    ConnectionProfile p;
    p.name = "local";
    p.latencySloMs = 2.0;  // the SLO of resources/prometheus/rules.yml
    p.tokenEnvironmentVariable = "FRAUDOPS_TOKEN";
    // The built-in profile's only setting: whether its token is in the keychain.
    p.tokenInKeychain = QSettings().value("profiles/local/token_in_keychain", false).toBool();
    p.localClusterDir =
        QSettings()
            .value("profiles/local/work_dir",
                   QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                       "/local-cluster")
            .toString();
    return p;
}

void ProfileStore::rememberLocalClusterDir(const QString& workDir) {
    QSettings().setValue("profiles/local/work_dir", workDir);
}

std::vector<ConnectionProfile> readProfiles(QSettings& settings) {
    std::vector<ConnectionProfile> out;
    settings.beginGroup("profiles");
    for (const QString& name : settings.childGroups()) {
        // A line "\\scorers=..." under [profiles] makes a group without a name (the connection
        // profile fuzzer found it): it could be neither opened nor removed (removing "profiles/"
        // would remove every profile), so it is not a profile.
        if (name == "local" || name.isEmpty())
            continue;
        settings.beginGroup(name);
        ConnectionProfile p;
        p.name = name;
        p.scorerEndpoints = settings.value("scorers").toStringList();
        p.prometheusUrl = settings.value("prometheus").toString();
        p.scrapeJob = settings.value("scrape_job", p.scrapeJob).toString();
        p.scrapeIntervalSeconds =
            settings.value("scrape_interval_s", p.scrapeIntervalSeconds).toInt();
        p.tls = settings.value("tls", false).toBool();
        p.caFile = settings.value("ca").toString();
        p.serverName = settings.value("server_name").toString();
        p.latencySloMs = settings.value("latency_slo_ms", 2.0).toDouble();
        p.tokenInKeychain = settings.value("token_in_keychain", false).toBool();
        p.tokenEnvironmentVariable = settings.value("token_env").toString();
        p.tokenFile = settings.value("token_file").toString();
        settings.endGroup();
        out.push_back(p);
    }
    settings.endGroup();
    return out;
}

std::vector<ConnectionProfile> ProfileStore::all() const {
    std::vector<ConnectionProfile> out{local()};
    QSettings settings;
    for (auto& p : readProfiles(settings))
        out.push_back(std::move(p));
    return out;
}

std::optional<ConnectionProfile> ProfileStore::find(const QString& name) const {
    for (const auto& p : all()) {
        if (p.name == name)
            return p;
    }
    return std::nullopt;
}

void ProfileStore::save(const ConnectionProfile& p) {
    QSettings settings;
    if (p.isLocal()) {
        settings.setValue("profiles/local/token_in_keychain", p.tokenInKeychain);
        return;
    }
    settings.beginGroup("profiles/" + p.name);
    settings.setValue("scorers", p.scorerEndpoints);
    settings.setValue("prometheus", p.prometheusUrl);
    settings.setValue("scrape_job", p.scrapeJob);
    settings.setValue("scrape_interval_s", p.scrapeIntervalSeconds);
    settings.setValue("tls", p.tls);
    settings.setValue("ca", p.caFile);
    settings.setValue("server_name", p.serverName);
    settings.setValue("latency_slo_ms", p.latencySloMs);
    settings.setValue("token_in_keychain", p.tokenInKeychain);
    settings.setValue("token_env", p.tokenEnvironmentVariable);
    settings.setValue("token_file", p.tokenFile);
}

void ProfileStore::remove(const QString& name) {
    QSettings settings;
    settings.remove("profiles/" + name);
}

}  // namespace fraudops
