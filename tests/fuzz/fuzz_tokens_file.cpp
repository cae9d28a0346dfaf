// The tokens file, as the scorer reads it at start and on every change: it reads, or is
// refused with a message that names the entry by place and identity and never holds a hash,
// whatever the bytes.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>

#include "FuzzInput.h"
#include "grpc/TokensFile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<fraud::TokenEntry> entries;
    try {
        entries = fraud::parseTokensFile(fraud::fuzz::text(data, size), "tokens.json");
    } catch (const std::runtime_error& e) {
        // A refusal must not echo a hash from the file, unless it is also someone's identity
        // (which a refusal names).
        const std::string message = e.what();
        const auto j = nlohmann::json::parse(fraud::fuzz::text(data, size), nullptr, false);
        if (!j.is_object() || !j.contains("tokens") || !j["tokens"].is_array())
            return 0;
        std::set<std::string> hashes, identities;
        for (const auto& t : j["tokens"]) {
            if (!t.is_object())
                continue;
            if (t.contains("sha256") && t["sha256"].is_string())
                hashes.insert(t["sha256"].get<std::string>());
            if (t.contains("identity") && t["identity"].is_string())
                identities.insert(t["identity"].get<std::string>());
        }
        for (const auto& hash : hashes) {
            const bool named =
                std::any_of(identities.begin(), identities.end(),
                            [&](const auto& who) { return who.find(hash) != std::string::npos; });
            const bool looksLikeAHash =
                hash.size() == 64 && std::all_of(hash.begin(), hash.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                });
            if (looksLikeAHash && !named && message.find(hash) != std::string::npos)
                fraud::fuzz::fail("a refusal of the tokens file holds a token hash");
        }
        return 0;
    }
    for (const auto& entry : entries) {
        if (entry.sha256Hex.size() != 64 || entry.identity.name.empty())
            fraud::fuzz::fail("an entry was accepted without a full hash or an identity");
    }
    return 0;
}
