// Linked into the test-only builds of registry writers (registry_writer, and
// fraud-train-crashable: fraud-train's own main): with FRAUD_REGISTRY_STOP_AT=<step> (see
// registry/RegistryWriteSteps.h) the process exits at that step at once with code 86, leaving
// the files as a kill -9 would. With FRAUD_REGISTRY_PAUSE_US=<n> it sleeps n microseconds at
// every step instead, so that a kill at a random moment (tst_registry_kill) lands between two
// steps of a write as often as inside the rest of the program: on a fast disk the gaps
// between a rename and the next step are a few microseconds wide. The shipped binaries never
// link this file.
#include <unistd.h>

#include <cstdlib>
#include <string_view>

#include "registry/RegistryWriteSteps.h"

namespace {

void stopHere(std::string_view step) {
    const char* at = std::getenv("FRAUD_REGISTRY_STOP_AT");
    if (at != nullptr && step == at)
        ::_exit(86);
    static const char* pause = std::getenv("FRAUD_REGISTRY_PAUSE_US");
    if (pause != nullptr)
        ::usleep(static_cast<useconds_t>(std::atoi(pause)));
}

// Installed before main: the hook is a constant-initialized atomic, so the order of static
// initialization does not matter.
const bool installed = [] {
    if (std::getenv("FRAUD_REGISTRY_STOP_AT") != nullptr ||
        std::getenv("FRAUD_REGISTRY_PAUSE_US") != nullptr)
        fraud::registryWrite::setHook(&stopHere);
    return true;
}();

}  // namespace
