#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "grpc/TokensFile.h"

namespace fraud {

// Who may do what, from a tokens file:
//
//   {"tokens": [{"sha256": "<hex of the token>", "identity": "alice", "role": "admin"},
//               {"sha256": "...", "identity": "grafana", "role": "viewer"}]}
//
// Clients send `authorization: Bearer <token>`; the scorer hashes it and looks the hash up,
// so the file never holds a usable token. `viewer` reads (status, models, audit, live
// decisions; scoring when it requires a token), `admin` also changes the rollout. The file is
// re-read when it changes (refresh). Without a tokens file every read is open and every
// change refused, since a change needs an identity to record.
//
// The file is refused when its group or others may write it (whoever can write it can make
// themselves admin). A presented token's hash is compared with every entry in constant time,
// and neither a token nor a hash appears in an error message or a log line.
class AccessPolicy {
public:
    using Role = AccessRole;
    using Identity = AccessIdentity;

    // Throws std::runtime_error if the file cannot be read or is malformed.
    explicit AccessPolicy(std::optional<std::filesystem::path> tokensFile);

    // Re-reads the tokens file if it changed; a malformed new version is reported (returned)
    // and the previous tokens stay in force.
    std::optional<std::string> refresh();

    // The caller's identity if it may act with `needed`; otherwise the status to fail with
    // (UNAUTHENTICATED without a valid token, PERMISSION_DENIED with a too-weak role).
    struct Decision {
        std::optional<Identity> identity;
        grpc::Status status;
    };
    Decision authorize(const grpc::CallbackServerContext* context, Role needed) const;
    bool hasTokens() const;

    static std::string roleName(Role role);

private:
    void load();

    std::optional<std::filesystem::path> file_;
    mutable std::mutex mutex_;
    std::vector<TokenEntry> byHash_;
    std::string fileIdentity_;
};

}  // namespace fraud
