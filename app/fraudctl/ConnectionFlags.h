#pragma once

#include <string>
#include <vector>

#include "common/CommandLine.h"
#include "scoring/ScorerChannel.h"

namespace fraudops {

// The flags every fraudctl command that calls a scorer takes: where (--endpoint), who
// (--token, else $FRAUDOPS_TOKEN), how long (--deadline-ms) and TLS (--tls, --ca, --cert,
// --key), or all of it from a console connection profile (--profile NAME; flags given as
// well win), and the endpoint they describe.
void addConnectionFlags(fraud::CommandLine& cli, const std::string& defaultDeadlineMs);
// The first scorer (--endpoint, or the profile's first).
ScorerEndpoint endpointFrom(const fraud::CommandLine& cli);
// Every scorer: --endpoint split at commas, or all of the profile's.
std::vector<ScorerEndpoint> endpointsFrom(const fraud::CommandLine& cli);

// For commands that read Prometheus: --prometheus and --job, defaulting to the profile's.
void addPrometheusFlags(fraud::CommandLine& cli);
std::string prometheusFrom(const fraud::CommandLine& cli);
std::string jobFrom(const fraud::CommandLine& cli);

}  // namespace fraudops
