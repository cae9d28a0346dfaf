#pragma once

#include <string_view>

#include "fraud/v1/transaction.pb.h"

namespace fraudops {

// The API's enum values as people read them, written once for fraudctl, the console and the
// replay's CSV: "approve", "POS", "stable"; "" for an unspecified or unknown value (each
// caller shows its own placeholder).
std::string_view decisionName(fraud::v1::Decision decision);
std::string_view channelName(fraud::v1::Channel channel);
std::string_view variantName(fraud::v1::Variant variant);

}  // namespace fraudops
