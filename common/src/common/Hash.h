#pragma once

#include <cstdint>
#include <string_view>

namespace fraud {

// splitmix64's finalizer: spreads every input bit over the whole word.
constexpr std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

// A stable 64-bit hash of a string (FNV-1a, then mixed). Stable across processes and
// builds, unlike std::hash, because clients and every replica must agree on it.
constexpr std::uint64_t hash64(std::string_view s, std::uint64_t seed = 0) {
    std::uint64_t h = 0xcbf29ce484222325ULL ^ mix64(seed);
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return mix64(h);
}

}  // namespace fraud
