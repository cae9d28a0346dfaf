#include "prometheus/PrometheusClient.h"

namespace fraudops {

PrometheusClient::PrometheusClient(Options options, QObject* parent)
    : QObject(parent), options_(std::move(options)), calls_(this, options_.workers) {
    qRegisterMetaType<fraudops::PrometheusResult>();
    qRegisterMetaType<fraudops::AlertRules>();
    qRegisterMetaType<fraudops::PrometheusClient::RequestId>(
        "fraudops::PrometheusClient::RequestId");
    while (options_.baseUrl.endsWith('/'))
        options_.baseUrl.chop(1);
}

PrometheusClient::~PrometheusClient() = default;

PrometheusEndpoint PrometheusClient::endpoint() const {
    return {options_.baseUrl, options_.bearerToken, options_.timeout};
}

PrometheusClient::RequestId PrometheusClient::query(const QString& expression,
                                                    const QDateTime& at) {
    const RequestId id = nextId_.fetch_add(1);
    calls_.run(
        [endpoint = endpoint(), expression, at, alive = calls_.alive()] {
            return prometheusQuery(endpoint, expression, at, alive);
        },
        [this, id](PrometheusResult r) { emit finished(id, r); });
    return id;
}

PrometheusClient::RequestId PrometheusClient::queryRange(const QString& expression,
                                                         const QDateTime& start,
                                                         const QDateTime& end,
                                                         std::chrono::seconds step) {
    const RequestId id = nextId_.fetch_add(1);
    calls_.run(
        [endpoint = endpoint(), expression, start, end, step, alive = calls_.alive()] {
            return prometheusQueryRange(endpoint, expression, start, end, step, alive);
        },
        [this, id](PrometheusResult r) { emit finished(id, r); });
    return id;
}

PrometheusClient::RequestId PrometheusClient::alertRules() {
    const RequestId id = nextId_.fetch_add(1);
    calls_.run([endpoint = endpoint(),
                alive = calls_.alive()] { return prometheusAlertRules(endpoint, alive); },
               [this, id](AlertRules r) { emit alertRulesFinished(id, r); });
    return id;
}

}  // namespace fraudops
