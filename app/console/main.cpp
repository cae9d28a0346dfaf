// fraudops-console: the operations console.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>
#include <cstdio>

#include "cluster/LocalCluster.h"
#include "profiles/ConnectionProfile.h"
#include "shell/ConsoleWindow.h"
#include "shell/PagePictures.h"

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
    const QCommandLineOption screenshotDirOpt(
        "screenshot-dir",
        "picture every page in turn, as DIR/<page>.png, each once it has data, then exit", "DIR");
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
    const QCommandLineOption settleOpt("screenshot-settle",
                                       "once the first page has data, seconds to let it accumulate",
                                       "S", "0");
    for (const auto& o :
         {profileOpt, localOpt, screenshotOpt, screenshotDirOpt, pageOpt, registryOpt, workOpt,
          replicasOpt, sharedHistoryOpt, rateOpt, timeoutOpt, settleOpt, rangeOpt, tokensOpt})
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
    const bool pictures = cli.isSet(screenshotOpt) || cli.isSet(screenshotDirOpt);
    if (cli.isSet(localOpt) || (profile->isLocal() && pictures)) {
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
    std::vector<std::pair<QString, QString>> shots;
    if (cli.isSet(screenshotDirOpt)) {
        const QDir dir(cli.value(screenshotDirOpt));
        if (!QDir().mkpath(dir.path())) {
            std::fprintf(stderr, "fraudops-console: cannot create %s\n", qPrintable(dir.path()));
            return 2;
        }
        for (const QString& title : window.pageTitles())
            shots.emplace_back(title, dir.filePath(title + ".png"));
    } else if (cli.isSet(screenshotOpt)) {
        shots.emplace_back(window.currentPage()->title(), cli.value(screenshotOpt));
    }
    fraudops::PagePictures pictured(window, std::move(shots),
                                    {std::chrono::seconds(cli.value(timeoutOpt).toLongLong()),
                                     std::chrono::seconds(cli.value(settleOpt).toLongLong())});
    QObject::connect(&pictured, &fraudops::PagePictures::finished, &app, [&](int failed) {
        exitCode = failed > 0 ? 1 : 0;
        app.quit();
    });
    if (pictures)
        pictured.start();
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
