#include "rollout/ClusterCounters.h"

#include <map>

namespace fraudops::rollout {
namespace {

// The scorer's own failures: a client's bad input (INVALID_ARGUMENT) or missing token is the
// same on both sides and says nothing about a version.
constexpr const char* kServerErrors =
    "INTERNAL|UNKNOWN|UNAVAILABLE|DEADLINE_EXCEEDED|RESOURCE_EXHAUSTED|DATA_LOSS|UNIMPLEMENTED";

// "cards/canary/decline" -> {"cards", "canary", "decline"}.
std::vector<std::string> parts(const std::string& name) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto slash = name.find('/', start);
        out.push_back(name.substr(start, slash - start));
        if (slash == std::string::npos)
            return out;
        start = slash + 1;
    }
}

// A series' identity within one counter: every label but the ones the name fixes.
std::string seriesKey(const std::map<QString, QString>& labels) {
    std::string key;
    for (const auto& [name, value] : labels) {
        if (name == "variant" || name == "outcome" || name == "__name__")
            continue;
        key.append(name.toStdString()).append("=").append(value.toStdString()).append(",");
    }
    return key;
}

}  // namespace

ClusterCounters::ClusterCounters(PrometheusEndpoint prometheus, QString job)
    : prometheus_(std::move(prometheus)), job_(std::move(job)) {}

QString ClusterCounters::queryFor(const std::string& counter) const {
    const auto p = parts(counter);
    const QString job = QStringLiteral("job=\"%1\"").arg(job_);
    const QString variant =
        p.size() > 1 ? QStringLiteral(",variant=\"%1\"").arg(QString::fromStdString(p[1]))
                     : QString();
    const std::string& kind = p[0];
    if (kind == "cards" && p.size() == 3) {
        return QStringLiteral("fraud_scorer_cards_total{%1%2,outcome=\"%3\"}")
            .arg(job, variant, QString::fromStdString(p[2]));
    }
    if (kind == "requests")
        return QStringLiteral("fraud_scorer_request_duration_seconds_count{%1,method=\"Score\"%2}")
            .arg(job, variant);
    if (kind == "within")
        return QStringLiteral(
                   "fraud_scorer_request_duration_seconds_bucket{%1,method=\"Score\"%2,le=\"0."
                   "002\"}")
            .arg(job, variant);
    if (kind == "errors")
        return QStringLiteral("fraud_scorer_requests_total{%1%2,code=~\"%3\"}")
            .arg(job, variant, QString::fromLatin1(kServerErrors));
    if (kind == "calls")
        return QStringLiteral("fraud_scorer_requests_total{%1%2}").arg(job, variant);
    if (kind == "declines")
        return QStringLiteral("fraud_scorer_decisions_total{%1%2,decision=\"decline\"}")
            .arg(job, variant);
    return {};
}

ClusterCounters::Read ClusterCounters::read(const std::vector<std::string>& counters) const {
    Read out;
    for (const auto& name : counters) {
        const QString query = queryFor(name);
        if (query.isEmpty()) {
            out.error = "no query for counter " + name;
            return out;
        }
        const auto result = prometheusQuery(prometheus_, query);
        if (!result.ok()) {
            out.error = "Prometheus: " + result.error->message.toStdString();
            return out;
        }
        auto& values = out.snapshot[name];
        for (const auto& series : result.series) {
            if (!series.samples.empty())
                values[seriesKey(series.labels)] += series.samples.back().value;
        }
    }
    return out;
}

ClusterCounters::Generation ClusterCounters::servedGeneration() const {
    Generation out;
    const auto result =
        prometheusQuery(prometheus_, QStringLiteral("fraud_scorer_rollout_generation{job=\"%1\"} "
                                                    "and on(instance) up{job=\"%1\"} == 1")
                                         .arg(job_));
    if (!result.ok()) {
        out.error = "Prometheus: " + result.error->message.toStdString();
        return out;
    }
    for (const auto& series : result.series) {
        if (series.samples.empty())
            continue;
        const auto g = static_cast<std::uint64_t>(series.samples.back().value);
        out.lowest = out.replicas == 0 ? g : std::min(out.lowest, g);
        out.highest = std::max(out.highest, g);
        ++out.replicas;
    }
    return out;
}

}  // namespace fraudops::rollout
