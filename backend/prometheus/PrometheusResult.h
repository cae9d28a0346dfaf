#pragma once

#include <QMetaType>
#include <QString>
#include <map>
#include <optional>
#include <vector>

namespace fraudops {

// Why a Prometheus call gave no data, as a value the UI can show.
struct PrometheusError {
    enum class Kind {
        Refused,     // nothing listens there (connection refused, host unknown)
        Timeout,     // connected or not, no complete answer within the timeout
        Http,        // an HTTP error without a Prometheus error body
        Prometheus,  // Prometheus's own error (bad query, timeout inside Prometheus, ...)
        BadResponse  // an answer that is not Prometheus's JSON
    };
    Kind kind = Kind::BadResponse;
    int httpStatus = 0;
    QString errorType;  // Prometheus's errorType (bad_data, timeout, execution, ...)
    QString message;
};

struct PrometheusSample {
    double time = 0;  // seconds since the epoch
    double value = 0;
};

struct PrometheusSeries {
    std::map<QString, QString> labels;
    std::vector<PrometheusSample> samples;  // one for a vector, many for a matrix
};

// The answer to one query: a vector, a matrix, a scalar or a string (Prometheus's four
// result types), or an error.
struct PrometheusResult {
    enum class Type { Vector, Matrix, Scalar, String };
    Type type = Type::Vector;
    std::vector<PrometheusSeries> series;  // Vector and Matrix
    PrometheusSample scalar;               // Scalar
    QString text;                          // String
    std::vector<QString> warnings;
    std::optional<PrometheusError> error;
    bool ok() const { return !error.has_value(); }
};

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::PrometheusResult)
