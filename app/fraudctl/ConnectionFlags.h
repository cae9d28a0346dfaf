#pragma once

#include <string>

#include "common/CommandLine.h"
#include "scoring/ScorerChannel.h"

namespace fraudops {

// The flags every fraudctl command that calls a scorer takes: where (--endpoint), who
// (--token, else $FRAUDOPS_TOKEN), how long (--deadline-ms) and TLS (--tls, --ca, --cert,
// --key), and the endpoint they describe.
void addConnectionFlags(fraud::CommandLine& cli, const std::string& defaultDeadlineMs);
ScorerEndpoint endpointFrom(const fraud::CommandLine& cli);

}  // namespace fraudops
