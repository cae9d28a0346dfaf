#include "ConsoleSession.h"

#include <algorithm>
#include <map>

#include "cluster/LocalCluster.h"
#include "control/ServingReplicas.h"

namespace fraudops {

ConsoleSession::ConsoleSession(ConnectionProfile profile, LocalCluster* local, QObject* parent)
    : QObject(parent), profile_(std::move(profile)), local_(local) {
    connect(&tokens_, &ProfileToken::resolved, this, &ConsoleSession::onToken);
    connect(&scorers_, &ReplicaStatusPoller::roundFinished, this, &ConsoleSession::onStatusRound);
    connect(&tokens_, &ProfileToken::keychainChanged, this, [this](const KeychainResult& r) {
        const bool gone = r.outcome == KeychainResult::Outcome::NotFound &&
                          r.operation == KeychainResult::Operation::Forget;
        if (!r.ok() && !gone)
            emit keychainFailed(r.error);
        else if (r.profile == profile_.name)
            // ProfileToken recorded the change in the saved profile: use it as saved.
            open(ProfileStore().find(r.profile).value_or(profile_));
    });
    if (local_) {
        connect(local_, &LocalCluster::changed, this, &ConsoleSession::onLocalState);
        onLocalState(local_->state());
    }
}

ConsoleSession::~ConsoleSession() = default;

LocalCluster* ConsoleSession::localCluster() const {
    return profile_.isLocal() ? local_.data() : nullptr;
}

std::chrono::seconds ConsoleSession::scrapeInterval() const {
    if (localCluster())
        return local_->config().scrapeInterval;
    return std::chrono::seconds(profile_.scrapeIntervalSeconds);
}

int ConsoleSession::desiredReplicas() const {
    if (localCluster())
        return local_->state().desiredReplicas;
    return static_cast<int>(profile_.scorerEndpoints.size());
}

std::optional<double> ConsoleSession::warmup() const {
    return localCluster() ? warmup_ : std::nullopt;
}

void ConsoleSession::open(const ConnectionProfile& profile) {
    profile_ = profile;
    tokenSource_.clear();
    token_.clear();
    if (localCluster()) {
        setPrometheusUrl(local_->state().prometheusUp ? local_->state().prometheusUrl : QString());
    } else {
        setPrometheusUrl(profile.prometheusUrl);
    }
    emit profileChanged(profile_);
    // The scorers are called once the token is known (the keychain answers asynchronously).
    tokens_.resolve(profile_);
}

void ConsoleSession::onToken(const TokenLookup& lookup) {
    if (lookup.profile != profile_.name)
        return;
    token_ = lookup.token;
    tokenSource_ = lookup.token.isEmpty() ? QStringLiteral("none") : lookup.source;
    emit tokenResolved(lookup);
    endpointAddresses_.clear();  // new channels: the token changed
    updateScorerEndpoints();
    emit ready();
}

void ConsoleSession::updateScorerEndpoints() {
    std::vector<std::string> addresses;
    if (localCluster()) {
        for (const auto& r : local_->state().replicas) {
            if (!r.address.isEmpty())
                addresses.push_back(r.address.toStdString());
        }
    } else {
        for (const auto& a : profile_.scorerEndpoints)
            addresses.push_back(a.toStdString());
    }
    if (addresses == endpointAddresses_ && !addresses.empty())
        return;
    const auto previous = std::exchange(endpointAddresses_, addresses);
    std::vector<ScorerEndpoint> endpoints;
    for (const auto& a : addresses) {
        ScorerEndpoint e = profile_.endpoint(QString::fromStdString(a), token_);
        e.deadline = std::chrono::milliseconds(3000);
        endpoints.push_back(e);
    }
    scorers_.setEndpoints(endpoints);
    ring_ = fraud::ConsistentHashRing(addresses);
    servingRing_ = ring_;
    // A restarted replica comes back on a new port: only its clients are made again. The
    // others keep their channels, and the GUI thread does not wait in their destructors for
    // calls they have in flight (remaking every client, with the Decisions feed's restart, took
    // 46-76 ms of the GUI thread at each replica restart in a soak).
    std::map<std::string, std::unique_ptr<AsyncScoringClient>> kept;
    for (std::size_t i = 0; i < scoring_.size() && i < previous.size(); ++i)
        kept[previous[i]] = std::move(scoring_[i]);
    scoring_.clear();
    const bool sameControl = control_ && !previous.empty() && !addresses.empty() &&
                             previous.front() == addresses.front();
    if (!sameControl) {
        models_.setClient(nullptr);
        control_.reset();
    }
    try {
        if (!control_ && !endpoints.empty())
            control_ = std::make_unique<AsyncControlClient>(endpoints.front());
        for (const auto& e : endpoints) {
            if (auto it = kept.find(e.address); it != kept.end() && it->second) {
                scoring_.push_back(std::move(it->second));
                continue;
            }
            auto dryRuns = e;
            dryRuns.deadline = std::chrono::milliseconds(10'000);
            scoring_.push_back(std::make_unique<AsyncScoringClient>(dryRuns));
        }
    } catch (const std::exception&) {
        // A TLS file that cannot be read: the status poller reports it per replica.
        scoring_.clear();
    }
    models_.setClient(control_.get());
    emit scorersChanged();
}

AsyncScoringClient* ConsoleSession::scoringAt(const std::string& address) const {
    const auto it = std::find(endpointAddresses_.begin(), endpointAddresses_.end(), address);
    if (it == endpointAddresses_.end() || scoring_.size() != endpointAddresses_.size())
        return nullptr;
    return scoring_[static_cast<std::size_t>(it - endpointAddresses_.begin())].get();
}

AsyncScoringClient* ConsoleSession::scoringFor(const std::string& cardId) const {
    const auto& ring = servingRing_.empty() ? ring_ : servingRing_;
    if (scoring_.size() != endpointAddresses_.size() || ring.empty())
        return nullptr;
    const auto& address = ring.targets()[ring.targetOf(cardId)];
    const auto it = std::find(endpointAddresses_.begin(), endpointAddresses_.end(), address);
    return it == endpointAddresses_.end()
               ? nullptr
               : scoring_[static_cast<std::size_t>(it - endpointAddresses_.begin())].get();
}

void ConsoleSession::onStatusRound(const std::vector<ReplicaStatusReading>& readings) {
    servingRing_ = fraud::ConsistentHashRing(servingReplicas(endpointAddresses_, readings));
}

std::vector<ScorerEndpoint> ConsoleSession::scorerEndpoints() const {
    std::vector<ScorerEndpoint> endpoints;
    for (const auto& a : endpointAddresses_)
        endpoints.push_back(profile_.endpoint(QString::fromStdString(a), token_));
    return endpoints;
}

std::unique_ptr<DecisionStream> ConsoleSession::watchDecisions(
    const fraud::v1::WatchDecisionsRequest& request, QObject* parent) const {
    return std::make_unique<DecisionStream>(scorerEndpoints(), request, parent);
}

void ConsoleSession::pollScorers() {
    if (tokenKnown())
        scorers_.poll();
}

void ConsoleSession::onLocalState(const LocalClusterState& state) {
    // Not live until the demo traffic is: before its generator starts (training, replicas
    // starting) as while it warms card histories. A cluster without demo traffic is live.
    const bool warming = local_->config().loadRate > 0 &&
                         state.phase != LocalClusterState::Phase::Failed &&
                         state.loadPhase != LocalClusterState::LoadPhase::Live;
    const std::optional<double> warmup =
        warming ? std::optional<double>(state.loadRunning ? state.warmupProgress : 0.0)
                : std::nullopt;
    if (!profile_.isLocal())
        return;
    if (state.prometheusUp && state.prometheusUrl != prometheusUrl_)
        setPrometheusUrl(state.prometheusUrl);
    if (!state.prometheusUp && !prometheusUrl_.isEmpty())
        emit prometheusAnswered(false, QStringLiteral("restarting"));
    if (tokenKnown())
        updateScorerEndpoints();
    emit localStateChanged(state);
    if (warmup != warmup_) {
        warmup_ = warmup;
        emit warmupChanged();
    }
}

void ConsoleSession::setPrometheusUrl(const QString& url) {
    if (url == prometheusUrl_ && (prometheus_ || url.isEmpty()))
        return;
    prometheusUrl_ = url;
    prometheus_.reset();
    if (!url.isEmpty()) {
        PrometheusClient::Options options;
        options.baseUrl = url;
        options.timeout = std::chrono::seconds(5);
        prometheus_ = std::make_unique<PrometheusClient>(options);
    }
    emit prometheusChanged();
    if (url.isEmpty())
        emit prometheusAnswered(
            false, localCluster() ? QStringLiteral("starting") : QStringLiteral("not configured"));
}

void ConsoleSession::notePrometheusAnswer(bool ok, const QString& error) {
    emit prometheusAnswered(ok, error);
}

void ConsoleSession::setKeychainToken(const QString& token) {
    tokens_.store(profile_.name, token);
}

void ConsoleSession::forgetKeychainToken() {
    tokens_.forget(profile_.name);
}

}  // namespace fraudops
