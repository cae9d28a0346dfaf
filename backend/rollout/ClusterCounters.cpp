#include "rollout/ClusterCounters.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "common/LatencyBuckets.h"

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
    if (kind == "latency" && p.size() == 3) {
        const std::size_t i = std::stoul(p[2]);
        const auto& edges = fraud::kRequestLatencyEdges;
        return QStringLiteral(
                   "fraud_scorer_request_duration_seconds_bucket{%1,method=\"Score\"%2,le=\"%3\"}")
            .arg(job, variant,
                 i < edges.size() ? QString::number(edges[i]) : QStringLiteral("+Inf"));
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

namespace {

double leValue(const QString& text) {
    return text == "+Inf" ? std::numeric_limits<double>::infinity() : text.toDouble();
}

}  // namespace

// A version's score histogram on its own baseline bins, one query for all its bins: cumulative
// buckets become counts per bin, each a counter of its own ("scorebins/canary/v3/4").
bool ClusterCounters::readScoreBins(const std::string& prefix, std::size_t bins, Read& out) const {
    const auto p = parts(prefix);  // scorebins, variant, version
    const QString query =
        QStringLiteral(
            "fraud_scorer_feature_baseline_bins_bucket{job=\"%1\",variant=\"%2\","
            "feature=\"score\",bins=\"%3\"}")
            .arg(job_, QString::fromStdString(p[1]), QString::fromStdString(p[2]));
    const auto result = prometheusQuery(prometheus_, query);
    if (!result.ok()) {
        out.error = "Prometheus: " + result.error->message.toStdString();
        return false;
    }
    std::map<std::string, std::vector<std::pair<double, double>>> cumulative;
    for (const auto& series : result.series) {
        if (series.samples.empty())
            continue;
        auto labels = series.labels;
        const auto le = labels.find("le");
        if (le == labels.end())
            continue;
        const double edge = leValue(le->second);
        labels.erase(le);
        cumulative[seriesKey(labels)].emplace_back(edge, series.samples.back().value);
    }
    for (std::size_t i = 0; i < bins; ++i)
        out.snapshot[prefix + "/" + std::to_string(i)];
    for (auto& [key, buckets] : cumulative) {
        std::sort(buckets.begin(), buckets.end());
        double below = 0;
        for (std::size_t i = 0; i < buckets.size() && i < bins; ++i) {
            out.snapshot[prefix + "/" + std::to_string(i)][key] =
                std::max(0.0, buckets[i].second - below);
            below = buckets[i].second;
        }
    }
    return true;
}

// A side's latency histogram, one query for every bucket: each cumulative bucket a counter of
// its own ("latency/canary/7" is le="0.002"), by its index among the scorer's edges.
bool ClusterCounters::readLatency(const std::string& variant, Read& out) const {
    const auto result = prometheusQuery(
        prometheus_,
        QStringLiteral("fraud_scorer_request_duration_seconds_bucket{job=\"%1\",method=\"Score\","
                       "variant=\"%2\"}")
            .arg(job_, QString::fromStdString(variant)));
    if (!result.ok()) {
        out.error = "Prometheus: " + result.error->message.toStdString();
        return false;
    }
    const auto names = latencyCounters(variant);
    for (const auto& name : names)
        out.snapshot[name];
    for (const auto& series : result.series) {
        auto labels = series.labels;
        const auto le = labels.find("le");
        if (series.samples.empty() || le == labels.end())
            continue;
        const double edge = leValue(le->second);
        labels.erase(le);
        const auto& edges = fraud::kRequestLatencyEdges;
        const auto at = std::find_if(edges.begin(), edges.end(),
                                     [&](double e) { return std::abs(e - edge) <= 1e-9 * e; });
        const std::size_t index = std::isinf(edge) ? edges.size()
                                  : at == edges.end()
                                      ? names.size()  // an edge this build does not know
                                      : static_cast<std::size_t>(at - edges.begin());
        if (index < names.size())
            out.snapshot[names[index]][seriesKey(labels)] += series.samples.back().value;
    }
    return true;
}

ClusterCounters::Read ClusterCounters::read(const std::vector<std::string>& counters) const {
    Read out;
    std::set<std::string> latencySides;
    std::map<std::string, std::size_t> scoreHistograms;  // prefix -> bins
    for (const auto& name : counters) {
        if (name.starts_with("latency/"))
            latencySides.insert(parts(name)[1]);
        if (name.starts_with("scorebins/")) {
            const auto slash = name.rfind('/');
            auto& bins = scoreHistograms[name.substr(0, slash)];
            bins = std::max(bins, static_cast<std::size_t>(std::stoul(name.substr(slash + 1))) + 1);
        }
    }
    for (const auto& [prefix, bins] : scoreHistograms) {
        if (!readScoreBins(prefix, bins, out))
            return out;
    }
    for (const auto& side : latencySides) {
        if (!readLatency(side, out))
            return out;
    }
    for (const auto& name : counters) {
        if (name.starts_with("scorebins/") || name.starts_with("latency/"))
            continue;
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
