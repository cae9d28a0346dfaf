#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fraud {

enum class AccessRole { Viewer = 1, Admin = 2 };

struct AccessIdentity {
    std::string name;
    AccessRole role = AccessRole::Viewer;
};

// One line of the tokens file: the sha256 (lower-case hex) of a token and whose it is.
struct TokenEntry {
    std::string sha256Hex;
    AccessIdentity identity;
};

// The tokens file's text (AccessPolicy.h shows its format), kept apart from reading the file
// so that it can be fuzzed. Throws std::runtime_error naming `fileName` and the entry by its
// place and identity, never by its hash.
std::vector<TokenEntry> parseTokensFile(std::string_view text, const std::string& fileName);

}  // namespace fraud
