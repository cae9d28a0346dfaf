// The Debian packages (packaging/): cpack builds them from this build tree; each holds what it
// should and declares its dependencies (the scorer's without Qt, fraudctl's without a GUI); the
// desktop entry, metainfo and systemd unit pass their validators; and the three install into a
// clean bookworm container with apt, where the tools run, the unit verifies without a warning,
// and the console draws a page offscreen.
//
// Slow (labels `slow`, `container`): it packages and installs. Rootful podman, set up as the
// image test does (tests/support/Podman.h).
#include <unistd.h>

#include <QDir>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "Podman.h"

using namespace fraudops::test;
using namespace std::chrono_literals;

class PackagesTest : public QObject {
    Q_OBJECT

    QTemporaryDir work_;
    Podman podman_{work_.path()};
    QString debs_;
    QMap<QString, QString> byName_;  // package name -> .deb path

    Finished run(const QString& program, const QStringList& args,
                 std::chrono::seconds timeout = 120s) {
        return runCommand(program, args, podman_.environment(), work_.path(), timeout);
    }
    QStringList contents(const QString& package) {
        const auto f = run("dpkg-deb", {"-c", byName_.value(package)});
        QStringList paths;
        for (const auto& line : QString::fromUtf8(f.out).split('\n', Qt::SkipEmptyParts))
            paths << line.section(' ', -1)
                         .remove(QRegularExpression("^\\."))
                         .remove(QRegularExpression(" -> .*$"));
        return paths;
    }
    QString field(const QString& package, const QString& name) {
        return QString::fromUtf8(run("dpkg-deb", {"-f", byName_.value(package), name}).out)
            .trimmed();
    }

private slots:
    void initTestCase() {
        QVERIFY(work_.isValid());
        debs_ = work_.filePath("debs");
        QVERIFY(QDir().mkpath(debs_));
        const auto packed = runCommand("cpack", {"-G", "DEB", "-B", debs_}, podman_.environment(),
                                       FRAUDOPS_BINARY_DIR, 900s);
        QVERIFY2(packed.exitCode == 0, qPrintable(packed.text().right(4000)));
        for (const auto& deb : QDir(debs_).entryList({"*.deb"})) {
            const QString path = QDir(debs_).filePath(deb);
            byName_[QString::fromUtf8(run("dpkg-deb", {"-f", path, "Package"}).out).trimmed()] =
                path;
        }
        QCOMPARE(byName_.keys(),
                 (QStringList{"fraudops-console", "fraudops-ctl", "fraudops-scorer"}));
        for (const auto& path : byName_)
            qInfo().noquote() << QFileInfo(path).fileName() << QFileInfo(path).size() / 1024
                              << "KiB";
    }

    void eachPackageHoldsItsFiles() {
        const QStringList scorer = contents("fraudops-scorer");
        for (const QString path :
             {"/usr/bin/fraud-scorer", "/usr/bin/fraud-train", "/usr/bin/fraud-loadgen",
              "/usr/lib/systemd/system/fraud-scorer.service", "/usr/lib/sysusers.d/fraudops.conf",
              "/usr/lib/tmpfiles.d/fraudops.conf", "/etc/default/fraud-scorer",
              "/usr/share/fraudops/prometheus/rules.yml"})
            QVERIFY2(scorer.contains(path),
                     qPrintable(path + " not in fraudops-scorer: " + scorer.join(' ')));
        const QStringList console = contents("fraudops-console");
        for (const QString path :
             {"/usr/bin/fraudops-console", "/usr/share/applications/io.fraudops.Console.desktop",
              "/usr/share/metainfo/io.fraudops.Console.metainfo.xml",
              "/usr/share/icons/hicolor/scalable/apps/io.fraudops.Console.svg"})
            QVERIFY2(console.contains(path), qPrintable(path + " not in fraudops-console"));
        QVERIFY(contents("fraudops-ctl").contains("/usr/bin/fraudctl"));
        // Each binary in one package only.
        QVERIFY(!console.contains("/usr/bin/fraudctl") && !scorer.contains("/usr/bin/fraudctl"));
        QVERIFY(!scorer.contains("/usr/bin/fraudops-console"));
        // The maintainer scripts and the conffile.
        const auto info =
            QString::fromUtf8(run("dpkg-deb", {"-I", byName_.value("fraudops-scorer")}).out);
        for (const QString script : {"postinst", "prerm", "postrm", "conffiles"})
            QVERIFY2(info.contains(script), qPrintable(info));
    }

    void dependenciesAreDeclaredAndTheScorerCarriesNoQt() {
        const QString scorer = field("fraudops-scorer", "Depends");
        QVERIFY2(scorer.contains("libgrpc++1.51") && scorer.contains("libxgboost0") &&
                     scorer.contains("libprometheus-cpp-pull") && scorer.contains("adduser"),
                 qPrintable(scorer));
        QVERIFY2(!scorer.contains("qt", Qt::CaseInsensitive), qPrintable(scorer));
        const QString console = field("fraudops-console", "Depends");
        QVERIFY2(console.contains("libqt6widgets6") && console.contains("libqt6charts6"),
                 qPrintable(console));
        QVERIFY(field("fraudops-console", "Recommends").contains("fraudops-scorer (= 0.1.0)"));
        const QString ctl = field("fraudops-ctl", "Depends");
        QVERIFY2(ctl.contains("libqt6core6"), qPrintable(ctl));
        QVERIFY2(!ctl.contains("libqt6gui6") && !ctl.contains("libqt6widgets6"), qPrintable(ctl));
    }

    void theDesktopEntryAndMetainfoValidate() {
        const QString root = work_.filePath("console-root");
        QCOMPARE(run("dpkg-deb", {"-x", byName_.value("fraudops-console"), root}).exitCode, 0);
        const auto desktop = run("desktop-file-validate",
                                 {root + "/usr/share/applications/io.fraudops.Console.desktop"});
        QVERIFY2(desktop.exitCode == 0 && !desktop.text().contains("error"),
                 qPrintable(desktop.text()));
        const auto meta =
            run("appstreamcli", {"validate", "--no-net",
                                 root + "/usr/share/metainfo/io.fraudops.Console.metainfo.xml"});
        QVERIFY2(meta.exitCode == 0, qPrintable(meta.text()));
    }

    void theyInstallIntoACleanBookworm() {
        if (::geteuid() != 0)
            QSKIP("rootful podman needs root (the README's test command runs as root)");
        QString error;
        QVERIFY2(podman_.prepare(&error), qPrintable(error));
        // apt resolves every dependency from Debian's archive (the host's download cache is
        // shared); then the tools run, the unit verifies, and the console draws its Cluster
        // page offscreen from the local cluster it starts (its scorers and Prometheus come from
        // the packages just installed).
        QDir().mkpath(work_.filePath("out"));
        QStringList args{
            "run", "--rm",
            "-v",  debs_ + ":/debs:ro",
            "-v",  work_.filePath("out") + ":/out",
            "-v",  FRAUDOPS_SOURCE_DIR "/tests/packaging/install-check.sh:/install-check.sh:ro"};
        if (QDir("/var/cache/apt/archives").exists())
            args << "-v"
                 << "/var/cache/apt/archives:/var/cache/apt/archives";
        const auto f =
            podman_.run(args + QStringList{Podman::kBaseImage, "bash", "/install-check.sh"}, 900s);
        QVERIFY2(f.exitCode == 0, qPrintable(f.text().right(4000)));
        QVERIFY2(f.out.contains("Usage: fraud-scorer"), qPrintable(f.text()));
        QVERIFY2(f.out.contains("fraudctl"), qPrintable(f.text()));
        QVERIFY2(f.out.contains("fraudops:"), qPrintable(f.text()));
        QVERIFY2(f.out.contains("registry: fraudops 750"), qPrintable(f.text()));
        // systemd-analyze verify exits 0 on unknown keys and bad values: its output is the test.
        QVERIFY2(f.out.contains("verify: []"), qPrintable(f.text()));
        QVERIFY2(f.out.contains("console drew its page"), qPrintable(f.text()));
        QVERIFY(QFileInfo(work_.filePath("out/console.png")).size() > 10'000);
        const QString keep = qEnvironmentVariable("FRAUDOPS_KEEP_PICTURES");
        if (!keep.isEmpty())
            QFile::copy(work_.filePath("out/console.png"),
                        QDir(keep).filePath("packaged-console.png"));
    }
};

QTEST_GUILESS_MAIN(PackagesTest)
#include "tst_packages.moc"
