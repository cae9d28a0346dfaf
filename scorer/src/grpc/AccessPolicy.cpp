#include "grpc/AccessPolicy.h"

#include <nlohmann/json.hpp>

#include "common/FileIo.h"
#include "common/Sha256.h"

namespace fraud {

AccessPolicy::AccessPolicy(std::optional<std::filesystem::path> tokensFile)
    : file_(std::move(tokensFile)) {
    if (file_)
        load();
}

void AccessPolicy::load() {
    const auto identity = fileIdentity(*file_);
    const auto text = readFile(*file_);
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.contains("tokens") || !j["tokens"].is_array())
        throw std::runtime_error(file_->string() + ": expected {\"tokens\": [...]}");
    std::map<std::string, Identity, std::less<>> byHash;
    for (const auto& t : j["tokens"]) {
        const auto hash = t.value("sha256", "");
        const auto name = t.value("identity", "");
        const auto role = t.value("role", "");
        if (hash.size() != 64 || name.empty() || (role != "viewer" && role != "admin")) {
            throw std::runtime_error(file_->string() + ": every token needs a 64-hex sha256, an " +
                                     "identity and a role (viewer or admin): " + t.dump());
        }
        byHash[hash] = {name, role == "admin" ? Role::Admin : Role::Viewer};
    }
    std::lock_guard lock(mutex_);
    byHash_ = std::move(byHash);
    fileIdentity_ = identity;
}

std::optional<std::string> AccessPolicy::refresh() {
    if (!file_)
        return std::nullopt;
    {
        std::lock_guard lock(mutex_);
        if (fileIdentity(*file_) == fileIdentity_)
            return std::nullopt;
    }
    try {
        load();
    } catch (const std::exception& e) {
        return std::string(e.what());
    }
    return std::nullopt;
}

bool AccessPolicy::hasTokens() const {
    return file_.has_value();
}

AccessPolicy::Decision AccessPolicy::authorize(const grpc::CallbackServerContext* context,
                                               Role needed) const {
    const auto& metadata = context->client_metadata();
    const auto it = metadata.find("authorization");
    if (!file_) {
        if (needed == Role::Viewer)
            return {Identity{"anonymous", Role::Viewer}, grpc::Status::OK};
        return {std::nullopt,
                {grpc::StatusCode::UNAUTHENTICATED,
                 "this scorer has no tokens file (--tokens-file): changes are disabled"}};
    }
    if (it == metadata.end()) {
        return {std::nullopt,
                {grpc::StatusCode::UNAUTHENTICATED,
                 "missing authorization metadata: send 'authorization: Bearer <token>'"}};
    }
    const std::string_view value(it->second.data(), it->second.size());
    constexpr std::string_view kBearer = "Bearer ";
    if (!value.starts_with(kBearer)) {
        return {std::nullopt,
                {grpc::StatusCode::UNAUTHENTICATED, "authorization must be 'Bearer <token>'"}};
    }
    const auto hash = sha256Hex(value.substr(kBearer.size()));
    std::lock_guard lock(mutex_);
    const auto found = byHash_.find(hash);
    if (found == byHash_.end())
        return {std::nullopt, {grpc::StatusCode::UNAUTHENTICATED, "unknown token"}};
    if (static_cast<int>(found->second.role) < static_cast<int>(needed)) {
        return {std::nullopt,
                {grpc::StatusCode::PERMISSION_DENIED, found->second.name + " has the " +
                                                          roleName(found->second.role) +
                                                          " role; this needs " + roleName(needed)}};
    }
    return {found->second, grpc::Status::OK};
}

std::string AccessPolicy::roleName(Role role) {
    return role == Role::Admin ? "admin" : "viewer";
}

}  // namespace fraud
