// A registry writer that can be stopped at any step of its write, for the crash tests
// (RegistryStopHook.cpp, linked in, reads FRAUD_REGISTRY_STOP_AT). Test-only.
//
//   registry_writer REGISTRY add-version FROM NEW    FROM's model and manifest, as version NEW
//   registry_writer REGISTRY set-canary VERSION BP   the canary at BP basis points
//   registry_writer REGISTRY promote                 the canary becomes stable
//   registry_writer REGISTRY update-run STEP         the run record's progress at step STEP
//   registry_writer REGISTRY acquire-lease HOLDER    the runner lease for HOLDER, for a minute
//   registry_writer REGISTRY churn SEED              random writes of every kind until killed
//
// churn (tst_registry_kill) picks, with a generator seeded by SEED, among: a new version, a
// new version imported (importModel, as fraud-train import), a canary set, a promotion, a
// rollback, a run's progress, and a lease taken, renewed and given back. Writers race, so a
// write may be refused (another committed first); what was written is printed after it
// returned, flushed, one a line: "generation G" or "revision R". A line printed is a write
// the registry acknowledged, so it must survive any later kill.
#include <iostream>
#include <random>
#include <string>

#include "common/FileIo.h"
#include "common/Time.h"
#include "registry/ModelRegistry.h"
#include "training/ModelImport.h"

namespace {

// At most this many versions: each is a 0.7 MB model, and the test kills hundreds of writers.
constexpr std::size_t kMaxVersions = 10;

void churnOnce(fraud::ModelRegistry& registry, std::mt19937_64& rng, const std::string& me) {
    const auto versions = registry.versions();
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    const auto current = registry.readRollout();
    const std::uint64_t generation = current ? current->generation : 0;
    const auto said = [](const char* what, std::uint64_t n) {
        std::cout << what << " " << n << std::endl;  // flushed: the write returned
    };
    switch (pick(8)) {
        case 0:
        case 1: {  // a version, copied or imported
            if (versions.size() >= kMaxVersions)
                return;
            auto manifest = registry.readManifest("v1");
            const auto model = fraud::readFile(registry.versionDir("v1") / manifest.modelFile);
            manifest.version = registry.nextVersion();
            if (pick(4) == 0) {
                fraud::ImportRequest request;
                request.version = manifest.version;
                request.modelJson = model;
                request.reference = fraud::CsvTable::read(registry.evalSetPath(manifest.schema));
                request.labelColumn = "label";
                request.source = "churn";
                auto imported = fraud::importModel(request, registry);
                registry.addVersion(imported.manifest, imported.modelJson);
            } else {
                registry.addVersion(manifest, model);
            }
            return;
        }
        case 2: {  // a canary
            const auto& version = versions[pick(versions.size())];
            if (!current || version == current->stable)
                return;
            said("generation", registry
                                   .commit(generation, "set_canary", me, "churn",
                                           [&](fraud::RolloutState& s) {
                                               s.canary = version;
                                               s.canaryWeightBp =
                                                   static_cast<std::uint32_t>(1 + pick(10000));
                                           })
                                   .generation);
            return;
        }
        case 3: {  // a promotion
            if (!current || current->canary.empty())
                return;
            said("generation", registry
                                   .commit(generation, "promote", me, "churn",
                                           [](fraud::RolloutState& s) {
                                               s.stable = s.canary;
                                               s.canary.clear();
                                               s.canaryWeightBp = 0;
                                           })
                                   .generation);
            return;
        }
        case 4: {  // a rollback
            const auto previous = registry.previousStable();
            if (!previous)
                return;
            said("generation", registry
                                   .commit(generation, "rollback", me, "churn",
                                           [&](fraud::RolloutState& s) {
                                               s.stable = *previous;
                                               s.canary.clear();
                                               s.canaryWeightBp = 0;
                                           })
                                   .generation);
            return;
        }
        case 5:
        case 6: {  // a run's progress
            const auto run = registry.readRun();
            said("revision", registry
                                 .updateRun(run.revision, me, "churn",
                                            run.revision == 0 ? nlohmann::json{{"name", "churn"}}
                                                              : nlohmann::json(),
                                            {{"step", static_cast<int>(pick(10))}})
                                 .revision);
            return;
        }
        default: {  // a lease taken, renewed and given back
            const auto now = fraud::wallClockMillis();
            const auto taken = registry.acquireLease(me, "churn", 60'000, now);
            if (!taken.granted)
                return;
            registry.renewLease(taken.lease.leaseId, 60'000, now + 1);
            registry.releaseLease(taken.lease.leaseId);
            return;
        }
    }
}

int churn(fraud::ModelRegistry& registry, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    const std::string me = "churn-" + std::to_string(seed);
    for (;;) {
        try {
            churnOnce(registry, rng, me);
        } catch (const std::exception& e) {
            // Refused: another writer committed first, the version name was taken, the lease
            // is held. A clear refusal is what a race must give; the test counts them.
            std::cout << "refused " << e.what() << std::endl;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: registry_writer REGISTRY add-version|set-canary|promote ...\n";
        return 2;
    }
    fraud::ModelRegistry registry(argv[1]);
    const std::string op = argv[2];
    try {
        if (op == "add-version" && argc == 5) {
            auto manifest = registry.readManifest(argv[3]);
            const auto model = fraud::readFile(registry.versionDir(argv[3]) / manifest.modelFile);
            manifest.version = argv[4];
            registry.addVersion(manifest, model);
            return 0;
        }
        if (op == "churn" && argc == 4)
            return churn(registry, std::stoull(argv[3]));
        if (op == "update-run" && argc == 4) {
            const auto run = registry.readRun();
            registry.updateRun(
                run.revision, "crash-test", "a step",
                run.revision == 0 ? nlohmann::json{{"name", "crash plan"}} : nlohmann::json(),
                {{"step", std::stoi(argv[3])}});
            return 0;
        }
        if (op == "acquire-lease" && argc == 4) {
            const auto decision =
                registry.acquireLease(argv[3], "crash-test", 60'000, fraud::wallClockMillis());
            if (!decision.granted) {
                std::cerr << "registry_writer: " << decision.reason << "\n";
                return 3;
            }
            return 0;
        }
        const auto current = registry.readRollout();
        const std::uint64_t generation = current ? current->generation : 0;
        if (op == "set-canary" && argc == 5) {
            const auto bp = static_cast<std::uint32_t>(std::stoul(argv[4]));
            registry.commit(generation, "set_canary", "crash-test", "a canary",
                            [&](fraud::RolloutState& s) {
                                s.canary = argv[3];
                                s.canaryWeightBp = bp;
                            });
            return 0;
        }
        if (op == "promote" && argc == 3) {
            registry.commit(generation, "promote", "crash-test", "the canary is good",
                            [](fraud::RolloutState& s) {
                                s.stable = s.canary;
                                s.canary.clear();
                                s.canaryWeightBp = 0;
                            });
            return 0;
        }
    } catch (const std::exception& e) {
        std::cerr << "registry_writer: " << e.what() << "\n";
        return 1;
    }
    std::cerr << "registry_writer: bad arguments\n";
    return 2;
}
