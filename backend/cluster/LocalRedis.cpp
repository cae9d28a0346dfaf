#include "cluster/LocalRedis.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace fraudops {

LocalRedis::LocalRedis(ProcessSupervisor& supervisor, Options options, QObject* parent)
    : QObject(parent), supervisor_(supervisor), options_(std::move(options)) {
    readyPoll_.setInterval(50);
    connect(&readyPoll_, &QTimer::timeout, this, [this] {
        // Redis creates its socket once it listens; a stale one was removed before launch.
        if (process_ && QFileInfo::exists(socketPath())) {
            readyPoll_.stop();
            up_ = true;
            emit changed();
        }
    });
}

QString LocalRedis::socketPath() const {
    return QDir(options_.workDir).filePath(QStringLiteral("redis.sock"));
}

void LocalRedis::start() {
    stopping_ = false;
    if (!process_)
        launch();
}

void LocalRedis::stop() {
    stopping_ = true;
    if (process_)
        process_->terminate();
}

void LocalRedis::launch() {
    const QDir work(options_.workDir);
    const QString dataDir = work.filePath(QStringLiteral("redis"));
    QDir().mkpath(dataDir);
    QFile::remove(socketPath());  // left by a Redis that was killed
    process_ = supervisor_.spawn(
        options_.binary,
        {"--port", "0", "--unixsocket", socketPath(), "--unixsocketperm", "700", "--dir", dataDir,
         "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no"},
        "redis.log", true);
    pid_ = process_->processId();
    running_.start();
    readyPoll_.start();
    emit changed();
    connect(process_, &QProcess::finished, this, [this] {
        process_->deleteLater();
        process_ = nullptr;
        readyPoll_.stop();
        up_ = false;
        pid_ = 0;
        emit changed();
        emit exited();
        if (!stopping_) {
            QTimer::singleShot(backoff_.afterRun(std::chrono::milliseconds(running_.elapsed())),
                               this, [this] {
                                   if (!stopping_ && !process_)
                                       launch();
                               });
        }
    });
}

}  // namespace fraudops
