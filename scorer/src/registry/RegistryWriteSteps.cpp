#include "registry/RegistryWriteSteps.h"

#include <atomic>

namespace fraud::registryWrite {
namespace {

std::atomic<Hook> installed{nullptr};

}  // namespace

void setHook(Hook hook) {
    installed.store(hook);
}

bool hooked() {
    return installed.load() != nullptr;
}

void reached(std::string_view step) {
    if (const Hook hook = installed.load())
        hook(step);
}

}  // namespace fraud::registryWrite
