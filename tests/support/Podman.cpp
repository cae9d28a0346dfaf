#include "Podman.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <cstdio>

namespace fraudops::test {

Podman::Podman(const QString& workDir) : workDir_(workDir) {}

bool Podman::prepare(QString* error) {
    // crun refuses this host's hybrid cgroups, and the default ulimits are above what root may
    // set here.
    const QString conf = QDir(workDir_).filePath("containers.conf");
    QFile f(conf);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = "cannot write " + conf;
        return false;
    }
    f.write(
        "[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n"
        "[engine]\nruntime = \"runc\"\n");
    f.close();
    env_.insert("CONTAINERS_CONF", conf);
    if (const auto v = run({"--version"}); v.exitCode != 0) {
        *error = "podman cannot run: " + v.text();
        return false;
    }
    if (run({"image", "exists", kBaseImage}).exitCode != 0) {
        QElapsedTimer t;
        t.start();
        const QString mirror = env_.value("FRAUDOPS_DEBIAN_MIRROR", "http://deb.debian.org/debian");
        const QString tar = QDir(workDir_).filePath("rootfs.tar");
        // Slim as Debian's own debian:bookworm-slim: no documentation, manual pages or
        // translations, then or in any later apt install (the options stay in the image).
        QStringList args{"--variant=minbase"};
        for (const char* pattern :
             {"path-exclude=/usr/share/doc/*", "path-include=/usr/share/doc/*/copyright",
              "path-exclude=/usr/share/man/*", "path-exclude=/usr/share/info/*",
              "path-exclude=/usr/share/locale/*", "path-exclude=/usr/share/lintian/*"})
            args << QStringLiteral("--dpkgopt=%1").arg(pattern);
        const auto made = runCommand("mmdebstrap", args + QStringList{"bookworm", tar, mirror},
                                     env_, workDir_, std::chrono::seconds(600));
        if (made.exitCode != 0) {
            *error = "mmdebstrap: " + made.text().right(3000);
            return false;
        }
        const auto imported = run({"import", "--change", "CMD [\"/bin/bash\"]", tar, kBaseImage});
        QFile::remove(tar);
        if (imported.exitCode != 0) {
            *error = "podman import: " + imported.text();
            return false;
        }
        std::printf("base image made with mmdebstrap in %.0f s\n", t.elapsed() / 1000.0);
    }
    // FROM debian:bookworm (build stages) resolves to the same local image.
    if (const auto tag = run({"tag", kBaseImage, "docker.io/library/debian:bookworm"});
        tag.exitCode != 0) {
        *error = "podman tag: " + tag.text();
        return false;
    }
    return true;
}

Finished Podman::run(const QStringList& args, std::chrono::seconds timeout) const {
    return runCommand("podman", args, env_, workDir_, timeout);
}

Finished Podman::build(const QStringList& args, std::chrono::seconds timeout) const {
    // The build tree's paths are hashed relative to the source tree (CCACHE_BASEDIR), so the
    // host's cache serves the image's build stage.
    QStringList mounts;
    const QString ccache = env_.value("CCACHE_DIR");
    if (!ccache.isEmpty() && QDir().mkpath(ccache))
        mounts << "-v" << ccache + ":/ccache";
    if (QDir("/var/cache/apt/archives").exists())
        mounts << "-v"
               << "/var/cache/apt/archives:/var/cache/apt/archives";
    return run(QStringList{"build", "--pull=never", "--format", "docker", "--isolation", "chroot"} +
                   mounts + args,
               timeout);
}

}  // namespace fraudops::test
