#pragma once

#include <cstddef>
#include <string_view>

namespace fraud {

// Equality whose time depends on the lengths only, not on where the bytes first differ: for
// comparing secrets (or their hashes) that a caller could otherwise guess byte by byte.
inline bool constantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    // Through a volatile, so that the compiler cannot turn the loop into an early exit.
    volatile unsigned char result = diff;
    return result == 0;
}

}  // namespace fraud
