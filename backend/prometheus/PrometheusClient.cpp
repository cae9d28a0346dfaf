#include "prometheus/PrometheusClient.h"

#include <QUrl>

#include "prometheus/CurlHttpGet.h"
#include "prometheus/PrometheusResponseParser.h"

namespace fraudops {
namespace {

QString seconds(const QDateTime& t) {
    return QString::number(static_cast<double>(t.toMSecsSinceEpoch()) / 1000.0, 'f', 3);
}

PrometheusResult fetch(const QString& url, const HttpRequestOptions& options) {
    const HttpAnswer answer = curlHttpGet(url, options);
    PrometheusResult r;
    switch (answer.failure) {
        case HttpAnswer::Failure::None:
            return parsePrometheusResponse(answer.status, answer.body);
        case HttpAnswer::Failure::Refused:
            r.error = PrometheusError{PrometheusError::Kind::Refused,
                                      0,
                                      {},
                                      "Prometheus is not reachable: " + answer.failureText};
            return r;
        case HttpAnswer::Failure::Timeout:
            r.error = PrometheusError{PrometheusError::Kind::Timeout,
                                      0,
                                      {},
                                      QStringLiteral("no answer from Prometheus within %1 ms: %2")
                                          .arg(options.timeout.count())
                                          .arg(answer.failureText)};
            return r;
        case HttpAnswer::Failure::Other:
            break;
    }
    r.error = PrometheusError{PrometheusError::Kind::BadResponse,
                              answer.status,
                              {},
                              "Prometheus request failed: " + answer.failureText};
    return r;
}

}  // namespace

PrometheusClient::PrometheusClient(Options options, QObject* parent)
    : QObject(parent),
      options_(std::move(options)),
      alive_(std::make_shared<std::atomic<bool>>(true)) {
    qRegisterMetaType<fraudops::PrometheusResult>();
    qRegisterMetaType<fraudops::PrometheusClient::RequestId>(
        "fraudops::PrometheusClient::RequestId");
    pool_.setMaxThreadCount(std::max(1, options_.workers));
    while (options_.baseUrl.endsWith('/'))
        options_.baseUrl.chop(1);
}

PrometheusClient::~PrometheusClient() {
    alive_->store(false);
    pool_.clear();
    pool_.waitForDone();
}

PrometheusClient::RequestId PrometheusClient::query(const QString& expression,
                                                    const QDateTime& at) {
    QString url = options_.baseUrl +
                  "/api/v1/query?query=" + QString::fromLatin1(QUrl::toPercentEncoding(expression));
    if (at.isValid())
        url += "&time=" + seconds(at);
    return submit(url);
}

PrometheusClient::RequestId PrometheusClient::queryRange(const QString& expression,
                                                         const QDateTime& start,
                                                         const QDateTime& end,
                                                         std::chrono::seconds step) {
    return submit(options_.baseUrl + "/api/v1/query_range?query=" +
                  QString::fromLatin1(QUrl::toPercentEncoding(expression)) +
                  "&start=" + seconds(start) + "&end=" + seconds(end) +
                  "&step=" + QString::number(step.count()));
}

PrometheusClient::RequestId PrometheusClient::submit(QString url) {
    const RequestId id = nextId_.fetch_add(1);
    HttpRequestOptions http;
    http.timeout = options_.timeout;
    http.connectTimeout = std::min(options_.timeout, std::chrono::milliseconds(3'000));
    http.bearerToken = options_.bearerToken;
    http.abort = alive_;
    pool_.start([this, id, url = std::move(url), http, alive = alive_] {
        PrometheusResult result = fetch(url, http);
        if (!alive->load())
            return;
        // Queued: the receiver gets it on its own thread. The destructor waits for this job,
        // so `this` is alive here.
        QMetaObject::invokeMethod(
            this, [this, id, result = std::move(result)] { emit finished(id, result); },
            Qt::QueuedConnection);
    });
    return id;
}

}  // namespace fraudops
