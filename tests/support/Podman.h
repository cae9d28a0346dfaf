#pragma once
// Commands run to completion for tests (podman, podman-compose, cpack, the project's tools), and
// a rootful podman set up the way this host needs it (FACTS.md): runc and explicit ulimits, and a
// debian:bookworm(-slim) base image made from Debian's packages, since no registry is reachable.
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

class Podman {
public:
    static inline const QString kBaseImage =
        QStringLiteral("docker.io/library/debian:bookworm-slim");

    // `workDir` holds the containers.conf (and, while it is made, the base image's tarball).
    explicit Podman(const QString& workDir);

    // Writes the configuration and makes the base image unless the machine has it already;
    // false with the reason if podman cannot run here.
    bool prepare(QString* error);
    Finished run(const QStringList& args,
                 std::chrono::seconds timeout = std::chrono::seconds(120)) const;
    // `podman build` with the host's compiler cache and apt archive mounted into the build.
    Finished build(const QStringList& args, std::chrono::seconds timeout) const;

    QProcessEnvironment& environment() { return env_; }
    const QProcessEnvironment& environment() const { return env_; }

private:
    QString workDir_;
    QProcessEnvironment env_ = QProcessEnvironment::systemEnvironment();
};

}  // namespace fraudops::test
