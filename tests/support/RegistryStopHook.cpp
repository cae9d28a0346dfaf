// Linked into the test-only builds of registry writers (registry_writer, and
// fraud-train-crashable: fraud-train's own main): with FRAUD_REGISTRY_STOP_AT=<step> (see
// registry/RegistryWriteSteps.h) the process exits at that step at once with code 86, leaving
// the files as a kill -9 would. The shipped binaries never link this file.
#include <unistd.h>

#include <cstdlib>
#include <string_view>

#include "registry/RegistryWriteSteps.h"

namespace {

void stopHere(std::string_view step) {
    const char* at = std::getenv("FRAUD_REGISTRY_STOP_AT");
    if (at != nullptr && step == at)
        ::_exit(86);
}

// Installed before main: the hook is a constant-initialized atomic, so the order of static
// initialization does not matter.
const bool installed = [] {
    if (std::getenv("FRAUD_REGISTRY_STOP_AT") != nullptr)
        fraud::registryWrite::setHook(&stopHere);
    return true;
}();

}  // namespace
