#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace fraud {

// gRPC's status codes by number, as gRPC names them; the scorer's metrics label requests
// with these, and the tools print them.
inline constexpr std::size_t kGrpcCodeCount = 17;
inline constexpr std::array<std::string_view, kGrpcCodeCount> kGrpcCodeNames{
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

// "UNKNOWN" for a number outside gRPC's codes.
constexpr std::string_view grpcCodeName(int code) {
    return code >= 0 && static_cast<std::size_t>(code) < kGrpcCodeCount
               ? kGrpcCodeNames[static_cast<std::size_t>(code)]
               : std::string_view("UNKNOWN");
}

}  // namespace fraud
