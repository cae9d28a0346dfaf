// The registry's JSON files, as a replica reads them from a volume someone else writes:
// manifest.json, rollout.json, a rollout run's plan and progress, the runner lease, an audit
// entry, a feature schema. The first byte picks the file; the rest is its text. A file either
// reads or is refused with std::exception (which the registry turns into a clear error), and
// what reads survives being written back and read again unchanged.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "FuzzInput.h"
#include "features/FeatureSchema.h"
#include "registry/AuditEntry.h"
#include "registry/ModelManifest.h"
#include "registry/RolloutRun.h"
#include "registry/RolloutState.h"
#include "registry/RunnerLease.h"

namespace {

template <typename File>
void readAndRoundTrip(const nlohmann::json& j) {
    nlohmann::json written;
    try {
        written = File::fromJson(j).toJson();
    } catch (const std::exception&) {
        return;  // refused
    }
    nlohmann::json again;
    try {
        again = File::fromJson(written).toJson();
    } catch (const std::exception&) {
        fraud::fuzz::fail("a file that read, written back, no longer reads");
    }
    if (again != written)
        fraud::fuzz::fail("a file that read changed when written back and read again");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    const auto j = nlohmann::json::parse(fraud::fuzz::text(data + 1, size - 1), nullptr, false);
    if (j.is_discarded())
        return 0;
    switch (data[0] % 6) {
        case 0:
            readAndRoundTrip<fraud::ModelManifest>(j);
            break;
        case 1:
            readAndRoundTrip<fraud::RolloutState>(j);
            break;
        case 2:
            readAndRoundTrip<fraud::RolloutRun>(j);
            break;
        case 3:
            readAndRoundTrip<fraud::RunnerLease>(j);
            break;
        case 4:
            readAndRoundTrip<fraud::AuditEntry>(j);
            break;
        default:
            readAndRoundTrip<fraud::FeatureSchema>(j);
            break;
    }
    return 0;
}
