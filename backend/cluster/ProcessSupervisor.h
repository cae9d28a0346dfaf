#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <chrono>

namespace fraudops {

// How long to wait before restarting a child that exited: 1 s doubling to 30 s, back to 1 s
// once a run lasted a minute (a crash loop slows down; a rare crash restarts at once).
class RestartBackoff {
public:
    static constexpr std::chrono::milliseconds kFirst{1000};
    static constexpr std::chrono::milliseconds kMax{30'000};
    static constexpr std::chrono::seconds kHealthyAfter{60};

    // The wait before the next start, given how long the run that just ended lasted.
    std::chrono::milliseconds afterRun(std::chrono::milliseconds ranFor);
    // The next restart is immediate (a restart asked for on purpose).
    void skipNext() { skip_ = true; }

private:
    std::chrono::milliseconds next_ = kFirst;
    bool skip_ = false;
};

// Starts the local cluster's child processes and ends them: every child gets
// PR_SET_PDEATHSIG (none outlives the console, even if it is killed), runs `niceness` nicer
// than the process that starts it, and has a log file in `logDir`; stopAll() ends them cleanly
// (SIGTERM, then SIGKILL after a grace period). All asynchronous: nothing here blocks the
// thread it lives on, except the destructor.
class ProcessSupervisor : public QObject {
    Q_OBJECT
public:
    explicit ProcessSupervisor(QString logDir, int niceness = 0, QObject* parent = nullptr);
    ~ProcessSupervisor() override;

    // A started child, owned by the supervisor until it is deleted (deleteLater when done).
    // `mergeChannels`: stdout and stderr both go to the log; otherwise stderr only, and
    // stdout stays readable by the caller (ready lines).
    QProcess* spawn(const QString& program, const QStringList& args, const QString& logName,
                    bool mergeChannels = false);
    // SIGTERM to every child, SIGKILL after `grace`; `allStopped` once none runs.
    void stopAll(std::chrono::milliseconds grace);
    bool anyRunning() const;
    QString logPath(const QString& logName) const;

signals:
    void failedToStart(const QString& program);

private:
    QString logDir_;
    int niceness_ = 0;
};

}  // namespace fraudops
