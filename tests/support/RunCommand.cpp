#include "RunCommand.h"

#include <QProcess>

namespace fraudops::test {

Finished runCommand(const QString& program, const QStringList& args, const QProcessEnvironment& env,
                    const QString& workingDir, std::chrono::seconds timeout) {
    QProcess p;
    p.setProcessEnvironment(env);
    if (!workingDir.isEmpty())
        p.setWorkingDirectory(workingDir);
    p.start(program, args);
    Finished f;
    if (!p.waitForStarted(10'000))
        return f;
    const bool done = p.waitForFinished(static_cast<int>(timeout.count() * 1000));
    if (!done) {
        p.kill();
        p.waitForFinished(5000);
    }
    f.out = p.readAllStandardOutput();
    f.err = p.readAllStandardError();
    if (done && p.exitStatus() == QProcess::NormalExit)
        f.exitCode = p.exitCode();
    return f;
}

}  // namespace fraudops::test
