#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <chrono>
#include <functional>

namespace fraudops::test {

// A QProcess that dies with the test: PR_SET_PDEATHSIG kills it if the test process dies,
// and the destructor stops it (SIGTERM, then SIGKILL) if the test returns early.
class ChildProcess {
public:
    ChildProcess();
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // `mergeStderr`: read standard error through waitForLine too (for programs that log there).
    void start(const QString& program, const QStringList& args, bool mergeStderr = false);
    // Reads standard output until a line satisfies `accept`, or the timeout; returns the
    // line, or an empty string (and the output so far in `seen`) on timeout or exit.
    QByteArray waitForLine(const std::function<bool(const QByteArray&)>& accept,
                           std::chrono::milliseconds timeout, QByteArray* seen = nullptr);
    bool waitForExit(std::chrono::milliseconds timeout);
    void signal(int sig);
    void stop();
    qint64 pid() const { return process_.processId(); }
    // The state letter of /proc/PID/stat: 'T' once a SIGSTOP has taken effect, 'Z' or '?'
    // (no such process) once it has died.
    char kernelState() const;
    QProcess& process() { return process_; }
    QByteArray standardError();

private:
    QProcess process_;
    QByteArray pending_;
};

}  // namespace fraudops::test
