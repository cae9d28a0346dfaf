#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/AuditChain.h"
#include "registry/AuditEntry.h"
#include "registry/ModelManifest.h"
#include "registry/RolloutRun.h"
#include "registry/RolloutState.h"
#include "registry/RunnerLease.h"

namespace fraud {

// Thrown when a change names a generation that is no longer the current one.
class StaleGenerationError : public std::runtime_error {
public:
    StaleGenerationError(std::uint64_t expected, RolloutState current)
        : std::runtime_error("expected generation " + std::to_string(expected) +
                             " but the registry is at " + std::to_string(current.generation)),
          current_(std::move(current)) {}
    const RolloutState& current() const { return current_; }

private:
    RolloutState current_;
};

// Thrown when a runner acts with a lease that expired or that another runner holds now.
class LeaseLostError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The model registry: a directory every replica reads and release tools write.
//
//   models/<version>/model.json, manifest.json   immutable once written
//   rollout.json                                 the serving state (RolloutState)
//   audit.jsonl                                  one line per change, append-only
//   rollout-run.json                             the release plan and its progress (RolloutRun)
//   runner-lease.json                            which runner drives the release (RunnerLease)
//   eval/<schema>.csv                            the fixed evaluation set per schema
//
// Writes are atomic (a version appears whole by renaming its directory; files are
// replaced by rename) and changes to rollout.json happen under an exclusive lock.
//
// A rollout change survives a crash at any step (docs/architecture.md, "Registry writes"):
// its audit entry, carrying the generation it creates, is appended first and rollout.json
// replaced second. The committed history is the audit entries up to rollout.json's
// generation (for a generation written twice, after a crash between the two steps, the last);
// entries above it never committed and readers leave them out. The next writer removes them
// and a torn last line, and says so (lastRepair()). Each entry links to the one before it by
// hash, and rollout.json anchors the last, so tampering shows (verifyAudit(), AuditChain.h).
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
    // and appends an audit line with `annotations`. Throws StaleGenerationError otherwise.
    // With `leaseId`, the change is made only if that lease is current and unexpired (a
    // runner that lost its lease never acts), else throws LeaseLostError.
    RolloutState commit(std::uint64_t expectedGeneration, std::string_view action,
                        std::string_view who, std::string_view why,
                        const std::function<void(RolloutState&)>& change,
                        const std::map<std::string, std::string>& annotations = {},
                        const std::string& leaseId = {});

    // The release plan and progress; a revision-0 record when there is none.
    RolloutRun readRun() const;
    // Replaces the run record's plan (unless `plan` is null) and progress, under the lock, if
    // its revision is `expectedRevision` (StaleRevisionError otherwise) and, with `leaseId`,
    // that lease is current (LeaseLostError otherwise). Returns the record written.
    RolloutRun updateRun(std::uint64_t expectedRevision, std::string_view who, std::string_view why,
                         const nlohmann::json& plan, const nlohmann::json& progress,
                         const std::string& leaseId = {});

    std::optional<RunnerLease> readLease() const;
    // Lease changes under the lock, at `now` on the caller's (the scorer's) clock.
    LeaseDecision acquireLease(const std::string& holder, const std::string& identity,
                               std::int64_t ttlMs, EpochMillis now);
    LeaseDecision renewLease(const std::string& leaseId, std::int64_t ttlMs, EpochMillis now);
    // Gives the lease up at once (a runner that finished), if `leaseId` holds it.
    bool releaseLease(const std::string& leaseId);

    // The committed history, oldest first: one entry per generation up to rollout.json's. A
    // torn last line and uncommitted entries are left out; an unreadable line before the last
    // is corruption, and throws.
    std::vector<AuditEntry> readAudit() const;
    // The stable version before the current one, from the committed history: the `before` of
    // the newest change that made the current stable version stable.
    std::optional<std::string> previousStable() const;
    // Checks audit.jsonl's hash chain and rollout.json's anchor of it (AuditChain.h).
    AuditVerification verifyAudit() const;
    // Both from one read of each file, so the entries' lines are the ones the findings name.
    struct VerifiedAudit {
        std::vector<AuditEntry> entries;
        AuditVerification verification;
    };
    VerifiedAudit readVerifiedAudit() const;

    // What the last commit() found left by an interrupted write, and removed.
    struct Repair {
        std::size_t tornBytes = 0;           // a last line without its newline
        std::size_t uncommittedEntries = 0;  // entries above rollout.json's generation
        bool any() const { return tornBytes > 0 || uncommittedEntries > 0; }
    };
    const Repair& lastRepair() const { return lastRepair_; }

    std::filesystem::path evalSetPath(const FeatureSchema& schema) const;
    std::filesystem::path auditPath() const { return root_ / "audit.jsonl"; }
    std::filesystem::path rolloutPath() const { return root_ / "rollout.json"; }
    std::filesystem::path runPath() const { return root_ / "rollout-run.json"; }
    std::filesystem::path leasePath() const { return root_ / "runner-lease.json"; }

    static void checkVersionName(std::string_view version);

private:
    // rollout.json (read first) and audit.jsonl as the audit readers need them.
    struct AuditFiles {
        std::uint64_t committedGeneration = 0;
        std::optional<AuditAnchor> anchor;
        std::string text;
    };
    AuditFiles readAuditFiles() const;
    // The committed history in `files` (see readAudit).
    std::vector<AuditEntry> committedEntries(const AuditFiles& files) const;
    // Under the lock: removes what an interrupted write left at the end of audit.jsonl.
    // `tail` is where the next line links.
    Repair repairAudit(std::uint64_t committedGeneration, AuditTail& tail) const;
    void appendAudit(const std::string& line) const;
    void withdrawAuditLine(std::uint64_t generation, std::uintmax_t auditSize) const;
    // Under the lock: throws LeaseLostError unless `leaseId` is the current, unexpired lease.
    void checkLease(const std::string& leaseId) const;
    void writeLease(const RunnerLease& lease) const;

    std::filesystem::path root_;
    Repair lastRepair_;
};

}  // namespace fraud
