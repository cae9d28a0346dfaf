#pragma once
// A rootful podman set up the way this host needs it (FACTS.md): runc and explicit ulimits, and a
// debian:bookworm(-slim) base image made from Debian's packages, since no registry is reachable.
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <chrono>

#include "RunCommand.h"

namespace fraudops::test {

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
