#include "control/ReplicaStatusPoller.h"

#include "common/GrpcCodes.h"
#include "control/ControlClient.h"

namespace fraudops {
namespace {

ReplicaStatusReading readingOf(const QString& address,
                               const Outcome<fraud::v1::ReplicaStatus>& outcome) {
    ReplicaStatusReading r;
    r.address = address;
    r.at = QDateTime::currentDateTimeUtc();
    if (outcome.ok()) {
        r.health = ReplicaHealth::Up;
        r.status = *outcome.value;
        return r;
    }
    const auto code = outcome.error->code;
    r.health =
        code == grpc::StatusCode::UNAUTHENTICATED || code == grpc::StatusCode::PERMISSION_DENIED
            ? ReplicaHealth::Refused
            : ReplicaHealth::Down;
    r.error = QString::fromLatin1(fraud::grpcCodeName(static_cast<int>(code))) + ": " +
              QString::fromStdString(outcome.error->message);
    return r;
}

}  // namespace

ReplicaStatusPoller::ReplicaStatusPoller(QObject* parent) : QObject(parent), calls_(this, 8) {
    qRegisterMetaType<fraudops::ReplicaStatusReading>();
    qRegisterMetaType<std::vector<fraudops::ReplicaStatusReading>>();
}

ReplicaStatusPoller::~ReplicaStatusPoller() = default;

void ReplicaStatusPoller::setEndpoints(const std::vector<ScorerEndpoint>& endpoints) {
    // New channels for every address: the token or the TLS settings may have changed. Calls
    // still out on the old ones finish and are dropped (their round is over).
    ++epoch_;
    clients_.clear();
    setupErrors_.clear();
    inFlight_.clear();
    ++round_;
    roundPending_.clear();
    roundReadings_.clear();
    std::map<QString, ReplicaStatusReading> kept;
    for (const auto& e : endpoints) {
        const QString address = QString::fromStdString(e.address);
        try {
            clients_[address] = std::make_shared<ControlClient>(e);
        } catch (const std::exception& error) {
            setupErrors_[address] = QString::fromUtf8(error.what());
        }
        if (const auto it = latest_.find(address); it != latest_.end())
            kept.insert(*it);
    }
    latest_ = std::move(kept);
}

std::optional<ReplicaStatusReading> ReplicaStatusPoller::latest(const QString& address) const {
    const auto it = latest_.find(address);
    return it == latest_.end() ? std::nullopt : std::optional(it->second);
}

void ReplicaStatusPoller::poll() {
    const quint64 round = ++round_;
    roundReadings_.clear();
    roundPending_.clear();
    for (const auto& [address, error] : setupErrors_)
        roundPending_.insert(address);
    for (const auto& [address, client] : clients_)
        roundPending_.insert(address);
    for (const auto& [address, error] : setupErrors_) {
        ReplicaStatusReading r;
        r.address = address;
        r.health = ReplicaHealth::Down;
        r.error = error;
        r.at = QDateTime::currentDateTimeUtc();
        onReading(round, r);
    }
    for (const auto& [address, client] : clients_) {
        if (inFlight_.count(address))
            continue;  // its answer still counts for this round when it comes
        inFlight_.insert(address);
        calls_.run([client, address] { return readingOf(address, client->status()); },
                   [this, round, address, epoch = epoch_](ReplicaStatusReading r) {
                       // An answer from before setEndpoints() is for channels that are gone.
                       if (epoch != epoch_)
                           return;
                       inFlight_.erase(address);
                       onReading(std::max(round, round_), std::move(r));
                   });
    }
    if (roundPending_.empty() && clients_.empty() && setupErrors_.empty())
        emit roundFinished({});
}

void ReplicaStatusPoller::onReading(quint64 round, ReplicaStatusReading reading) {
    latest_[reading.address] = reading;
    emit polled(reading);
    if (round != round_ || !roundPending_.erase(reading.address))
        return;
    roundReadings_.push_back(std::move(reading));
    if (roundPending_.empty())
        emit roundFinished(roundReadings_);
}

}  // namespace fraudops
