#include "service/ScorerServer.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <stdexcept>

#include "registry/ModelRegistry.h"

namespace fraud {

ScorerServer::ScorerServer(ScorerConfig config)
    : config_(std::move(config)),
      metricsRegistry_(std::make_shared<prometheus::Registry>()),
      processCollector_(std::make_shared<ProcessCollector>()),
      metrics_(*metricsRegistry_),
      cards_(config_.cards),
      engine_(cards_, metrics_, config_.limits),
      scoring_(engine_, metrics_, config_.serviceLimits) {}

ScorerServer::~ScorerServer() {
    maintenance_.request_stop();
    if (server_) {
        server_->Shutdown(std::chrono::system_clock::now());
        server_->Wait();
    }
}

void ScorerServer::start() {
    ModelRegistry registry(config_.registry);
    const auto rollout = registry.readRollout();
    if (!rollout) {
        throw std::runtime_error("the registry " + config_.registry.string() +
                                 " has no rollout.json: train a model into it first "
                                 "(fraud-train synthetic --registry " +
                                 config_.registry.string() + ")");
    }
    engine_.serve(LoadedModel::load(registry, rollout->stable), rollout->generation);

    exposer_ = std::make_unique<prometheus::Exposer>(config_.metricsListen, 2);
    exposer_->RegisterCollectable(metricsRegistry_);
    exposer_->RegisterCollectable(processCollector_);
    const auto metricsPorts = exposer_->GetListeningPorts();
    if (metricsPorts.empty())
        throw std::runtime_error("metrics: cannot listen on " + config_.metricsListen);
    metricsPort_ = metricsPorts.front();

    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    // gRPC sets SO_REUSEPORT by default, so a second replica on a taken port would share
    // it silently instead of failing.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.AddListeningPort(config_.listen, grpc::InsecureServerCredentials(), &grpcPort_);
    builder.RegisterService(&scoring_);
    builder.RegisterService(&control_);
    server_ = builder.BuildAndStart();
    if (!server_ || grpcPort_ == 0)
        throw std::runtime_error("gRPC: cannot listen on " + config_.listen);
    server_->GetHealthCheckService()->SetServingStatus(true);

    maintenance_ = std::jthread([this](std::stop_token stop) { maintain(stop); });
}

void ScorerServer::maintain(std::stop_token stop) {
    using namespace std::chrono_literals;
    auto lastEviction = std::chrono::steady_clock::now();
    std::unique_lock lock(maintenanceMutex_);
    while (!stop.stop_requested()) {
        metrics_.setCardsTracked(static_cast<double>(cards_.size()));
        if (std::chrono::steady_clock::now() - lastEviction > 60s) {
            cards_.evictIdle();
            lastEviction = std::chrono::steady_clock::now();
        }
        maintenanceWake_.wait_for(lock, stop, 5s, [] { return false; });
    }
}

void ScorerServer::beginDrain() {
    if (server_)
        server_->GetHealthCheckService()->SetServingStatus(false);
}

void ScorerServer::shutdown(std::chrono::milliseconds grace) {
    maintenance_.request_stop();
    if (server_) {
        server_->Shutdown(std::chrono::system_clock::now() + grace);
        server_->Wait();
        server_.reset();
    }
    exposer_.reset();
}

}  // namespace fraud
