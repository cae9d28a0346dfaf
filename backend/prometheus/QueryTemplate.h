#pragma once

#include <QString>
#include <chrono>

namespace fraudops {

// The console's PromQL is written once with placeholders and filled in per profile and per
// query: `$job` is the Prometheus job that scrapes the scorers, `$window` the range of
// rate() (e.g. "8s").
struct QueryContext {
    QString job = QStringLiteral("fraud-scorer");
    std::chrono::seconds rateWindow{60};
};

QString expandQuery(QString expression, const QueryContext& context);

}  // namespace fraudops
