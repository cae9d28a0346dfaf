#pragma once

#include <QString>
#include <QStringList>
#include <optional>

namespace fraudops {

// Where a running local cluster answers: its replicas' gRPC addresses, its Prometheus, and
// the console process that supervises it. LocalCluster writes this (cluster.json in its work
// directory) whenever it changes, so that `fraudctl --profile local` reaches the cluster the
// console runs, and removes it when the cluster stops.
struct LocalClusterAddresses {
    QStringList scorers;
    QString prometheusUrl;
    QString job = QStringLiteral("fraud-scorer");
    qint64 consolePid = 0;
};

QString localClusterFilePath(const QString& workDir);
QByteArray localClusterFileContent(const LocalClusterAddresses& addresses);
// The addresses, or nullopt and why not: no cluster runs there (no file), the console that
// ran it exited without removing it, or the file is not one of ours.
std::optional<LocalClusterAddresses> readLocalClusterFile(const QString& workDir, QString* error);

}  // namespace fraudops
