#include "PrometheusProcess.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimer>
#include <QUrlQuery>

#include "HttpGet.h"
#include "TestEnvironment.h"

namespace fraudops::test {
std::unique_ptr<PrometheusProcess> PrometheusProcess::start(const QStringList& targets,
                                                            QString* error) {
    std::vector<ScrapeTarget> unlabelled;
    for (const auto& t : targets)
        unlabelled.push_back({t, {}});
    return start(unlabelled, "scorer", error);
}

std::unique_ptr<PrometheusProcess> PrometheusProcess::start(
    const std::vector<ScrapeTarget>& targets, const QString& job, QString* error,
    const QStringList& ruleFiles) {
    auto p = std::make_unique<PrometheusProcess>();
    QString config = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n";
    if (!ruleFiles.isEmpty())
        config += "rule_files: ['" + ruleFiles.join("', '") + "']\n";
    config += "scrape_configs:\n  - job_name: " + job + "\n    static_configs:\n";
    if (targets.empty())
        config += "      - targets: []\n";
    for (const auto& t : targets) {
        config += "      - targets: [\"" + t.address + "\"]\n";
        if (!t.labels.empty()) {
            config += "        labels:\n";
            for (const auto& [name, value] : t.labels)
                config += "          " + name + ": \"" + value + "\"\n";
        }
    }
    QFile file(p->dir_.filePath("prometheus.yml"));
    if (!file.open(QIODevice::WriteOnly) || file.write(config.toUtf8()) < 0) {
        if (error)
            *error = "cannot write the Prometheus configuration";
        return nullptr;
    }
    file.close();
    p->child_.start(
        "prometheus",
        {"--config.file=" + file.fileName(), "--storage.tsdb.path=" + p->dir_.filePath("data"),
         "--web.listen-address=127.0.0.1:0", "--log.level=info"},
        /*mergeStderr=*/true);
    // Prometheus logs the address it really bound: msg="Listening on" address=127.0.0.1:PORT
    static const QRegularExpression listening(R"(msg="Listening on" address=127\.0\.0\.1:(\d+))");
    QByteArray seen;
    const QByteArray line = p->child_.waitForLine(
        [](const QByteArray& l) { return listening.match(QString::fromUtf8(l)).hasMatch(); },
        std::chrono::seconds(30), &seen);
    if (line.isEmpty()) {
        if (error)
            *error = "Prometheus did not start listening: " + QString::fromUtf8(seen);
        return nullptr;
    }
    p->port_ = listening.match(QString::fromUtf8(line)).captured(1).toInt();
    // Ready means the TSDB is open and queries are answered.
    QDeadlineTimer deadline(std::chrono::seconds(30));
    while (httpGet(p->baseUrl() + "/-/ready", std::chrono::seconds(2)).status != 200) {
        if (deadline.hasExpired()) {
            if (error)
                *error = "Prometheus never became ready";
            return nullptr;
        }
        betweenPolls(std::chrono::milliseconds(50));
    }
    return p;
}

QJsonArray PrometheusProcess::query(const QString& promql, QString* error) const {
    QUrlQuery q;
    q.addQueryItem("query", promql);
    const auto response = httpGet(baseUrl() + "/api/v1/query?" + q.toString(QUrl::FullyEncoded));
    const auto doc = QJsonDocument::fromJson(response.body).object();
    if (response.status != 200 || doc.value("status").toString() != "success") {
        if (error)
            *error = QString::fromUtf8(response.body) + response.error;
        return {};
    }
    return doc.value("data").toObject().value("result").toArray();
}

bool PrometheusProcess::waitFor(const QString& promql,
                                const std::function<bool(const QJsonArray&)>& accept,
                                std::chrono::milliseconds timeout, QJsonArray* last) const {
    QDeadlineTimer deadline(timeout);
    for (;;) {
        const QJsonArray result = query(promql);
        if (last)
            *last = result;
        if (accept(result))
            return true;
        if (deadline.hasExpired())
            return false;
        betweenPolls(std::chrono::milliseconds(200));
    }
}

}  // namespace fraudops::test
