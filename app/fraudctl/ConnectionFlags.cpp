#include "ConnectionFlags.h"

#include <cstdlib>

namespace fraudops {

void addConnectionFlags(fraud::CommandLine& cli, const std::string& defaultDeadlineMs) {
    cli.option("endpoint", "127.0.0.1:50051", "scorer address (host:port)")
        .option("token", "", "bearer token (else $FRAUDOPS_TOKEN)")
        .option("deadline-ms", defaultDeadlineMs, "deadline of each call")
        .flag("tls", "use TLS")
        .option("ca", "", "TLS: CA bundle that signed the scorer's certificate")
        .option("cert", "", "TLS: client certificate, if the scorer requires one")
        .option("key", "", "TLS: the client certificate's key");
}

ScorerEndpoint endpointFrom(const fraud::CommandLine& cli) {
    ScorerEndpoint e;
    e.address = cli.get("endpoint");
    e.bearerToken = cli.get("token");
    if (e.bearerToken.empty() && std::getenv("FRAUDOPS_TOKEN") != nullptr)
        e.bearerToken = std::getenv("FRAUDOPS_TOKEN");
    e.deadline = std::chrono::milliseconds(cli.integer("deadline-ms", 1, 3'600'000));
    e.tls = cli.enabled("tls") || !cli.get("ca").empty();
    e.caFile = cli.get("ca");
    e.certFile = cli.get("cert");
    e.keyFile = cli.get("key");
    return e;
}

}  // namespace fraudops
