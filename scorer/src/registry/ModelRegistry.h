#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/ModelManifest.h"
#include "registry/RolloutState.h"

namespace fraud {

// Thrown when a change names a generation that is no longer the current one.
class StaleGenerationError : public std::runtime_error {
public:
    StaleGenerationError(const std::string& what, RolloutState current)
        : std::runtime_error(what), current_(std::move(current)) {}
    const RolloutState& current() const { return current_; }

private:
    RolloutState current_;
};

// The model registry: a directory every replica reads and release tools write.
//
//   models/<version>/model.json, manifest.json   immutable once written
//   rollout.json                                 the serving state (RolloutState)
//   audit.jsonl                                  one line per change, append-only
//   eval/<schema>.csv                            the fixed evaluation set per schema
//
// Writes are atomic (a version appears whole by renaming its directory; files are
// replaced by rename) and changes to rollout.json happen under an exclusive lock.
class ModelRegistry {
public:
    explicit ModelRegistry(std::filesystem::path root);

    const std::filesystem::path& root() const { return root_; }
    std::vector<std::string> versions() const;  // in natural order: v2 before v10
    std::string nextVersion() const;            // "v<N+1>"
    bool hasVersion(std::string_view version) const;

    // Adds a version whole, or not at all; refuses to replace an existing one.
    void addVersion(const ModelManifest& manifest, std::string_view modelJson);
    ModelManifest readManifest(std::string_view version) const;
    std::filesystem::path versionDir(std::string_view version) const;

    std::optional<RolloutState> readRollout() const;
    // Applies `change` to the current state under the lock, if the current generation is
    // `expectedGeneration` (0 with no rollout.json yet); writes the result as generation + 1
    // and appends an audit line. Throws StaleGenerationError otherwise.
    RolloutState commit(std::uint64_t expectedGeneration, std::string_view action,
                        std::string_view who, std::string_view why,
                        const std::function<void(RolloutState&)>& change);

    // audit.jsonl, oldest first (a torn last line, from a crash mid-append, is skipped).
    std::vector<nlohmann::json> readAudit() const;
    // The stable version before the current one, from the audit history: the `before` of the
    // newest change that made the current stable version stable.
    std::optional<std::string> previousStable() const;

    std::filesystem::path evalSetPath(const FeatureSchema& schema) const;
    std::filesystem::path auditPath() const { return root_ / "audit.jsonl"; }
    std::filesystem::path rolloutPath() const { return root_ / "rollout.json"; }

    static void checkVersionName(std::string_view version);

private:
    std::filesystem::path root_;
};

}  // namespace fraud
