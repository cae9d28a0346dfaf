#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace fraudops {

// Where a scorer is and how to talk to it.
struct ScorerEndpoint {
    std::string address;      // host:port
    std::string bearerToken;  // sent as `authorization: Bearer ...` metadata when set
    std::chrono::milliseconds deadline{2000};
    // TLS when `tls` is set: the CA bundle that signed the scorer's certificate (empty: the
    // system's roots), and a client certificate and key if the scorer requires one.
    bool tls = false;
    std::string caFile, certFile, keyFile;
    std::string serverName;  // overrides the name checked against the certificate
};

// A failed call as a value: the status code, gRPC's message, and for INVALID_ARGUMENT the
// field the scorer named.
struct CallError {
    grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
    std::string message;
    std::string field;
};

// A call's result or its error.
template <typename T>
struct Outcome {
    std::optional<T> value;
    std::optional<CallError> error;
    bool ok() const { return value.has_value(); }
};

// One channel per endpoint; throws std::runtime_error if a TLS file cannot be read.
std::shared_ptr<grpc::Channel> makeChannel(const ScorerEndpoint& endpoint);
// The deadline and the token of every call.
void prepareCall(grpc::ClientContext& context, const ScorerEndpoint& endpoint);
CallError toCallError(const grpc::Status& status, const grpc::ClientContext& context);

}  // namespace fraudops
