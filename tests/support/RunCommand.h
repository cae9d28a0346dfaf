#pragma once
// A command run to completion for a test (podman, cpack, the project's tools), with a timeout,
// its output kept.
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <chrono>

namespace fraudops::test {

struct Finished {
    int exitCode = -1;  // -1: did not start, crashed, or ran past its timeout (then killed)
    QByteArray out, err;
    QString text() const { return QString::fromUtf8(out + err); }
};

Finished runCommand(const QString& program, const QStringList& args, const QProcessEnvironment& env,
                    const QString& workingDir, std::chrono::seconds timeout);

}  // namespace fraudops::test
