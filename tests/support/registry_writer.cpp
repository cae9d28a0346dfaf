// A registry writer that can be stopped at any step of its write, for the crash tests
// (RegistryStopHook.cpp, linked in, reads FRAUD_REGISTRY_STOP_AT). Test-only.
//
//   registry_writer REGISTRY add-version FROM NEW    FROM's model and manifest, as version NEW
//   registry_writer REGISTRY set-canary VERSION BP   the canary at BP basis points
//   registry_writer REGISTRY promote                 the canary becomes stable
//   registry_writer REGISTRY update-run STEP         the run record's progress at step STEP
//   registry_writer REGISTRY acquire-lease HOLDER    the runner lease for HOLDER, for a minute
#include <iostream>
#include <string>

#include "common/FileIo.h"
#include "common/Time.h"
#include "registry/ModelRegistry.h"

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
