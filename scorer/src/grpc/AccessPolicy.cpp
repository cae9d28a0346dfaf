#include "grpc/AccessPolicy.h"

#include <sys/stat.h>

#include <cstdio>

#include "common/ConstantTime.h"
#include "common/FileIo.h"
#include "common/Sha256.h"
#include "grpc/TokensFile.h"

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
    auto byHash = parseTokensFile(readFile(*file_), file_->string());
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
    for (const auto& entry : byHash_) {
        if (constantTimeEquals(hash, entry.sha256Hex))
            found = &entry.identity;
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
