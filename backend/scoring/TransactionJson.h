#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fraud/v1/transaction.pb.h"

namespace fraudops {

// A transaction from its JSON form (the proto3 JSON mapping, as `fraud-train generate`
// prints and any gRPC tool accepts). On failure returns nothing and sets `error`.
std::optional<fraud::v1::Transaction> transactionFromJson(std::string_view json,
                                                          std::string* error);

}  // namespace fraudops
