#pragma once
// One question to a replica's grpc.health.v1 service, as a container HEALTHCHECK or a client
// waiting for the replica asks it: no downloaded grpc_health_probe, our own binaries ask.
#include <chrono>
#include <string>

namespace fraud {

struct HealthProbeRequest {
    std::string address;  // host:port; 0.0.0.0 and [::] mean this host
    std::chrono::milliseconds timeout{2000};
    std::string tlsRootsPem;    // empty: plaintext
    std::string tlsServerName;  // overrides the name checked in the certificate
};

struct HealthProbeAnswer {
    enum class Status { Serving, NotServing, Unreachable };
    Status status = Status::Unreachable;
    std::string detail;  // the gRPC error when unreachable
};

// The address a client dials for a server listening on `listen`: a wildcard host is this host.
std::string dialAddressFor(const std::string& listen);

HealthProbeAnswer probeHealth(const HealthProbeRequest& request);

}  // namespace fraud
