#include <cstdio>
#include <cstdlib>

#include "FuzzInput.h"

namespace fraud::fuzz {

void fail(const char* what) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
}

}  // namespace fraud::fuzz
