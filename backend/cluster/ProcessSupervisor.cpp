#include "cluster/ProcessSupervisor.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <QDir>
#include <QTimer>
#include <algorithm>

namespace fraudops {

std::chrono::milliseconds RestartBackoff::afterRun(std::chrono::milliseconds ranFor) {
    if (ranFor >= kHealthyAfter)
        next_ = kFirst;
    const auto wait = skip_ ? std::chrono::milliseconds(0) : next_;
    skip_ = false;
    next_ = std::min(next_ * 2, kMax);
    return wait;
}

ProcessSupervisor::ProcessSupervisor(QString logDir, int niceness, QObject* parent)
    : QObject(parent), logDir_(std::move(logDir)), niceness_(niceness) {}

ProcessSupervisor::~ProcessSupervisor() {
    // Children die with us anyway (PR_SET_PDEATHSIG); this is the clean way.
    for (QProcess* p : findChildren<QProcess*>()) {
        p->disconnect();
        if (p->state() != QProcess::NotRunning) {
            p->terminate();
            if (!p->waitForFinished(2000))
                p->kill();
            p->waitForFinished(1000);
        }
    }
}

QString ProcessSupervisor::logPath(const QString& logName) const {
    return QDir(logDir_).filePath(logName);
}

QProcess* ProcessSupervisor::spawn(const QString& program, const QStringList& args,
                                   const QString& logName, bool mergeChannels) {
    QDir().mkpath(logDir_);
    auto* p = new QProcess(this);
    if (mergeChannels) {
        p->setProcessChannelMode(QProcess::MergedChannels);
        p->setStandardOutputFile(logPath(logName), QIODevice::Append);
    } else if (!logName.isEmpty()) {
        p->setStandardErrorFile(logPath(logName), QIODevice::Append);
    }
    // The child is killed when the thread that started it ends, even by SIGKILL.
    // Plain system calls only: the child runs this between fork and exec.
    p->setChildProcessModifier([niceness = niceness_] {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (niceness > 0) {
            [[maybe_unused]] const int now = ::nice(niceness);  // a failure leaves it as is
        }
    });
    connect(p, &QProcess::errorOccurred, this, [this, program](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            emit failedToStart(program);
    });
    p->start(program, args);
    return p;
}

bool ProcessSupervisor::anyRunning() const {
    const auto processes = findChildren<QProcess*>();
    return std::any_of(processes.begin(), processes.end(),
                       [](const QProcess* p) { return p->state() != QProcess::NotRunning; });
}

void ProcessSupervisor::stopAll(std::chrono::milliseconds grace) {
    for (QProcess* p : findChildren<QProcess*>()) {
        if (p->state() == QProcess::NotRunning)
            continue;
        p->terminate();
        QTimer::singleShot(grace, p, [p] {
            if (p->state() != QProcess::NotRunning)
                p->kill();
        });
    }
}

}  // namespace fraudops
