#include "ChildProcess.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <QDeadlineTimer>
#include <QFile>

namespace fraudops::test {

ChildProcess::ChildProcess() {
    process_.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    process_.setProcessChannelMode(QProcess::SeparateChannels);
}

ChildProcess::~ChildProcess() {
    stop();
}

void ChildProcess::start(const QString& program, const QStringList& args, bool mergeStderr) {
    process_.setProcessChannelMode(mergeStderr ? QProcess::MergedChannels
                                               : QProcess::SeparateChannels);
    process_.start(program, args);
    process_.waitForStarted(10'000);
}

QByteArray ChildProcess::waitForLine(const std::function<bool(const QByteArray&)>& accept,
                                     std::chrono::milliseconds timeout, QByteArray* seen) {
    QDeadlineTimer deadline(timeout);
    for (;;) {
        int newline;
        while ((newline = pending_.indexOf('\n')) >= 0) {
            const QByteArray line = pending_.left(newline);
            pending_.remove(0, newline + 1);
            if (seen)
                seen->append(line + '\n');
            if (accept(line))
                return line;
        }
        if (deadline.hasExpired() || process_.state() == QProcess::NotRunning)
            return {};
        if (process_.waitForReadyRead(
                static_cast<int>(std::max<qint64>(1, deadline.remainingTime())))) {
            pending_.append(process_.readAllStandardOutput());
        }
    }
}

bool ChildProcess::waitForExit(std::chrono::milliseconds timeout) {
    if (process_.state() == QProcess::NotRunning)
        return true;
    return process_.waitForFinished(static_cast<int>(timeout.count()));
}

void ChildProcess::signal(int sig) {
    if (process_.state() != QProcess::NotRunning)
        ::kill(static_cast<pid_t>(process_.processId()), sig);
}

char ChildProcess::kernelState() const {
    QFile stat(QStringLiteral("/proc/%1/stat").arg(process_.processId()));
    if (process_.state() == QProcess::NotRunning || !stat.open(QIODevice::ReadOnly))
        return '?';
    // "PID (COMM) S ...": the command may hold spaces and parentheses; the state follows the
    // last ')'.
    const QByteArray line = stat.readAll();
    const auto close = line.lastIndexOf(')');
    return close >= 0 && close + 2 < line.size() ? line.at(close + 2) : '?';
}

void ChildProcess::stop() {
    if (process_.state() == QProcess::NotRunning)
        return;
    signal(SIGCONT);
    process_.terminate();
    if (!process_.waitForFinished(10'000)) {
        process_.kill();
        process_.waitForFinished(5'000);
    }
}

QByteArray ChildProcess::standardError() {
    return process_.readAllStandardError();
}

}  // namespace fraudops::test
