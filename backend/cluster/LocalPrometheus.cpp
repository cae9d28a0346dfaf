#include "cluster/LocalPrometheus.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>

#include "cluster/AtomicFile.h"
#include "cluster/ProcessSupervisor.h"

namespace fraudops {

LocalPrometheus::LocalPrometheus(ProcessSupervisor& supervisor, Options options, QObject* parent)
    : QObject(parent), supervisor_(supervisor), options_(std::move(options)) {}

void LocalPrometheus::start() {
    stopping_ = false;
    QDir(QDir(options_.workDir).filePath("prometheus-data")).removeRecursively();
    if (!running_)
        launch();
}

void LocalPrometheus::setTargets(const std::vector<ScrapeTarget>& targets) {
    QJsonArray sd;
    for (const auto& t : targets) {
        sd.append(QJsonObject{
            {"targets", QJsonArray{t.metricsAddress}},
            {"labels", QJsonObject{{"replica", t.replica}, {"grpc_address", t.grpcAddress}}}});
    }
    QDir().mkpath(options_.workDir);
    writeFileAtomically(QDir(options_.workDir).filePath("targets.json"),
                        QJsonDocument(sd).toJson());
}

void LocalPrometheus::launch() {
    const QDir work(options_.workDir);
    QDir().mkpath(options_.workDir);
    const QString configFile = work.filePath("prometheus.yml");
    const QString targetsFile = work.filePath("targets.json");
    const QString selfFile = work.filePath("self.json");
    const bool rules = !options_.rulesFile.isEmpty() && QFileInfo::exists(options_.rulesFile);
    writeFileAtomically(configFile,
                        QStringLiteral("global:\n"
                                       "  scrape_interval: %1s\n"
                                       "  evaluation_interval: %2s\n"
                                       "%3"
                                       "scrape_configs:\n"
                                       "  - job_name: fraud-scorer\n"
                                       "    file_sd_configs:\n"
                                       "      - files: ['%4']\n"
                                       "        refresh_interval: 1s\n"
                                       "  - job_name: prometheus\n"
                                       "    file_sd_configs:\n"
                                       "      - files: ['%5']\n"
                                       "        refresh_interval: 1s\n")
                            .arg(options_.scrapeInterval.count())
                            .arg(options_.evaluationInterval.count())
                            .arg(rules ? QStringLiteral("rule_files: ['%1']\n")
                                             .arg(QFileInfo(options_.rulesFile).absoluteFilePath())
                                       : QString())
                            .arg(targetsFile, selfFile)
                            .toUtf8());
    if (!QFile::exists(targetsFile))
        setTargets({});
    writeSelfTarget();
    const QString listen =
        url_.isEmpty() ? QStringLiteral("127.0.0.1:0") : QString(url_).remove("http://");
    const QString logPath = supervisor_.logPath("prometheus.log");
    const qint64 logStart = QFileInfo(logPath).size();
    QProcess* p = supervisor_.spawn(
        options_.binary,
        {"--config.file=" + configFile, "--storage.tsdb.path=" + work.filePath("prometheus-data"),
         "--storage.tsdb.retention.time=2d", "--web.listen-address=" + listen},
        "prometheus.log", true);
    running_ = true;
    pid_ = p->processId();
    emit changed();
    watchLog(logPath, logStart);
    connect(p, &QProcess::finished, this, [this, p](int, QProcess::ExitStatus) {
        p->deleteLater();
        running_ = false;
        up_ = false;
        pid_ = 0;
        emit changed();
        emit exited();
        if (!stopping_) {
            QTimer::singleShot(RestartBackoff::kFirst, this, [this] {
                if (!stopping_ && !running_)
                    launch();
            });
        }
    });
}

void LocalPrometheus::watchLog(const QString& logPath, qint64 from) {
    // Prometheus logs the address it bound ("Listening on"): read from its log as it grows.
    auto* poll = new QTimer(this);
    connect(poll, &QTimer::timeout, this, [this, poll, logPath, from] {
        if (!running_) {
            poll->deleteLater();
            return;
        }
        QFile log(logPath);
        if (!log.open(QIODevice::ReadOnly) || !log.seek(from))
            return;
        static const QRegularExpression listening(
            R"(msg="Listening on" address=(127\.0\.0\.1:\d+))");
        const auto m = listening.match(QString::fromUtf8(log.readAll()));
        if (!m.hasMatch())
            return;
        poll->deleteLater();
        url_ = "http://" + m.captured(1);
        up_ = true;
        writeSelfTarget();
        emit changed();
    });
    poll->start(100);
}

void LocalPrometheus::writeSelfTarget() {
    // Its own address is known once it listened (a free port, kept across restarts).
    QJsonArray sd;
    if (!url_.isEmpty())
        sd.append(QJsonObject{{"targets", QJsonArray{QString(url_).remove("http://")}}});
    QDir().mkpath(options_.workDir);
    writeFileAtomically(QDir(options_.workDir).filePath("self.json"), QJsonDocument(sd).toJson());
}

}  // namespace fraudops
