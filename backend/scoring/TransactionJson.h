#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fraud/v1/scoring.pb.h"
#include "fraud/v1/transaction.pb.h"

namespace fraudops {

// A transaction from its JSON form (the proto3 JSON mapping, as `fraud-train generate`
// prints and any gRPC tool accepts). On failure returns nothing and sets `error`.
std::optional<fraud::v1::Transaction> transactionFromJson(std::string_view json,
                                                          std::string* error);

// A line of a JSON-lines input: a whole ScoreRequest ({"transaction": {...}, "record_mode":
// "RECORD_HISTORY_ONLY"}, as `fraud-train generate --history-hours` prints for warm-up), or a
// bare transaction (then a ScoreRequest with the defaults). On failure returns nothing and
// sets `error` (the bare transaction's reason).
std::optional<fraud::v1::ScoreRequest> scoreRequestFromJson(std::string_view json,
                                                            std::string* error);

}  // namespace fraudops
