#include "grpc/TokensFile.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace fraud {

std::vector<TokenEntry> parseTokensFile(std::string_view text, const std::string& fileName) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("tokens") || !j["tokens"].is_array())
        throw std::runtime_error(fileName + ": expected {\"tokens\": [...]}");
    std::vector<TokenEntry> entries;
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
                fileName + ": token " + std::to_string(entries.size() + 1) +
                (name.empty() ? std::string() : " (" + name + ")") +
                " needs a sha256 of 64 lower-case hex digits, an identity and a role (viewer or "
                "admin)");
        }
        // A hash listed twice would make the identity depend on the order of the file.
        for (const auto& other : entries) {
            if (other.sha256Hex == hash)
                throw std::runtime_error(fileName + ": " + other.identity.name + " and " + name +
                                         " have the same token");
        }
        entries.push_back(
            {hash, AccessIdentity{name, role == "admin" ? AccessRole::Admin : AccessRole::Viewer}});
    }
    return entries;
}

}  // namespace fraud
