#include "prometheus/PrometheusHttp.h"

#include <QUrl>
#include <cmath>

#include "prometheus/CurlHttpGet.h"
#include "prometheus/PrometheusResponseParser.h"

namespace fraudops {
namespace {

QString seconds(const QDateTime& t) {
    return QString::number(static_cast<double>(t.toMSecsSinceEpoch()) / 1000.0, 'f', 3);
}

QString baseOf(QString url) {
    while (url.endsWith('/'))
        url.chop(1);
    return url;
}

HttpAnswer get(const QString& url, const PrometheusEndpoint& endpoint,
               std::shared_ptr<const std::atomic<bool>> abort) {
    HttpRequestOptions options;
    options.timeout = endpoint.timeout;
    options.connectTimeout = std::min(endpoint.timeout, std::chrono::milliseconds(3'000));
    options.bearerToken = endpoint.bearerToken;
    options.abort = std::move(abort);
    return curlHttpGet(url, options);
}

// A transfer that ended without an answer to parse, as Prometheus's error.
std::optional<PrometheusError> transportError(const HttpAnswer& answer,
                                              const PrometheusEndpoint& endpoint) {
    switch (answer.failure) {
        case HttpAnswer::Failure::None:
            return std::nullopt;
        case HttpAnswer::Failure::Refused:
            return PrometheusError{PrometheusError::Kind::Refused,
                                   0,
                                   {},
                                   "Prometheus is not reachable: " + answer.failureText};
        case HttpAnswer::Failure::Timeout:
            return PrometheusError{PrometheusError::Kind::Timeout,
                                   0,
                                   {},
                                   QStringLiteral("no answer from Prometheus within %1 ms: %2")
                                       .arg(endpoint.timeout.count())
                                       .arg(answer.failureText)};
        case HttpAnswer::Failure::Other:
            break;
    }
    return PrometheusError{PrometheusError::Kind::BadResponse,
                           answer.status,
                           {},
                           "Prometheus request failed: " + answer.failureText};
}

PrometheusResult fetch(const QString& url, const PrometheusEndpoint& endpoint,
                       std::shared_ptr<const std::atomic<bool>> abort) {
    const HttpAnswer answer = get(url, endpoint, std::move(abort));
    PrometheusResult r;
    r.error = transportError(answer, endpoint);
    return r.error ? r : parsePrometheusResponse(answer.status, answer.body);
}

}  // namespace

PrometheusResult prometheusQuery(const PrometheusEndpoint& endpoint, const QString& expression,
                                 const QDateTime& at,
                                 std::shared_ptr<const std::atomic<bool>> abort) {
    QString url = baseOf(endpoint.baseUrl) +
                  "/api/v1/query?query=" + QString::fromLatin1(QUrl::toPercentEncoding(expression));
    if (at.isValid())
        url += "&time=" + seconds(at);
    return fetch(url, endpoint, std::move(abort));
}

PrometheusResult prometheusQueryRange(const PrometheusEndpoint& endpoint, const QString& expression,
                                      const QDateTime& start, const QDateTime& end,
                                      std::chrono::seconds step,
                                      std::shared_ptr<const std::atomic<bool>> abort) {
    return fetch(baseOf(endpoint.baseUrl) + "/api/v1/query_range?query=" +
                     QString::fromLatin1(QUrl::toPercentEncoding(expression)) +
                     "&start=" + seconds(start) + "&end=" + seconds(end) +
                     "&step=" + QString::number(step.count()),
                 endpoint, std::move(abort));
}

std::optional<double> firstValue(const PrometheusResult& result) {
    std::optional<double> v;
    if (!result.ok())
        return v;
    if (result.type == PrometheusResult::Type::Scalar)
        v = result.scalar.value;
    else if (!result.series.empty() && !result.series[0].samples.empty())
        v = result.series[0].samples[0].value;
    if (v && !std::isfinite(*v))
        v.reset();
    return v;
}

AlertRules prometheusAlertRules(const PrometheusEndpoint& endpoint,
                                std::shared_ptr<const std::atomic<bool>> abort) {
    const HttpAnswer answer =
        get(baseOf(endpoint.baseUrl) + "/api/v1/rules", endpoint, std::move(abort));
    if (auto error = transportError(answer, endpoint)) {
        AlertRules r;
        r.error = std::move(error);
        return r;
    }
    return parseAlertRules(answer.status, answer.body);
}

}  // namespace fraudops
