// fraudops-console: the operations console.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>
#include <cstdio>

#include "cluster/LocalCluster.h"
#include "profiles/ConnectionProfile.h"
#include "shell/ConsoleWindow.h"

namespace {

// Where fraud-scorer and friends are: $FRAUDOPS_BIN_DIR, the build tree's scorer/ beside
// app/, or this program's own directory (installed).
QString findBinDir() {
    if (qEnvironmentVariableIsSet("FRAUDOPS_BIN_DIR"))
        return qEnvironmentVariable("FRAUDOPS_BIN_DIR");
    const QDir here(QCoreApplication::applicationDirPath());
    for (const QString& candidate : {here.filePath("../scorer"), here.path()}) {
        if (QFileInfo::exists(QDir(candidate).filePath("fraud-scorer")))
            return QDir(candidate).absolutePath();
    }
    return here.path();
}

// The Prometheus rules the local cluster evaluates: $FRAUDOPS_RULES_FILE, the build tree's copy
// beside app/, or the installed one.
QString findRulesFile() {
    if (qEnvironmentVariableIsSet("FRAUDOPS_RULES_FILE"))
        return qEnvironmentVariable("FRAUDOPS_RULES_FILE");
    const QDir here(QCoreApplication::applicationDirPath());
    for (const QString& candidate : {here.filePath("../resources/prometheus/rules.yml"),
                                     here.filePath("../share/fraudops/prometheus/rules.yml")}) {
        if (QFileInfo::exists(candidate))
            return QFileInfo(candidate).absoluteFilePath();
    }
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("FraudOps");
    QApplication::setApplicationName("fraudops-console");

    QCommandLineParser cli;
    cli.setApplicationDescription("The FraudOps operations console.");
    cli.addHelpOption();
    const QCommandLineOption profileOpt("profile", "connection profile to open", "NAME", "local");
    const QCommandLineOption localOpt("local", "start the embedded local cluster");
    const QCommandLineOption screenshotOpt(
        "screenshot", "wait until --page has data, write it as a PNG, exit", "FILE");
    const QCommandLineOption pageOpt("page", "page to show (any case)", "NAME", "Overview");
    const QCommandLineOption registryOpt(
        "registry", "the local cluster's registry (trained if empty)", "DIR",
        QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/local-registry");
    const QCommandLineOption workOpt(
        "work-dir", "the local cluster's logs, targets and Prometheus data", "DIR",
        QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/local-cluster");
    const QCommandLineOption replicasOpt("replicas", "local cluster replicas", "N", "2");
    const QCommandLineOption sharedHistoryOpt(
        "shared-card-history",
        "the local cluster keeps card history in a local Redis shared by its replicas (default: "
        "in each replica)");
    const QCommandLineOption rateOpt("load-rate", "local demo traffic, transactions a second",
                                     "RATE", "50");
    const QCommandLineOption timeoutOpt("screenshot-timeout", "seconds to wait for data", "S",
                                        "300");
    const QCommandLineOption rangeOpt(
        "range", "time range: the last MINUTES (default: the profile's saved range)", "MINUTES");
    const QCommandLineOption tokensOpt(
        "tokens-file",
        "the local cluster's tokens file (its scorers accept changes only with one; the "
        "console's own token comes from $FRAUDOPS_TOKEN or the keychain)",
        "FILE");
    const QCommandLineOption settleOpt(
        "screenshot-settle", "once the page has data, seconds to let it accumulate", "S", "0");
    for (const auto& o :
         {profileOpt, localOpt, screenshotOpt, pageOpt, registryOpt, workOpt, replicasOpt,
          sharedHistoryOpt, rateOpt, timeoutOpt, settleOpt, rangeOpt, tokensOpt})
        cli.addOption(o);
    cli.process(app);

    const auto profile = fraudops::ProfileStore().find(cli.value(profileOpt));
    if (!profile) {
        std::fprintf(stderr, "fraudops-console: no profile named %s\n",
                     qPrintable(cli.value(profileOpt)));
        return 2;
    }
    const int rangeMinutes = cli.isSet(rangeOpt) ? cli.value(rangeOpt).toInt() : 0;
    if (cli.isSet(rangeOpt) && rangeMinutes <= 0) {
        std::fprintf(stderr, "fraudops-console: --range takes a number of minutes, not %s\n",
                     qPrintable(cli.value(rangeOpt)));
        return 2;
    }

    std::unique_ptr<fraudops::LocalCluster> local;
    if (cli.isSet(localOpt) || (profile->isLocal() && cli.isSet(screenshotOpt))) {
        fraudops::LocalCluster::Config config;
        config.binDir = findBinDir();
        config.rulesFile = findRulesFile();
        config.registry = QDir(cli.value(registryOpt)).absolutePath();
        config.workDir = QDir(cli.value(workOpt)).absolutePath();
        config.replicas = cli.value(replicasOpt).toInt();
        config.sharedCardHistory = cli.isSet(sharedHistoryOpt);
        if (cli.isSet(tokensOpt))
            config.tokensFile = QFileInfo(cli.value(tokensOpt)).absoluteFilePath();
        config.loadRate = cli.value(rateOpt).toDouble();
        fraudops::ProfileStore::rememberLocalClusterDir(config.workDir);
        local = std::make_unique<fraudops::LocalCluster>(config);
        local->start();
    }

    fraudops::ConsoleWindow window(*profile, local.get());
    if (!window.showPage(cli.value(pageOpt))) {
        std::fprintf(stderr, "fraudops-console: no page named %s (pages: %s)\n",
                     qPrintable(cli.value(pageOpt)), qPrintable(window.pageTitles().join(", ")));
        return 2;
    }
    if (rangeMinutes > 0)
        window.setRange(fraudops::TimeRange::last(std::chrono::minutes(rangeMinutes)));
    window.show();

    int exitCode = 0;
    // Used by the timers below while app.exec() runs: they live as long as main.
    const QString file = cli.value(screenshotOpt);
    fraudops::ConsolePage* page = window.page(cli.value(pageOpt));
    const qint64 limit = cli.value(timeoutOpt).toLongLong() * 1000;
    const int settleMs = cli.value(settleOpt).toInt() * 1000;
    QElapsedTimer waited;
    waited.start();
    if (cli.isSet(screenshotOpt)) {
        auto* poll = new QTimer(&app);
        QObject::connect(poll, &QTimer::timeout, &app, [&, poll] {
            if (page->content().complete) {
                poll->stop();
                // After the settle time, one more refresh so every panel shows the same
                // moment, then the picture, if the page still shows everything (a picture's
                // colours alone pass on empty axes).
                QTimer::singleShot(settleMs, &app, [&] { window.refreshNow(); });
                QTimer::singleShot(settleMs + 2000, &app, [&] {
                    const auto content = page->content();
                    std::fprintf(stderr, "fraudops-console: %s shows %s\n",
                                 qPrintable(page->title()), qPrintable(content.summary));
                    if (!content.complete) {
                        std::fprintf(stderr, "fraudops-console: %s lost data before the picture\n",
                                     qPrintable(page->title()));
                        exitCode = 1;
                        app.quit();
                        return;
                    }
                    const bool saved = window.grab().save(file, "PNG");
                    std::fprintf(stderr, "fraudops-console: %s %s\n",
                                 saved ? "wrote" : "could not write", qPrintable(file));
                    exitCode = saved ? 0 : 1;
                    app.quit();
                });
            } else if (waited.elapsed() > limit) {
                poll->stop();
                std::fprintf(
                    stderr, "fraudops-console: %s had no data after %lld s (it shows %s)\n",
                    qPrintable(page->title()), limit / 1000, qPrintable(page->content().summary));
                exitCode = 1;
                app.quit();
            }
        });
        poll->start(500);
    }
    const int rc = app.exec();
    if (local) {
        // Stop the children cleanly; PR_SET_PDEATHSIG covers the case where we cannot.
        QEventLoop loop;
        QObject::connect(local.get(), &fraudops::LocalCluster::stopped, &loop, &QEventLoop::quit);
        QTimer::singleShot(8000, &loop, &QEventLoop::quit);
        local->stop();
        if (local->state().phase == fraudops::LocalClusterState::Phase::Stopping)
            loop.exec();
    }
    return exitCode != 0 ? exitCode : rc;
}
