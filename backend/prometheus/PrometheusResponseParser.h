#pragma once

#include <QByteArray>

#include "prometheus/PrometheusResult.h"

namespace fraudops {

// Turns the body of a /api/v1/query or /api/v1/query_range answer (success or error, any
// HTTP status) into a result. Values are strings in Prometheus's JSON ("NaN", "+Inf" too).
PrometheusResult parsePrometheusResponse(int httpStatus, const QByteArray& body);

}  // namespace fraudops
