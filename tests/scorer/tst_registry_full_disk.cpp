// A registry on a disk that fills up, and on one that turns read-only: a small tmpfs mounted
// for the test (as root; CI runs as root). Every kind of write (a version, a rollout change with
// its audit line, a run's progress, a lease) fails with an error that names the file and says
// why, and leaves every file byte for byte as it was: no torn audit line, no half version, no
// staging directory. A scorer keeps loading and serving the registry meanwhile, and once
// there is room again (or the disk is writable again) the next write succeeds with the audit
// chain intact.
#include <sys/mount.h>
#include <unistd.h>

#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/FileIo.h"
#include "common/Time.h"
#include "registry/ModelRegistry.h"

using namespace fraudops::test;
namespace fs = std::filesystem;

namespace {

// Every file under `root` and its bytes.
std::map<std::string, std::string> snapshot(const fs::path& root) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (e.is_regular_file() && e.path().filename() != ".lock")
            files[fs::relative(e.path(), root).string()] = fraud::readFile(e.path());
        else if (e.is_directory())
            files[fs::relative(e.path(), root).string() + "/"] = {};
    }
    return files;
}

// The four kinds of write; each returns the error it failed with, or "" if it succeeded.
std::vector<std::pair<const char*, std::function<void(fraud::ModelRegistry&)>>> writes() {
    return {
        {"a version",
         [](fraud::ModelRegistry& r) {
             auto manifest = r.readManifest("v1");
             const auto model = fraud::readFile(r.versionDir("v1") / manifest.modelFile);
             manifest.version = r.nextVersion();
             r.addVersion(manifest, model);
         }},
        {"a rollout change",
         [](fraud::ModelRegistry& r) {
             const auto current = r.readRollout();
             r.commit(current->generation, "set_canary", "full-disk", "a canary",
                      [](fraud::RolloutState& s) {
                          s.canary = "v2";
                          s.canaryWeightBp = s.canaryWeightBp == 100 ? 200 : 100;
                      });
         }},
        {"a run's progress",
         [](fraud::ModelRegistry& r) {
             const auto run = r.readRun();
             r.updateRun(run.revision, "full-disk", "a step",
                         run.revision == 0 ? nlohmann::json{{"name", "plan"}} : nlohmann::json(),
                         {{"step", static_cast<int>(run.revision)}});
         }},
        {"a lease",
         [](fraud::ModelRegistry& r) {
             const auto decision =
                 r.acquireLease("full-disk", "test", 60'000, fraud::wallClockMillis());
             if (!decision.granted)
                 throw std::runtime_error(decision.reason);
             r.releaseLease(decision.lease.leaseId);
         }},
    };
}

}  // namespace

class RegistryFullDiskTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    fs::path mount_;
    fs::path registry_;
    bool mounted_ = false;

    void expectEveryWriteFails(const char* because) {
        const auto before = snapshot(registry_);
        for (const auto& [what, write] : writes()) {
            fraud::ModelRegistry registry(registry_);
            try {
                write(registry);
                QFAIL(qPrintable(QString("%1 succeeded").arg(what)));
            } catch (const std::exception& e) {
                const std::string message = e.what();
                QVERIFY2(message.find(because) != std::string::npos &&
                             message.find(registry_.string()) != std::string::npos,
                         qPrintable(QString("%1: %2").arg(what, e.what())));
            }
            // Nothing changed, byte for byte, and nothing was left behind.
            const auto after = snapshot(registry_);
            if (after != before) {
                for (const auto& [path, bytes] : after) {
                    const auto it = before.find(path);
                    QVERIFY2(it != before.end(),
                             qPrintable(QString("%1 left %2").arg(what).arg(path.c_str())));
                    QVERIFY2(it->second == bytes,
                             qPrintable(QString("%1 changed %2").arg(what).arg(path.c_str())));
                }
                QFAIL(qPrintable(QString("%1 removed a file").arg(what)));
            }
        }
    }

    void expectEveryWriteSucceeds() {
        for (const auto& [what, write] : writes()) {
            fraud::ModelRegistry registry(registry_);
            try {
                write(registry);
            } catch (const std::exception& e) {
                QFAIL(qPrintable(QString("%1: %2").arg(what, e.what())));
            }
        }
        const auto verified = fraud::ModelRegistry(registry_).verifyAudit();
        QVERIFY2(verified.intact() && verified.findings.empty(), verified.summary().c_str());
    }

    void expectAScorerServesIt() {
        const auto rollout = fraud::ModelRegistry(registry_).readRollout();
        QString error;
        const auto status = statusOfAScorerOn(QString::fromStdString(registry_.string()), &error);
        QVERIFY2(status, qPrintable(error));
        QCOMPARE(status->generation_served(), rollout->generation);
    }

private slots:
    void initTestCase() {
        if (::geteuid() != 0)
            QSKIP("mounting a small filesystem needs root (CI runs as root)");
        QVERIFY(dir_.isValid());
        mount_ = fs::path(dir_.path().toStdString()) / "disk";
        fs::create_directories(mount_);
        // Room for the registry (two 0.7 MB models and a 4 MB evaluation set) and little more.
        if (::mount("tmpfs", mount_.c_str(), "tmpfs", 0, "size=12m,mode=0755") != 0)
            QSKIP(qPrintable(QString("cannot mount a tmpfs: %1").arg(std::strerror(errno))));
        mounted_ = true;
        registry_ = mount_ / "registry";
        copyRegistry(transactionRegistry(), QString::fromStdString(registry_.string()));
    }

    void cleanupTestCase() {
        if (mounted_)
            QCOMPARE(::umount(mount_.c_str()), 0);
    }

    void aFullDiskRefusesEveryWriteAndCorruptsNothing() {
        // Fill the disk to the last byte.
        const auto filler = mount_ / "filler";
        {
            std::ofstream out(filler, std::ios::binary);
            const std::string chunk(4096, 'x');
            while (out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())))
                out.flush();
        }
        for (std::string byte(1, 'x');;) {  // the last part of a block
            std::ofstream out(filler, std::ios::binary | std::ios::app);
            if (!out.write(byte.data(), 1).flush())
                break;
        }
        expectEveryWriteFails("No space left on device");
        expectAScorerServesIt();
        // Room again: every write goes through, and the audit chain holds.
        fs::remove(filler);
        expectEveryWriteSucceeds();
        expectAScorerServesIt();
    }

    void aReadOnlyDiskRefusesEveryWriteAndCorruptsNothing() {
        QCOMPARE(::mount("tmpfs", mount_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr), 0);
        expectEveryWriteFails("Read-only file system");
        expectAScorerServesIt();
        QCOMPARE(::mount("tmpfs", mount_.c_str(), "tmpfs", MS_REMOUNT, nullptr), 0);
        expectEveryWriteSucceeds();
    }
};

QTEST_GUILESS_MAIN(RegistryFullDiskTest)
#include "tst_registry_full_disk.moc"
