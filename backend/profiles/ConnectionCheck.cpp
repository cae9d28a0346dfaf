#include "ConnectionCheck.h"

#include <QPointer>
#include <QThreadPool>

#include "common/GrpcCodes.h"
#include "control/ControlClient.h"
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
    pending_ = static_cast<int>(profile.scorerEndpoints.size()) + 1;
    for (int i = 0; i < profile.scorerEndpoints.size(); ++i) {
        ConnectionReport::Scorer s;
        s.address = profile.scorerEndpoints[i];
        report_.scorers.push_back(s);
        ScorerEndpoint endpoint = profile.endpoint(s.address, token);
        endpoint.deadline = std::chrono::seconds(5);
        QPointer<ConnectionCheck> self(this);
        QThreadPool::globalInstance()->start([self, endpoint, run, i] {
            ConnectionReport::Scorer r;
            try {
                const auto status = ControlClient(endpoint).status();
                if (status.ok()) {
                    r.answered = true;
                    r.replica = QString::fromStdString(status.value->replica());
                    r.generation = status.value->generation_served();
                    r.stableVersion = QString::fromStdString(status.value->stable_version());
                    r.canaryVersion = QString::fromStdString(status.value->canary_version());
                } else {
                    r.error = QString::fromLatin1(
                                  fraud::grpcCodeName(static_cast<int>(status.error->code))) +
                              ": " + QString::fromStdString(status.error->message);
                }
            } catch (const std::exception& e) {  // a TLS file that cannot be read
                r.error = QString::fromUtf8(e.what());
            }
            QMetaObject::invokeMethod(
                self,
                [self, r, run, i] {
                    if (!self || run != self->run_)
                        return;
                    auto& slot = self->report_.scorers[static_cast<std::size_t>(i)];
                    const QString address = slot.address;
                    slot = r;
                    slot.address = address;
                    self->oneDone();
                },
                Qt::QueuedConnection);
        });
    }

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
