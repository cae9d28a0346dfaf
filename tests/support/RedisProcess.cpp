#include "RedisProcess.h"

#include <QDeadlineTimer>
#include <QProcess>

#include "TestEnvironment.h"

namespace fraudops::test {

std::unique_ptr<RedisProcess> RedisProcess::start(QString* error, bool persistent) {
    std::unique_ptr<RedisProcess> redis(new RedisProcess);
    redis->persistent_ = persistent;
    if (!redis->dir_.isValid()) {
        *error = QStringLiteral("no temporary directory");
        return nullptr;
    }
    if (!redis->launch(error))
        return nullptr;
    return redis;
}

RedisProcess::~RedisProcess() {
    if (running())
        stop();
}

bool RedisProcess::launch(QString* error) {
    child_ = std::make_unique<ChildProcess>();
    QStringList args{QStringLiteral("--port"),
                     QStringLiteral("0"),
                     QStringLiteral("--unixsocket"),
                     socketPath(),
                     QStringLiteral("--unixsocketperm"),
                     QStringLiteral("700"),
                     QStringLiteral("--dir"),
                     dir_.path(),
                     QStringLiteral("--save"),
                     QString(),
                     QStringLiteral("--daemonize"),
                     QStringLiteral("no")};
    if (persistent_)
        args << QStringLiteral("--appendonly") << QStringLiteral("yes")
             << QStringLiteral("--appendfsync") << QStringLiteral("always");
    child_->start(QStringLiteral("redis-server"), args);
    // Polled, not slept: PING through the socket until it answers.
    const QDeadlineTimer deadline(10'000);
    while (!deadline.hasExpired()) {
        if (child_->process().state() == QProcess::NotRunning) {
            *error = QStringLiteral("redis-server exited: ") +
                     QString::fromUtf8(child_->process().readAllStandardOutput());
            return false;
        }
        if (command({QStringLiteral("PING")}) == QLatin1String("PONG"))
            return true;
        betweenPolls(std::chrono::milliseconds(20));
    }
    *error = QStringLiteral("redis-server did not answer PING within 10 s");
    return false;
}

bool RedisProcess::running() const {
    return child_ && child_->process().state() != QProcess::NotRunning;
}

bool RedisProcess::stop() {
    if (!running())
        return true;
    command({QStringLiteral("SHUTDOWN")});
    return child_->waitForExit(std::chrono::seconds(10));
}

bool RedisProcess::restart(QString* error) {
    stop();
    return launch(error);
}

QString RedisProcess::command(const QStringList& args) const {
    QProcess cli;
    cli.start(QStringLiteral("redis-cli"), QStringList{QStringLiteral("-s"), socketPath()} + args);
    if (!cli.waitForFinished(10'000))
        return {};
    return QString::fromUtf8(cli.readAllStandardOutput()).trimmed();
}

}  // namespace fraudops::test
