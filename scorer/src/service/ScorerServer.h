#pragma once

#include <grpcpp/grpcpp.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "features/CardHistoryStore.h"
#include "fraud/v1/control.grpc.pb.h"
#include "service/ProcessCollector.h"
#include "service/ScorerMetrics.h"
#include "service/ScoringEngine.h"
#include "service/ScoringService.h"

namespace fraud {

struct ScorerConfig {
    std::filesystem::path registry;
    std::string listen = "127.0.0.1:50051";
    std::string metricsListen = "127.0.0.1:9464";
    ValidationLimits limits;
    ScoringService::Limits serviceLimits;
    CardHistoryStore::Options cards;
};

// One scorer replica: loads the registry's stable model, serves Scoring (and, for now, an
// unimplemented Control), health and reflection over gRPC, and metrics over HTTP.
class ScorerServer {
public:
    explicit ScorerServer(ScorerConfig config);
    ~ScorerServer();

    // Loads the model and binds both ports; throws std::runtime_error with the reason.
    void start();
    int grpcPort() const { return grpcPort_; }
    int metricsPort() const { return metricsPort_; }
    const LoadedModel& stableModel() const { return *engine_.serving()->stable; }
    std::uint64_t generation() const { return engine_.serving()->generation; }

    // First step of a graceful stop: health turns NOT_SERVING so load balancers stop
    // sending, while calls keep being served.
    void beginDrain();
    // Stops accepting calls and waits up to `grace` for in-flight ones to finish.
    void shutdown(std::chrono::milliseconds grace);

private:
    void maintain(std::stop_token stop);

    ScorerConfig config_;
    std::shared_ptr<prometheus::Registry> metricsRegistry_;
    std::shared_ptr<ProcessCollector> processCollector_;
    ScorerMetrics metrics_;
    CardHistoryStore cards_;
    ScoringEngine engine_;
    ScoringService scoring_;
    v1::Control::CallbackService control_;  // every method UNIMPLEMENTED until the control plane
    std::unique_ptr<prometheus::Exposer> exposer_;
    std::unique_ptr<grpc::Server> server_;
    int grpcPort_ = 0;
    int metricsPort_ = 0;
    std::mutex maintenanceMutex_;
    std::condition_variable_any maintenanceWake_;
    std::jthread maintenance_;
};

}  // namespace fraud
