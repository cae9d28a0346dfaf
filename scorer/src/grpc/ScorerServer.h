#pragma once

#include <grpcpp/grpcpp.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "features/CardHistory.h"
#include "features/CardHistoryStore.h"
#include "features/RedisCardHistory.h"
#include "grpc/AccessPolicy.h"
#include "grpc/ControlService.h"
#include "grpc/ScoringService.h"
#include "observability/DriftCollector.h"
#include "observability/ProcessCollector.h"
#include "observability/ScorerMetrics.h"
#include "serving/AdmissionQueue.h"
#include "serving/DecisionFeed.h"
#include "serving/RolloutFollower.h"
#include "serving/ScoringEngine.h"

namespace fraud {

struct ScorerConfig {
    std::filesystem::path registry;
    std::string listen = "127.0.0.1:50051";
    std::string metricsListen = "127.0.0.1:9464";
    std::string replica;  // empty: host:port
    ValidationLimits limits;
    EventClock clock;  // what event times are checked against (--now shifts it, for tests)
    ScoringService::Limits serviceLimits;
    // Admission control of Score and Explain calls; none (scored on gRPC's threads as they
    // arrive, unbounded) when `workers` is 0.
    AdmissionQueue::Options admission{.workers = 0};
    CardHistoryStore::Options cards;
    // Card history in Redis (RedisCardHistory) when its address is set; in this process
    // otherwise, kept across restarts in `cardSnapshot` when that is set.
    RedisCardHistory::Options redis;
    std::filesystem::path cardSnapshot;
    // Where the server reports what it did with card history (restored, refused, saved).
    std::function<void(const std::string&)> log;
    std::chrono::milliseconds registryPoll{200};
    std::chrono::seconds driftWindow{300};
    std::optional<std::filesystem::path> tokensFile;
    ChangeRateLimiter::Options changeLimit;
    // Listening beyond loopback without TLS is refused unless this is set (--insecure).
    bool insecure = false;
    std::filesystem::path tlsCert, tlsKey, tlsClientCa;  // TLS when cert and key are given
};

// One scorer replica: follows the registry's rollout (stable and canary side by side), serves
// Scoring and Control, health and reflection over gRPC, and metrics over HTTP.
class ScorerServer {
public:
    explicit ScorerServer(ScorerConfig config);
    ~ScorerServer();

    // Loads the rollout's models and binds both ports; throws std::runtime_error with the
    // reason.
    void start();
    int grpcPort() const { return grpcPort_; }
    int metricsPort() const { return metricsPort_; }
    const std::string& replica() const { return replica_; }
    std::shared_ptr<const ServingSet> serving() const { return engine_.serving(); }

    // First step of a graceful stop: health turns NOT_SERVING so load balancers stop
    // sending, while calls keep being served.
    void beginDrain();
    // Stops accepting calls, waits up to `grace` for in-flight ones to finish, then writes
    // the card-history snapshot (in-process history with a snapshot path).
    void shutdown(std::chrono::milliseconds grace);
    CardHistory& cardHistory() { return *cards_; }

private:
    void maintain(std::stop_token stop);
    static std::unique_ptr<CardHistory> makeCardHistory(const ScorerConfig& config,
                                                        ScorerMetrics& metrics);
    void report(const std::string& message) const;
    std::shared_ptr<grpc::ServerCredentials> credentials() const;

    ScorerConfig config_;
    std::shared_ptr<prometheus::Registry> metricsRegistry_;
    std::shared_ptr<ProcessCollector> processCollector_;
    std::shared_ptr<DriftCollector> driftCollector_;
    ScorerMetrics metrics_;
    std::unique_ptr<CardHistory> cards_;
    ScoringEngine engine_;
    AccessPolicy access_;
    DecisionFeed feed_;
    RolloutFollower follower_;
    std::unique_ptr<AdmissionQueue> admission_;  // outlives the server, which waits for it
    ScoringService scoring_;
    ControlService control_;
    std::unique_ptr<prometheus::Exposer> exposer_;
    std::unique_ptr<grpc::Server> server_;
    std::string replica_;
    int grpcPort_ = 0;
    int metricsPort_ = 0;
    std::mutex maintenanceMutex_;
    std::condition_variable_any maintenanceWake_;
    std::jthread maintenance_;
};

}  // namespace fraud
