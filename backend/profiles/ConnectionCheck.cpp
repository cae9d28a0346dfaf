#include "ConnectionCheck.h"

#include "prometheus/QueryTemplate.h"

namespace fraudops {
bool ConnectionReport::allGood() const {
    return prometheusAnswered && targets > 0 && targetsUp == targets &&
           std::all_of(scorers.begin(), scorers.end(), [](const Scorer& s) { return s.answered; });
}

ConnectionCheck::ConnectionCheck(QObject* parent) : QObject(parent) {
    qRegisterMetaType<ConnectionReport>();
}

ConnectionCheck::~ConnectionCheck() = default;

void ConnectionCheck::run(const ConnectionProfile& profile, const QString& token) {
    const quint64 run = ++run_;  // answers to an earlier run are dropped
    report_ = {};
    pending_ = 2;  // every scorer (one round), and Prometheus
    std::vector<ScorerEndpoint> endpoints;
    for (const QString& address : profile.scorerEndpoints) {
        ConnectionReport::Scorer s;
        s.address = address;
        report_.scorers.push_back(s);
        ScorerEndpoint endpoint = profile.endpoint(address, token);
        endpoint.deadline = std::chrono::seconds(5);
        endpoints.push_back(endpoint);
    }
    scorers_ = std::make_unique<ReplicaStatusPoller>();
    connect(scorers_.get(), &ReplicaStatusPoller::roundFinished, this,
            [this, run](const std::vector<ReplicaStatusReading>& readings) {
                if (run != run_)
                    return;
                for (const auto& r : readings) {
                    for (auto& s : report_.scorers) {
                        if (s.address != r.address)
                            continue;
                        s.answered = r.status.has_value();
                        s.error = r.error;
                        if (r.status) {
                            s.replica = QString::fromStdString(r.status->replica());
                            s.generation = r.status->generation_served();
                            s.stableVersion = QString::fromStdString(r.status->stable_version());
                            s.canaryVersion = QString::fromStdString(r.status->canary_version());
                        }
                    }
                }
                oneDone();
            });
    scorers_->setEndpoints(endpoints);
    scorers_->poll();

    PrometheusClient::Options options;
    options.baseUrl = profile.prometheusUrl;
    options.timeout = std::chrono::seconds(5);
    options.workers = 1;
    prometheus_ = std::make_unique<PrometheusClient>(options);
    connect(prometheus_.get(), &PrometheusClient::finished, this,
            [this, run](PrometheusClient::RequestId id, const PrometheusResult& result) {
                if (run != run_ || id != upQuery_)
                    return;
                if (result.ok()) {
                    report_.prometheusAnswered = true;
                    for (const auto& s : result.series) {
                        ++report_.targets;
                        report_.targetsUp += !s.samples.empty() && s.samples[0].value == 1;
                    }
                } else {
                    report_.prometheusError = result.error->message;
                }
                oneDone();
            });
    upQuery_ = prometheus_->query(expandQuery("up{job=\"$job\"}", {profile.scrapeJob}));
}

void ConnectionCheck::oneDone() {
    if (--pending_ == 0)
        emit finished(report_);
}

}  // namespace fraudops
