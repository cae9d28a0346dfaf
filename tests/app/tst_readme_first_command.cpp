// The README's first command, scripts/run.sh, as a newcomer runs it without a display: in an
// empty working directory, on the binaries already built. It scores 2,000 transactions with
// none failed, shows the shadow canary and the audit log, and pictures the console's pages.
#include <QImage>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <set>

#include "TestEnvironment.h"

using namespace fraudops::test;

class ReadmeFirstCommandTest : public QObject {
    Q_OBJECT

private slots:
    void runShPrintsEverySection() {
        QTemporaryDir work;
        QVERIFY(work.isValid());
        const QDir build = QFileInfo(scorerBinary()).dir().filePath("..");
        QProcess p;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("FRAUDOPS_BUILD_DIR", build.absolutePath());
        env.insert("FRAUDOPS_WORK_DIR", work.path());
        env.insert("FRAUDOPS_SKIP_DEPS", "1");
        env.insert("FRAUDOPS_SKIP_BUILD", "1");
        env.insert("FRAUDOPS_SCREENSHOT_SETTLE", "5");
        env.remove("DISPLAY");
        env.remove("WAYLAND_DISPLAY");
        env.remove("FRAUDOPS_REGISTRY");
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start("bash", {QString(FRAUDOPS_SOURCE_DIR) + "/scripts/run.sh"});
        QVERIFY(p.waitForFinished(840'000));
        const QString out = QString::fromUtf8(p.readAll());
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, qPrintable(out));

        QVERIFY2(QRegularExpression(
                     R"(2000 scored: \d+ approved, \d+ to review, \d+ declined; 0 failed)")
                     .match(out)
                     .hasMatch(),
                 qPrintable(out));
        QVERIFY2(out.contains("== the registry (fraudctl models):"), qPrintable(out));
        QVERIFY2(out.contains("canary v2 at 20.00 % (shadow)"), qPrintable(out));
        QVERIFY2(QRegularExpression(
                     R"(v2 scored \d+ transactions in the shadow and would have decided \d+)")
                     .match(out)
                     .hasMatch(),
                 qPrintable(out));
        QVERIFY2(QRegularExpression(R"(local-admin\s+abort_canary: generation \d+: stable v1)")
                     .match(out)
                     .hasMatch(),
                 qPrintable(out));
        QVERIFY2(
            QRegularExpression(R"(local-admin\s+set_canary: .*canary v2 at 20.00 % \(shadow\))")
                .match(out)
                .hasMatch(),
            qPrintable(out));
        for (const QString page :
             {"Overview", "Cluster", "Decisions", "Drift", "Release", "Alerts"}) {
            const QString png = work.filePath("screenshots/" + page + ".png");
            QVERIFY2(out.contains(png), qPrintable(out));
            const QImage image(png);
            QVERIFY2(!image.isNull(), qPrintable(png));
            std::set<QRgb> colours;
            for (int y = 0; y < image.height(); y += 4) {
                for (int x = 0; x < image.width(); x += 4)
                    colours.insert(image.pixel(x, y));
            }
            QVERIFY2(colours.size() > 50,
                     qPrintable(page + ": " + QString::number(colours.size())));
        }
    }
};

QTEST_GUILESS_MAIN(ReadmeFirstCommandTest)
#include "tst_readme_first_command.moc"
