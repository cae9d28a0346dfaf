// fraudops-console --local --screenshot-dir DIR pictures every page in turn, in one console on
// one local cluster (the README's first command does this without a display): each page once it
// has data, its content probe saying what it shows just before the picture (the charts' series
// have points, the table has rows with a status, the Alerts page lists every rule of the rules
// file), and the pictures are not blank. --screenshot FILE --page NAME, one page, is what the
// packages' install check runs.
#include <QFile>
#include <QImage>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <set>

#include "TestEnvironment.h"

using namespace fraudops::test;

class ConsoleScreenshotTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString out_;  // the console's output

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QVERIFY(QProcess::execute("cp", {"-r", transactionRegistry(), dir_.filePath("registry")}) ==
                0);
        const QString console = QFileInfo(scorerBinary()).dir().filePath("../app/fraudops-console");
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(console, {"--local", "--registry", dir_.filePath("registry"), "--work-dir",
                          dir_.filePath("work"), "--load-rate", "10", "--screenshot-dir",
                          dir_.filePath("pictures"), "--screenshot-timeout", "600"});
        // 10/s: a demo population of 8,640 cards, whose day of warm-up takes seconds (the
        // screenshot waits for it), also under the sanitizers.
        QVERIFY(p.waitForFinished(660'000));
        out_ = QString::fromUtf8(p.readAll());
        QVERIFY2(p.exitCode() == 0, qPrintable(out_));
    }

    void pageIsPictured_data() {
        QTest::addColumn<QString>("page");
        QTest::newRow("Overview") << "Overview";
        QTest::newRow("Cluster") << "Cluster";
        QTest::newRow("Decisions") << "Decisions";
        QTest::newRow("Drift") << "Drift";
        QTest::newRow("Release") << "Release";
        QTest::newRow("Alerts") << "Alerts";
    }

    void pageIsPictured() {
        QFETCH(QString, page);
        const QString png = dir_.filePath("pictures/" + page + ".png");
        QVERIFY2(out_.contains("wrote " + png), qPrintable(out_));
        // What the console saw on the page just before the picture.
        const auto shown = QRegularExpression(page + " shows (.*)\n").match(out_);
        QVERIFY2(shown.hasMatch(), qPrintable(out_));
        const QString content = shown.captured(1);
        if (page == "Overview") {
            const auto m = QRegularExpression(
                               "^(\\d+) charts, (\\d+) series with (\\d+) points; "
                               "(\\d+) of (\\d+) tiles with values")
                               .match(content);
            QVERIFY2(m.hasMatch(), qPrintable(content));
            QCOMPARE(m.captured(1).toInt(), 4);
            // Every series drawn has points (at least one each; the first refreshes have few).
            QVERIFY2(m.captured(2).toInt() >= 5 && m.captured(3).toInt() >= m.captured(2).toInt(),
                     qPrintable(content));
            QVERIFY2(m.captured(4).toInt() >= 5, qPrintable(content));
        } else if (page == "Decisions") {
            // The live feed of both replicas, with a decision's explanation below it.
            const auto m =
                QRegularExpression("^(\\d+) decisions from (\\d+) replicas").match(content);
            QVERIFY2(m.hasMatch(), qPrintable(content));
            QVERIFY2(m.captured(1).toInt() > 0, qPrintable(content));
            QCOMPARE(m.captured(2).toInt(), 2);
        } else if (page == "Drift") {
            // Every input of v1 compared, the score's histogram beside its baseline, and the
            // selected feature's PSI over time.
            const auto m = QRegularExpression(
                               "^(\\d+) of (\\d+) features with values; score histogram of "
                               "(\\d+) series; PSI chart of (\\d+) series, (\\d+) points")
                               .match(content);
            QVERIFY2(m.hasMatch(), qPrintable(content));
            QVERIFY2(m.captured(2).toInt() >= 10 && m.captured(1) == m.captured(2),
                     qPrintable(content));
            QVERIFY2(m.captured(3).toInt() >= 2, qPrintable(content));
            QVERIFY2(m.captured(4).toInt() >= 1 && m.captured(5).toInt() >= 1, qPrintable(content));
        } else if (page == "Alerts") {
            // Every rule of resources/prometheus/rules.yml, in its three groups, is a row.
            const auto m =
                QRegularExpression("^(\\d+) rules in (\\d+) groups, (\\d+) rows").match(content);
            QVERIFY2(m.hasMatch(), qPrintable(content));
            QFile rules(rulesFile());
            QVERIFY(rules.open(QIODevice::ReadOnly));
            const int alerts = int(rules.readAll().count("- alert:"));
            QVERIFY(alerts >= 12);
            QCOMPARE(m.captured(1).toInt(), alerts);
            QCOMPARE(m.captured(2).toInt(), 3);
            QVERIFY2(m.captured(3).toInt() >= alerts, qPrintable(content));
        } else if (page == "Release") {
            // No rollout yet: the registry's two versions and its history.
            QVERIFY2(QRegularExpression("^no rollout; 0 gates .*; 2 versions; \\d+ audit entries$")
                         .match(content)
                         .hasMatch(),
                     qPrintable(content));
        } else {
            QVERIFY2(content.startsWith("2 rows; 2 with a status"), qPrintable(content));
        }
        const QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 800 && image.height() >= 500);
        // Not blank: many distinct colours (text, lines, tiles), sampled on a grid.
        std::set<QRgb> colours;
        for (int y = 0; y < image.height(); y += 4) {
            for (int x = 0; x < image.width(); x += 4)
                colours.insert(image.pixel(x, y));
        }
        QVERIFY2(colours.size() > 50, qPrintable(QString::number(colours.size())));
    }
};

QTEST_GUILESS_MAIN(ConsoleScreenshotTest)
#include "tst_console_screenshot.moc"
