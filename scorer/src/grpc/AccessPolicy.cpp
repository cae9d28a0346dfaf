#include "grpc/AccessPolicy.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/ConstantTime.h"
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
    struct stat st {};
    if (::stat(file_->c_str(), &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw std::runtime_error(file_->string() + ": refused, its group or others may write it " +
                                 "(mode " + mode + "), and whoever writes it can make themselves " +
                                 "admin: chmod go-w " + file_->string());
    }
    const auto text = readFile(*file_);
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.contains("tokens") || !j["tokens"].is_array())
        throw std::runtime_error(file_->string() + ": expected {\"tokens\": [...]}");
    std::vector<std::pair<std::string, Identity>> byHash;
    for (const auto& t : j["tokens"]) {
        const auto field = [&](const char* key) {
            return t.is_object() && t.contains(key) && t[key].is_string()
                       ? t[key].get<std::string>()
                       : std::string();
        };
        const auto hash = field("sha256");
        const auto name = field("identity");
        const auto role = field("role");
        const bool hex = std::all_of(hash.begin(), hash.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        });
        // The entry is named by its place and identity, never by its hash.
        if (hash.size() != 64 || !hex || name.empty() || (role != "viewer" && role != "admin")) {
            throw std::runtime_error(
                file_->string() + ": token " + std::to_string(byHash.size() + 1) +
                (name.empty() ? std::string() : " (" + name + ")") +
                " needs a sha256 of 64 lower-case hex digits, an identity and a role (viewer or "
                "admin)");
        }
        // A hash listed twice would make the identity depend on the order of the file.
        for (const auto& [other, who] : byHash) {
            if (other == hash)
                throw std::runtime_error(file_->string() + ": " + who.name + " and " + name +
                                         " have the same token");
        }
        byHash.emplace_back(hash, Identity{name, role == "admin" ? Role::Admin : Role::Viewer});
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
    // Every entry is compared, each in constant time, so the time taken says nothing about
    // which hash (or how much of one) matched.
    const Identity* found = nullptr;
    for (const auto& [known, identity] : byHash_) {
        if (constantTimeEquals(hash, known))
            found = &identity;
    }
    if (found == nullptr)
        return {std::nullopt, {grpc::StatusCode::UNAUTHENTICATED, "unknown token"}};
    if (static_cast<int>(found->role) < static_cast<int>(needed)) {
        return {std::nullopt,
                {grpc::StatusCode::PERMISSION_DENIED, found->name + " has the " +
                                                          roleName(found->role) +
                                                          " role; this needs " + roleName(needed)}};
    }
    return {*found, grpc::Status::OK};
}

std::string AccessPolicy::roleName(Role role) {
    return role == Role::Admin ? "admin" : "viewer";
}

}  // namespace fraud
