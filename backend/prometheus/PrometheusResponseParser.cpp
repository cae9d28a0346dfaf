#include "prometheus/PrometheusResponseParser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <limits>

namespace fraudops {
namespace {

PrometheusResult failure(PrometheusError::Kind kind, int status, QString message,
                         QString errorType = {}) {
    PrometheusResult r;
    r.error = PrometheusError{kind, status, std::move(errorType), std::move(message)};
    return r;
}

// [ <unix time>, "<value>" ]
bool sampleFrom(const QJsonValue& v, PrometheusSample& out) {
    const auto pair = v.toArray();
    if (pair.size() != 2 || !pair[0].isDouble() || !pair[1].isString())
        return false;
    out.time = pair[0].toDouble();
    const QString text = pair[1].toString();
    bool ok = true;
    if (text == "NaN")
        out.value = std::numeric_limits<double>::quiet_NaN();
    else if (text == "+Inf")
        out.value = std::numeric_limits<double>::infinity();
    else if (text == "-Inf")
        out.value = -std::numeric_limits<double>::infinity();
    else
        out.value = text.toDouble(&ok);
    return ok;
}

}  // namespace

std::optional<PrometheusError> parsePrometheusEnvelope(int httpStatus, const QByteArray& body,
                                                       QJsonObject* data,
                                                       std::vector<QString>* warnings) {
    QJsonParseError parseError;
    const auto doc = QJsonDocument::fromJson(body, &parseError);
    if (doc.isNull() || !doc.isObject()) {
        if (httpStatus >= 400) {
            return PrometheusError{PrometheusError::Kind::Http,
                                   httpStatus,
                                   {},
                                   QStringLiteral("HTTP %1: %2")
                                       .arg(httpStatus)
                                       .arg(QString::fromUtf8(body.left(200)).trimmed())};
        }
        return PrometheusError{PrometheusError::Kind::BadResponse,
                               httpStatus,
                               {},
                               "not Prometheus's JSON: " + parseError.errorString()};
    }
    const auto root = doc.object();
    const QString status = root.value("status").toString();
    if (status == "error") {
        const QString errorType = root.value("errorType").toString();
        QString message = root.value("error").toString();
        // An error without its message (a proxy imitating Prometheus, found by the fuzzer)
        // still says something the console can show.
        if (message.isEmpty()) {
            message = QStringLiteral("Prometheus answered HTTP %1 with an error%2 and no message")
                          .arg(httpStatus)
                          .arg(errorType.isEmpty() ? QString() : " (" + errorType + ")");
        }
        return PrometheusError{PrometheusError::Kind::Prometheus, httpStatus, errorType, message};
    }
    if (status != "success") {
        return PrometheusError{PrometheusError::Kind::BadResponse,
                               httpStatus,
                               {},
                               QStringLiteral("no status in the answer")};
    }
    if (warnings) {
        for (const auto& w : root.value("warnings").toArray())
            warnings->push_back(w.toString());
    }
    *data = root.value("data").toObject();
    return std::nullopt;
}

PrometheusResult parsePrometheusResponse(int httpStatus, const QByteArray& body) {
    PrometheusResult r;
    QJsonObject data;
    if (auto error = parsePrometheusEnvelope(httpStatus, body, &data, &r.warnings)) {
        r.error = std::move(error);
        return r;
    }
    const QString type = data.value("resultType").toString();
    const auto result = data.value("result");
    if (type == "scalar" || type == "string") {
        const auto pair = result.toArray();
        if (type == "string") {
            r.type = PrometheusResult::Type::String;
            r.text = pair.size() == 2 ? pair[1].toString() : QString();
            r.scalar.time = pair.size() == 2 ? pair[0].toDouble() : 0;
            return r;
        }
        r.type = PrometheusResult::Type::Scalar;
        if (!sampleFrom(result, r.scalar))
            return failure(PrometheusError::Kind::BadResponse, httpStatus, "malformed scalar");
        return r;
    }
    if (type != "vector" && type != "matrix") {
        return failure(PrometheusError::Kind::BadResponse, httpStatus,
                       "unknown result type '" + type + "'");
    }
    r.type = type == "vector" ? PrometheusResult::Type::Vector : PrometheusResult::Type::Matrix;
    for (const auto& item : result.toArray()) {
        const auto object = item.toObject();
        PrometheusSeries series;
        const auto metric = object.value("metric").toObject();
        for (auto it = metric.begin(); it != metric.end(); ++it)
            series.labels[it.key()] = it.value().toString();
        if (r.type == PrometheusResult::Type::Vector) {
            PrometheusSample s;
            if (!sampleFrom(object.value("value"), s))
                return failure(PrometheusError::Kind::BadResponse, httpStatus, "malformed sample");
            series.samples.push_back(s);
        } else {
            const auto values = object.value("values").toArray();
            series.samples.reserve(static_cast<std::size_t>(values.size()));
            for (const auto& v : values) {
                PrometheusSample s;
                if (!sampleFrom(v, s))
                    return failure(PrometheusError::Kind::BadResponse, httpStatus,
                                   "malformed sample");
                series.samples.push_back(s);
            }
        }
        r.series.push_back(std::move(series));
    }
    return r;
}

}  // namespace fraudops
