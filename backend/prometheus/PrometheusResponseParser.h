#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <optional>
#include <vector>

#include "prometheus/PrometheusResult.h"

namespace fraudops {

// Turns the body of a /api/v1/query or /api/v1/query_range answer (success or error, any
// HTTP status) into a result. Values are strings in Prometheus's JSON ("NaN", "+Inf" too).
PrometheusResult parsePrometheusResponse(int httpStatus, const QByteArray& body);

// The envelope every Prometheus API answer shares ({"status", "data", "warnings"} or
// {"status": "error", "errorType", "error"}): the error, or nothing with *data (and
// *warnings, if asked) filled in.
std::optional<PrometheusError> parsePrometheusEnvelope(int httpStatus, const QByteArray& body,
                                                       QJsonObject* data,
                                                       std::vector<QString>* warnings);

}  // namespace fraudops
