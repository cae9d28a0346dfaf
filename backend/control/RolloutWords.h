#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fraud/v1/control.pb.h"

namespace fraudops {

// The words every release view uses for the same things, so the console, fraudctl and the
// runner's audit messages agree.

// A canary weight: "20 %", "12.5 %".
std::string weightText(std::uint32_t basisPoints);
// "generation 14: stable v2, canary v3 at 20.00 % (split)".
std::string describeRollout(const fraud::v1::RolloutState& state);
// The name a release tool holds the runner lease under: "fraudctl@host:4123". A restarted
// process gets a new name, so it waits for its old lease to expire like any other runner.
std::string runnerName(std::string_view program);

}  // namespace fraudops
