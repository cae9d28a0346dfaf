#include "ConnectionProfile.h"

#include <QFile>
#include <QSettings>

namespace fraudops {

QString ConnectionProfile::token() const {
    if (!tokenEnvironmentVariable.isEmpty()) {
        const QByteArray v = qgetenv(tokenEnvironmentVariable.toUtf8().constData());
        if (!v.isEmpty())
            return QString::fromUtf8(v).trimmed();
    }
    if (!tokenFile.isEmpty()) {
        QFile f(tokenFile);
        if (f.open(QIODevice::ReadOnly))
            return QString::fromUtf8(f.readAll()).trimmed();
    }
    return {};
}

ConnectionProfile ProfileStore::local() {
    ConnectionProfile p;
    p.name = "local";
    p.latencySloMs = 2.0;
    p.tokenEnvironmentVariable = "FRAUDOPS_TOKEN";
    return p;
}

std::vector<ConnectionProfile> ProfileStore::all() const {
    std::vector<ConnectionProfile> out{local()};
    QSettings settings;
    settings.beginGroup("profiles");
    for (const QString& name : settings.childGroups()) {
        if (name == "local")
            continue;
        settings.beginGroup(name);
        ConnectionProfile p;
        p.name = name;
        p.scorerEndpoints = settings.value("scorers").toStringList();
        p.prometheusUrl = settings.value("prometheus").toString();
        p.tls = settings.value("tls", false).toBool();
        p.caFile = settings.value("ca").toString();
        p.latencySloMs = settings.value("latency_slo_ms", 2.0).toDouble();
        p.tokenEnvironmentVariable = settings.value("token_env").toString();
        p.tokenFile = settings.value("token_file").toString();
        settings.endGroup();
        out.push_back(p);
    }
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
    settings.beginGroup("profiles/" + p.name);
    settings.setValue("scorers", p.scorerEndpoints);
    settings.setValue("prometheus", p.prometheusUrl);
    settings.setValue("tls", p.tls);
    settings.setValue("ca", p.caFile);
    settings.setValue("latency_slo_ms", p.latencySloMs);
    settings.setValue("token_env", p.tokenEnvironmentVariable);
    settings.setValue("token_file", p.tokenFile);
}

}  // namespace fraudops
