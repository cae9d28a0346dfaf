#pragma once

#include <QString>
#include <QTemporaryDir>
#include <memory>

#include "ChildProcess.h"

namespace fraudops::test {

// A real redis-server (Debian's `redis-server`) listening only on a Unix socket in a temporary
// directory, with no RDB snapshots. `persistent`: an append-only file fsynced on every write, so
// a stop and a restart keep the data (a shared card history that outlives its server).
class RedisProcess {
public:
    static std::unique_ptr<RedisProcess> start(QString* error, bool persistent = false);
    ~RedisProcess();

    QString socketPath() const { return dir_.filePath(QStringLiteral("redis.sock")); }
    // The address fraud-scorer's --redis takes.
    QString address() const { return QStringLiteral("unix:") + socketPath(); }

    // Stops it (SHUTDOWN: the append-only file is complete) and waits for the exit.
    bool stop();
    // Starts it again on the same socket and directory; false (and `error`) if it does not
    // answer PING within 10 s.
    bool restart(QString* error);
    // Runs a command through redis-cli and returns its output, trimmed.
    QString command(const QStringList& args) const;
    bool running() const;

private:
    RedisProcess() = default;
    bool launch(QString* error);

    QTemporaryDir dir_;
    std::unique_ptr<ChildProcess> child_;
    bool persistent_ = false;
};

}  // namespace fraudops::test
