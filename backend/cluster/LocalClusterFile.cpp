#include "cluster/LocalClusterFile.h"

#include <signal.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cerrno>

namespace fraudops {

QString localClusterFilePath(const QString& workDir) {
    return QDir(workDir).filePath(QStringLiteral("cluster.json"));
}

QByteArray localClusterFileContent(const LocalClusterAddresses& a) {
    QJsonObject o;
    o["scorers"] = QJsonArray::fromStringList(a.scorers);
    o["prometheus"] = a.prometheusUrl;
    o["job"] = a.job;
    o["console_pid"] = a.consolePid;
    return QJsonDocument(o).toJson();
}

std::optional<LocalClusterAddresses> readLocalClusterFile(const QString& workDir, QString* error) {
    const QString path = localClusterFilePath(workDir);
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral(
                     "no local cluster is running (%1 is missing): start one with "
                     "fraudops-console --local")
                     .arg(path);
        return std::nullopt;
    }
    QJsonParseError parseError;
    const auto doc = QJsonDocument::fromJson(f.readAll(), &parseError);
    if (!doc.isObject() || !doc.object().value("scorers").isArray()) {
        *error = QStringLiteral("%1 is not a local cluster's address file").arg(path);
        return std::nullopt;
    }
    const QJsonObject o = doc.object();
    LocalClusterAddresses a;
    for (const auto& s : o.value("scorers").toArray())
        a.scorers << s.toString();
    a.prometheusUrl = o.value("prometheus").toString();
    a.job = o.value("job").toString(a.job);
    a.consolePid = o.value("console_pid").toInteger();
    // A console killed outright leaves the file behind: its pid says whether anyone is home.
    if (a.consolePid > 0 && ::kill(static_cast<pid_t>(a.consolePid), 0) != 0 && errno == ESRCH) {
        *error = QStringLiteral("the console that ran the local cluster (pid %1) has exited")
                     .arg(a.consolePid);
        return std::nullopt;
    }
    if (a.scorers.isEmpty()) {
        *error = QStringLiteral("the local cluster has no replica up yet");
        return std::nullopt;
    }
    return a;
}

}  // namespace fraudops
