#pragma once

#include <string>
#include <string_view>

namespace fraud {

// Lower-case hex SHA-256 of a byte string.
std::string sha256Hex(std::string_view bytes);

}  // namespace fraud
