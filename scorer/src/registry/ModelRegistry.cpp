#include "registry/ModelRegistry.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/FileIo.h"
#include "common/Sha256.h"
#include "common/Time.h"
#include "registry/RegistryWriteSteps.h"

namespace fraud {
namespace {

// "v12" -> 12, anything else -> nullopt.
std::optional<long> versionNumber(std::string_view v) {
    if (v.size() < 2 || v[0] != 'v')
        return std::nullopt;
    long n = 0;
    for (char c : v.substr(1)) {
        if (!std::isdigit(static_cast<unsigned char>(c)) || n > 100'000'000)
            return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

nlohmann::json readJsonFile(const std::filesystem::path& path) {
    const auto j = nlohmann::json::parse(readFile(path), nullptr, false);
    if (j.is_discarded())
        throw std::runtime_error(path.string() + ": not valid JSON");
    return j;
}

// rollout.json's anchor of the audit chain, beside the state: {"audit": {"head_sha256",
// "lines"}}. An anchor of the wrong shape reads as none, which the verification reports.
void writeAnchor(nlohmann::json& rollout, const AuditAnchor& anchor) {
    rollout["audit"] = {{"head_sha256", anchor.headSha256}, {"lines", anchor.lines}};
}

std::optional<AuditAnchor> readAnchor(const nlohmann::json& rollout) {
    const auto a = rollout.find("audit");
    if (a == rollout.end() || !a->is_object())
        return std::nullopt;
    const auto head = a->find("head_sha256");
    const auto lines = a->find("lines");
    if (head == a->end() || !head->is_string() || lines == a->end() || !lines->is_number_unsigned())
        return std::nullopt;
    return AuditAnchor{head->get<std::string>(), lines->get<std::uint64_t>()};
}

}  // namespace

ModelRegistry::ModelRegistry(std::filesystem::path root) : root_(std::move(root)) {}

void ModelRegistry::checkVersionName(std::string_view version) {
    const bool ok =
        !version.empty() && version.size() <= 64 && version[0] != '.' &&
        std::all_of(version.begin(), version.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
        });
    if (!ok) {
        throw std::runtime_error("bad version name '" + std::string(version) +
                                 "': use letters, digits, '.', '-', '_' (at most 64)");
    }
}

std::vector<std::string> ModelRegistry::versions() const {
    std::vector<std::string> out;
    const auto dir = root_ / "models";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto name = entry.path().filename().string();
        if (entry.is_directory() && !name.starts_with(".") &&
            std::filesystem::exists(entry.path() / "manifest.json")) {
            out.push_back(name);
        }
    }
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
        const auto na = versionNumber(a), nb = versionNumber(b);
        if (na && nb)
            return *na < *nb;
        if (na.has_value() != nb.has_value())
            return na.has_value();
        return a < b;
    });
    return out;
}

std::string ModelRegistry::nextVersion() const {
    long highest = 0;
    for (const auto& v : versions())
        highest = std::max(highest, versionNumber(v).value_or(0));
    return "v" + std::to_string(highest + 1);
}

bool ModelRegistry::hasVersion(std::string_view version) const {
    return std::filesystem::exists(versionDir(version) / "manifest.json");
}

std::filesystem::path ModelRegistry::versionDir(std::string_view version) const {
    checkVersionName(version);
    return root_ / "models" / std::string(version);
}

void ModelRegistry::addVersion(const ModelManifest& manifest, std::string_view modelJson) {
    const auto target = versionDir(manifest.version);
    const auto models = root_ / "models";
    std::filesystem::create_directories(models);
    if (std::filesystem::exists(target)) {
        throw std::runtime_error("version " + manifest.version + " already exists in " +
                                 models.string());
    }
    // Build the version beside its final place, then rename: readers never see it half.
    const auto staging =
        models / (".staging-" + manifest.version + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(staging);
    std::filesystem::create_directories(staging);
    try {
        writeFileAtomically(staging / manifest.modelFile, modelJson);
        writeFileAtomically(staging / "manifest.json", manifest.toJson().dump(2) + "\n");
        registryWrite::reached("version:staged");
        std::filesystem::rename(staging, target);
        syncDirectory(models);
        registryWrite::reached("version:renamed");
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove_all(staging, ec);
        throw;
    }
}

ModelManifest ModelRegistry::readManifest(std::string_view version) const {
    const auto path = versionDir(version) / "manifest.json";
    const auto text = readFile(path);
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded())
        throw std::runtime_error(path.string() + ": not valid JSON");
    auto manifest = ModelManifest::fromJson(j);
    if (manifest.version != version) {
        throw std::runtime_error(path.string() + ": names version " + manifest.version);
    }
    return manifest;
}

std::optional<RolloutState> ModelRegistry::readRollout() const {
    if (!std::filesystem::exists(rolloutPath()))
        return std::nullopt;
    return RolloutState::fromJson(readJsonFile(rolloutPath()));
}

namespace {

// audit.jsonl's lines: [begin, end) of each, and whether the last ends with its newline.
struct Lines {
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    bool lastComplete = true;
};

Lines splitLines(const std::string& text) {
    Lines out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        if (nl == std::string::npos) {
            out.spans.emplace_back(start, text.size());
            out.lastComplete = false;
            break;
        }
        out.spans.emplace_back(start, nl);
        start = nl + 1;
    }
    return out;
}

std::optional<AuditEntry> parseEntry(std::string_view line) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return std::nullopt;
    try {
        return AuditEntry::fromJson(j);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace

ModelRegistry::Repair ModelRegistry::repairAudit(std::uint64_t committedGeneration,
                                                 AuditTail& tail) const {
    Repair repair;
    tail = {};
    if (!std::filesystem::exists(auditPath()))
        return repair;
    const std::string text = readFile(auditPath());
    const Lines lines = splitLines(text);
    // Keep everything up to the last committed entry; what follows is a torn line or changes
    // whose rollout.json never replaced the old one.
    std::size_t keep = 0;
    for (std::size_t i = 0; i < lines.spans.size(); ++i) {
        const auto [b, e] = lines.spans[i];
        const bool complete = i + 1 < lines.spans.size() || lines.lastComplete;
        const auto entry =
            complete ? parseEntry(std::string_view(text).substr(b, e - b)) : std::nullopt;
        if (!complete) {
            repair.tornBytes = e - b;
            break;
        }
        if (entry && entry->generation > committedGeneration) {
            ++repair.uncommittedEntries;
            continue;
        }
        if (repair.uncommittedEntries == 0)
            keep = e + 1;
    }
    tail = auditTail(std::string_view(text).substr(0, keep));
    if (keep < text.size()) {
        if (::truncate(auditPath().c_str(), static_cast<off_t>(keep)) != 0)
            throw std::runtime_error("cannot truncate " + auditPath().string());
        syncDirectory(root_);
    }
    return repair;
}

void ModelRegistry::appendAudit(const std::string& line) const {
    if (!registryWrite::hooked()) {
        appendLineDurably(auditPath(), line);
        registryWrite::reached("audit:appended");
        return;
    }
    // For the crash tests: the line in two writes, so that a stop between them leaves it torn.
    const int fd = ::open(auditPath().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot open " + auditPath().string());
    const std::string whole = line + "\n";
    const std::size_t half = whole.size() / 2;
    const bool ok =
        ::write(fd, whole.data(), half) == static_cast<ssize_t>(half) && ::fsync(fd) == 0;
    if (ok)
        registryWrite::reached("audit:half-written");
    const bool rest = ok &&
                      ::write(fd, whole.data() + half, whole.size() - half) ==
                          static_cast<ssize_t>(whole.size() - half) &&
                      ::fsync(fd) == 0;
    ::close(fd);
    if (!rest)
        throw std::runtime_error("cannot append to " + auditPath().string());
    registryWrite::reached("audit:appended");
}

RolloutState ModelRegistry::commit(std::uint64_t expectedGeneration, std::string_view action,
                                   std::string_view who, std::string_view why,
                                   const std::function<void(RolloutState&)>& change,
                                   const std::map<std::string, std::string>& annotations,
                                   const std::string& leaseId) {
    std::filesystem::create_directories(root_);
    FileLock lock(root_ / ".lock");
    if (!leaseId.empty())
        checkLease(leaseId);
    const auto current = readRollout();
    const std::uint64_t currentGeneration = current ? current->generation : 0;
    AuditTail tail;
    lastRepair_ = repairAudit(currentGeneration, tail);
    if (lastRepair_.any()) {
        std::fprintf(stderr,
                     "registry %s: removed what an interrupted write left in audit.jsonl: %zu "
                     "bytes of a torn line, %zu uncommitted entries\n",
                     root_.c_str(), lastRepair_.tornBytes, lastRepair_.uncommittedEntries);
    }
    if (currentGeneration != expectedGeneration) {
        throw StaleGenerationError(expectedGeneration, current.value_or(RolloutState{}));
    }
    RolloutState next = current.value_or(RolloutState{});
    change(next);
    if (next.stable.empty() || !hasVersion(next.stable)) {
        throw std::runtime_error("stable version '" + next.stable + "' is not in the registry");
    }
    if (!next.canary.empty() && !hasVersion(next.canary)) {
        throw std::runtime_error("canary version '" + next.canary + "' is not in the registry");
    }
    next.generation = currentGeneration + 1;
    next.who = who;
    next.why = why;
    next.when = formatRfc3339(wallClockMillis());
    AuditEntry entry;
    entry.generation = next.generation;
    entry.when = next.when;
    entry.who = next.who;
    entry.action = action;
    entry.why = next.why;
    entry.before = current;
    entry.after = next;
    entry.annotations = annotations;
    entry.prev = tail.lastLineSha256;
    const std::string line = entry.toJson().dump();
    // The audit entry first: a crash before rollout.json is replaced leaves an entry above the
    // committed generation, which readers ignore and the next writer removes.
    std::error_code noAudit;
    const auto auditSize = std::filesystem::file_size(auditPath(), noAudit);
    appendAudit(line);
    auto rollout = next.toJson();
    writeAnchor(rollout, {sha256Hex(line), tail.lines + 1});
    try {
        writeFileAtomically(rolloutPath(), rollout.dump(2) + "\n",
                            registryWrite::hooked() ? &registryWrite::reached : nullptr,
                            "rollout:tmp-written");
    } catch (...) {
        withdrawAuditLine(next.generation, noAudit ? 0 : auditSize);
        throw;
    }
    registryWrite::reached("rollout:renamed");
    return next;
}

void ModelRegistry::withdrawAuditLine(std::uint64_t generation, std::uintmax_t auditSize) const {
    // rollout.json was not replaced (a full or read-only disk), so the line just appended is
    // uncommitted: cut it off now, while the lock is held, so that a failed write leaves the
    // files as they were. Unless the rename did happen and only the directory's fsync failed:
    // then the line is committed and stays. If this fails too, or the process dies first, the
    // next writer's repair removes the line.
    try {
        const auto now = readRollout();
        if (now && now->generation == generation)
            return;
        if (::truncate(auditPath().c_str(), static_cast<off_t>(auditSize)) == 0)
            syncDirectory(root_);
    } catch (const std::exception&) {
    }
}

ModelRegistry::AuditFiles ModelRegistry::readAuditFiles() const {
    AuditFiles files;
    // rollout.json first: an entry written after this read is above its generation.
    if (std::filesystem::exists(rolloutPath())) {
        const auto rollout = readJsonFile(rolloutPath());
        files.committedGeneration = RolloutState::fromJson(rollout).generation;
        files.anchor = readAnchor(rollout);
    }
    if (std::filesystem::exists(auditPath()))
        files.text = readFile(auditPath());
    return files;
}

std::vector<AuditEntry> ModelRegistry::committedEntries(const AuditFiles& files) const {
    std::vector<AuditEntry> out;
    const std::string& text = files.text;
    const Lines lines = splitLines(text);
    for (std::size_t i = 0; i < lines.spans.size(); ++i) {
        const auto [b, e] = lines.spans[i];
        const bool last = i + 1 == lines.spans.size();
        auto entry = parseEntry(std::string_view(text).substr(b, e - b));
        if (!entry) {
            if (last)  // torn by an interrupted append; the next writer removes it
                break;
            throw std::runtime_error(auditPath().string() + ": line " + std::to_string(i + 1) +
                                     " is not an audit entry");
        }
        if (entry->generation > files.committedGeneration)
            continue;  // never committed
        // A generation written again after a crash between the two steps: the later is the one
        // that committed (the earlier's rollout.json never replaced the old one).
        while (!out.empty() && out.back().generation >= entry->generation)
            out.pop_back();
        entry->line = i + 1;
        out.push_back(std::move(*entry));
    }
    return out;
}

std::vector<AuditEntry> ModelRegistry::readAudit() const {
    return committedEntries(readAuditFiles());
}

AuditVerification ModelRegistry::verifyAudit() const {
    const auto files = readAuditFiles();
    return verifyAuditChain(files.text, files.committedGeneration, files.anchor);
}

ModelRegistry::VerifiedAudit ModelRegistry::readVerifiedAudit() const {
    const auto files = readAuditFiles();
    return {committedEntries(files),
            verifyAuditChain(files.text, files.committedGeneration, files.anchor)};
}

std::optional<std::string> ModelRegistry::previousStable() const {
    const auto current = readRollout();
    if (!current)
        return std::nullopt;
    const auto audit = readAudit();
    for (auto it = audit.rbegin(); it != audit.rend(); ++it) {
        if (!it->before)
            continue;
        const auto& was = it->before->stable;
        if (it->after.stable == current->stable && !was.empty() && was != current->stable)
            return was;
    }
    return std::nullopt;
}

RolloutRun ModelRegistry::readRun() const {
    if (!std::filesystem::exists(runPath()))
        return {};
    return RolloutRun::fromJson(readJsonFile(runPath()));
}

RolloutRun ModelRegistry::updateRun(std::uint64_t expectedRevision, std::string_view who,
                                    std::string_view why, const nlohmann::json& plan,
                                    const nlohmann::json& progress, const std::string& leaseId) {
    if (!plan.is_null() && !plan.is_object())
        throw std::invalid_argument("plan: not a JSON object");
    if (!progress.is_object())
        throw std::invalid_argument("progress: not a JSON object");
    std::filesystem::create_directories(root_);
    FileLock lock(root_ / ".lock");
    if (!leaseId.empty())
        checkLease(leaseId);
    RolloutRun run = readRun();
    if (run.revision != expectedRevision)
        throw StaleRevisionError(expectedRevision, run);
    ++run.revision;
    if (!plan.is_null())
        run.plan = plan;
    run.progress = progress;
    run.who = who;
    run.why = why;
    run.when = formatRfc3339(wallClockMillis());
    writeFileAtomically(runPath(), run.toJson().dump(2) + "\n",
                        registryWrite::hooked() ? &registryWrite::reached : nullptr,
                        "run:tmp-written");
    registryWrite::reached("run:renamed");
    return run;
}

std::optional<RunnerLease> ModelRegistry::readLease() const {
    if (!std::filesystem::exists(leasePath()))
        return std::nullopt;
    return RunnerLease::fromJson(readJsonFile(leasePath()));
}

void ModelRegistry::checkLease(const std::string& leaseId) const {
    const auto lease = readLease();
    if (!lease || lease->leaseId != leaseId)
        throw LeaseLostError("this runner does not hold the lease" +
                             (lease ? " (" + lease->holder + " does)" : std::string()));
    if (lease->expiredAt(wallClockMillis()))
        throw LeaseLostError("this runner's lease expired");
}

void ModelRegistry::writeLease(const RunnerLease& lease) const {
    writeFileAtomically(leasePath(), lease.toJson().dump(2) + "\n",
                        registryWrite::hooked() ? &registryWrite::reached : nullptr,
                        "lease:tmp-written");
    registryWrite::reached("lease:renamed");
}

LeaseDecision ModelRegistry::acquireLease(const std::string& holder, const std::string& identity,
                                          std::int64_t ttlMs, EpochMillis now) {
    std::filesystem::create_directories(root_);
    FileLock lock(root_ / ".lock");
    auto decision = decideAcquire(readLease(), holder, identity, ttlMs, now, newLeaseId());
    if (decision.granted)
        writeLease(decision.lease);
    return decision;
}

LeaseDecision ModelRegistry::renewLease(const std::string& leaseId, std::int64_t ttlMs,
                                        EpochMillis now) {
    std::filesystem::create_directories(root_);
    FileLock lock(root_ / ".lock");
    auto decision = decideRenew(readLease(), leaseId, ttlMs, now);
    if (decision.granted)
        writeLease(decision.lease);
    return decision;
}

bool ModelRegistry::releaseLease(const std::string& leaseId) {
    FileLock lock(root_ / ".lock");
    const auto lease = readLease();
    if (!lease || lease->leaseId != leaseId)
        return false;
    std::filesystem::remove(leasePath());
    syncDirectory(root_);
    return true;
}

std::filesystem::path ModelRegistry::evalSetPath(const FeatureSchema& schema) const {
    std::string name = schema.id();
    std::replace(name.begin(), name.end(), '/', '_');
    return root_ / "eval" / (name + ".csv");
}

}  // namespace fraud
