#include "grpc/ScorerServer.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <unistd.h>

#include <iostream>
#include <stdexcept>

#include "common/FileIo.h"
#include "features/CardHistorySnapshot.h"
#include "grpc/ListenAddress.h"
#include "registry/ModelRegistry.h"

namespace fraud {
namespace {

std::string hostName() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0)
        return "localhost";
    return name;
}

}  // namespace

ScorerServer::ScorerServer(ScorerConfig config)
    : config_(std::move(config)),
      metricsRegistry_(std::make_shared<prometheus::Registry>()),
      processCollector_(std::make_shared<ProcessCollector>()),
      driftCollector_(std::make_shared<DriftCollector>(config_.driftWindow)),
      metrics_(*metricsRegistry_),
      cards_(makeCardHistory(config_, metrics_)),
      engine_(*cards_, metrics_, config_.limits, config_.clock),
      access_(config_.tokensFile),
      feed_(config_.replica, metrics_.watchDropped(), metrics_.watchers()),
      follower_(ModelRegistry(config_.registry), engine_, metrics_, *driftCollector_,
                config_.registryPoll),
      admission_(config_.admission.workers > 0 ? std::make_unique<AdmissionQueue>(config_.admission)
                                               : nullptr),
      scoring_(engine_, metrics_, access_, feed_, config_.serviceLimits, admission_.get()),
      control_(ModelRegistry(config_.registry), follower_, access_, metrics_, config_.replica,
               config_.changeLimit) {
    engine_.setDecisionFeed(&feed_);
}

std::unique_ptr<CardHistory> ScorerServer::makeCardHistory(const ScorerConfig& config,
                                                           ScorerMetrics& metrics) {
    if (config.redis.address.empty()) {
        metrics.cardHistoryMetrics("memory");
        return std::make_unique<CardHistoryStore>(config.cards);
    }
    auto options = config.redis;
    options.flags = config.cards;
    return std::make_unique<RedisCardHistory>(options, metrics.cardHistoryMetrics("redis"));
}

void ScorerServer::report(const std::string& message) const {
    if (config_.log)
        config_.log(message);
    else
        std::cerr << "fraud-scorer: " << message << std::endl;
}

ScorerServer::~ScorerServer() {
    maintenance_.request_stop();
    if (server_) {
        server_->Shutdown(std::chrono::system_clock::now());
        server_->Wait();
    }
}

std::shared_ptr<grpc::ServerCredentials> ScorerServer::credentials() const {
    if (config_.tlsCert.empty() && config_.tlsKey.empty())
        return grpc::InsecureServerCredentials();
    if (config_.tlsCert.empty() || config_.tlsKey.empty())
        throw std::runtime_error("TLS needs both a certificate and a key");
    grpc::SslServerCredentialsOptions options(
        config_.tlsClientCa.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                    : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    if (!config_.tlsClientCa.empty())
        options.pem_root_certs = readFile(config_.tlsClientCa);
    options.pem_key_cert_pairs.push_back({readFile(config_.tlsKey), readFile(config_.tlsCert)});
    return grpc::SslServerCredentials(options);
}

void ScorerServer::start() {
    // Tokens, transactions and decisions cross this port: in clear text only on this host,
    // or when the operator says the network is private.
    const bool tls = !config_.tlsCert.empty() || !config_.tlsKey.empty();
    if (!tls && !listensOnlyLocally(config_.listen)) {
        if (!config_.insecure) {
            throw std::runtime_error(
                "refusing to listen on " + config_.listen +
                " without TLS: bearer tokens, transactions and decisions would cross the network "
                "in clear text. Give --tls-cert and --tls-key, or --insecure "
                "(FRAUD_SCORER_INSECURE=1) if only a private network reaches this port");
        }
        report("WARNING: listening on " + config_.listen +
               " without TLS (--insecure): bearer tokens, transactions and decisions cross the "
               "network in clear text");
    }
    if (auto* redis = dynamic_cast<RedisCardHistory*>(cards_.get())) {
        // A replica starts while Redis is down: it serves, failing open (or closed) as
        // configured, and uses Redis from the first call that finds it back.
        try {
            redis->check();
            report("card history in Redis at " + config_.redis.address);
        } catch (const std::exception& e) {
            report(std::string("card history: ") + e.what() +
                   (config_.redis.failClosed
                        ? "; scoring calls fail (UNAVAILABLE) until Redis answers"
                        : "; scoring goes on without card history until Redis answers"));
        }
    } else if (auto* store = dynamic_cast<CardHistoryStore*>(cards_.get());
               store && !config_.cardSnapshot.empty()) {
        report(describe(loadCardSnapshot(*store, config_.cardSnapshot), config_.cardSnapshot));
    }
    follower_.start();

    exposer_ = std::make_unique<prometheus::Exposer>(config_.metricsListen, 2);
    exposer_->RegisterCollectable(metricsRegistry_);
    exposer_->RegisterCollectable(processCollector_);
    exposer_->RegisterCollectable(driftCollector_);
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
    builder.AddListeningPort(config_.listen, credentials(), &grpcPort_);
    builder.RegisterService(&scoring_);
    builder.RegisterService(&control_);
    server_ = builder.BuildAndStart();
    if (!server_ || grpcPort_ == 0)
        throw std::runtime_error("gRPC: cannot listen on " + config_.listen);
    replica_ =
        config_.replica.empty() ? hostName() + ":" + std::to_string(grpcPort_) : config_.replica;
    feed_.setReplica(replica_);
    control_.setReplica(replica_);
    server_->GetHealthCheckService()->SetServingStatus(true);

    maintenance_ = std::jthread([this](std::stop_token stop) { maintain(stop); });
}

void ScorerServer::maintain(std::stop_token stop) {
    using namespace std::chrono_literals;
    using Clock = std::chrono::steady_clock;
    // The drift windows move in thirtieths of their length, at least once a second.
    const auto driftStep = std::max<std::chrono::milliseconds>(1s, config_.driftWindow / 30);
    auto lastEviction = Clock::now(), lastDrift = Clock::now(), lastTokens = Clock::now();
    std::unique_lock lock(maintenanceMutex_);
    while (!stop.stop_requested()) {
        const auto now = Clock::now();
        metrics_.setCardsTracked(static_cast<double>(cards_->size()));
        if (admission_)
            metrics_.setQueued(static_cast<double>(admission_->queued()));
        if (now - lastDrift >= driftStep) {
            driftCollector_->tick();
            lastDrift = now;
        }
        if (now - lastTokens >= 5s) {
            if (auto error = access_.refresh())
                std::cerr << "fraud-scorer: tokens file not reloaded: " << *error << std::endl;
            lastTokens = now;
        }
        if (now - lastEviction > 60s) {
            cards_->maintain();
            lastEviction = now;
        }
        maintenanceWake_.wait_for(lock, stop, 1s, [] { return false; });
    }
}

void ScorerServer::beginDrain() {
    control_.setDraining();
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
    // The same test as at start: the store's own kind, not the configuration read again.
    if (const auto* store = dynamic_cast<const CardHistoryStore*>(cards_.get());
        store && !config_.cardSnapshot.empty()) {
        try {
            const std::size_t n = saveCardSnapshot(*store, config_.cardSnapshot);
            report("saved " + std::to_string(n) + " cards to " + config_.cardSnapshot.string());
        } catch (const std::exception& e) {
            report(std::string("card-history snapshot not saved: ") + e.what());
        }
    }
}

}  // namespace fraud
