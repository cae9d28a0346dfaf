#include "registry/ModelRegistry.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "common/FileIo.h"
#include "common/Time.h"

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
        std::filesystem::rename(staging, target);
        syncDirectory(models);
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
    const auto path = rolloutPath();
    if (!std::filesystem::exists(path))
        return std::nullopt;
    const auto j = nlohmann::json::parse(readFile(path), nullptr, false);
    if (j.is_discarded())
        throw std::runtime_error(path.string() + ": not valid JSON");
    return RolloutState::fromJson(j);
}

RolloutState ModelRegistry::commit(std::uint64_t expectedGeneration, std::string_view action,
                                   std::string_view who, std::string_view why,
                                   const std::function<void(RolloutState&)>& change) {
    std::filesystem::create_directories(root_);
    FileLock lock(root_ / ".lock");
    const auto current = readRollout();
    const std::uint64_t currentGeneration = current ? current->generation : 0;
    if (currentGeneration != expectedGeneration) {
        throw StaleGenerationError("expected generation " + std::to_string(expectedGeneration) +
                                       " but the registry is at " +
                                       std::to_string(currentGeneration),
                                   current.value_or(RolloutState{}));
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
    writeFileAtomically(rolloutPath(), next.toJson().dump(2) + "\n");
    nlohmann::json audit{{"when", next.when},
                         {"who", next.who},
                         {"action", action},
                         {"why", next.why},
                         {"before", current ? current->toJson() : nlohmann::json()},
                         {"after", next.toJson()}};
    appendLineDurably(auditPath(), audit.dump());
    return next;
}

std::vector<nlohmann::json> ModelRegistry::readAudit() const {
    std::vector<nlohmann::json> out;
    if (!std::filesystem::exists(auditPath()))
        return out;
    const auto text = readFile(auditPath());
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        auto j = nlohmann::json::parse(text.substr(start, end - start), nullptr, false);
        if (!j.is_discarded() && j.is_object())
            out.push_back(std::move(j));
        start = end + 1;
    }
    return out;
}

std::optional<std::string> ModelRegistry::previousStable() const {
    const auto current = readRollout();
    if (!current)
        return std::nullopt;
    const auto audit = readAudit();
    for (auto it = audit.rbegin(); it != audit.rend(); ++it) {
        const auto& before = (*it)["before"];
        const auto& after = (*it)["after"];
        if (!before.is_object() || !after.is_object())
            continue;
        const auto was = before.value("stable", "");
        if (after.value("stable", "") == current->stable && !was.empty() && was != current->stable)
            return was;
    }
    return std::nullopt;
}

std::filesystem::path ModelRegistry::evalSetPath(const FeatureSchema& schema) const {
    std::string name = schema.id();
    std::replace(name.begin(), name.end(), '/', '_');
    return root_ / "eval" / (name + ".csv");
}

}  // namespace fraud
