#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

// The entry point every harness defines: libFuzzer's in the clang fuzzing build, the corpus
// replayer's (FuzzReplay.cpp) in the regular builds.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fraud::fuzz {

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// A harness's own check failed: the input found a bug that is not a crash (two evaluators
// that disagree, a value that does not survive a round trip). Aborts, so libFuzzer keeps the
// input and the replay test fails on it.
[[noreturn]] void fail(const char* what);

}  // namespace fraud::fuzz
