#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include "cluster/ProcessSupervisor.h"

namespace fraudops {

// The local cluster's shared card history: a real redis-server (Debian's) listening only on a
// Unix socket in the work directory, its append-only file there too, so card history outlives
// both the replicas and Redis's own restarts. Supervised like the rest: restarted with backoff
// if it exits, ended with the cluster. Nothing here blocks: it is up once its socket exists.
class LocalRedis : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString binary = QStringLiteral("redis-server");
        QString workDir;
    };
    LocalRedis(ProcessSupervisor& supervisor, Options options, QObject* parent = nullptr);

    void start();
    // Ends it (SIGTERM: Redis finishes its append-only file) and does not restart it.
    void stop();
    // From now on it is not restarted when it exits (the cluster is stopping).
    void stopRestarting() { stopping_ = true; }

    bool up() const { return up_; }
    qint64 pid() const { return pid_; }
    QString socketPath() const;
    // What fraud-scorer's --redis takes.
    QString address() const { return QStringLiteral("unix:") + socketPath(); }

signals:
    void changed();  // up or pid changed
    void exited();

private:
    void launch();

    ProcessSupervisor& supervisor_;
    Options options_;
    QProcess* process_ = nullptr;
    QTimer readyPoll_;
    RestartBackoff backoff_;
    QElapsedTimer running_;
    bool up_ = false, stopping_ = false;
    qint64 pid_ = 0;
};

}  // namespace fraudops
