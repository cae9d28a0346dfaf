#include "registry/AuditChain.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "common/Sha256.h"

namespace fraud {
namespace {

struct ChainLine {
    std::string_view bytes;
    std::string sha;
    bool readable = false;
    std::uint64_t generation = 0;
    std::optional<std::string> prev;
};

// Complete lines, and the bytes after the last newline (a torn append).
std::vector<std::string_view> completeLines(std::string_view text, std::string_view& torn) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) {
            torn = text.substr(start);
            break;
        }
        out.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

ChainLine readLine(std::string_view bytes) {
    ChainLine line;
    line.bytes = bytes;
    line.sha = sha256Hex(bytes);
    const auto j = nlohmann::json::parse(bytes, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return line;
    // As AuditEntry::fromJson reads it: older lines carry the generation only in `after`.
    const auto after = j.find("after");
    const auto generation = j.find("generation");
    if (generation != j.end() && generation->is_number_unsigned()) {
        line.generation = generation->get<std::uint64_t>();
    } else if (after != j.end() && after->is_object() && after->contains("generation") &&
               (*after)["generation"].is_number_unsigned()) {
        line.generation = (*after)["generation"].get<std::uint64_t>();
    } else {
        return line;
    }
    const auto prev = j.find("prev");
    if (prev != j.end()) {
        if (!prev->is_string())
            return line;
        line.prev = prev->get<std::string>();
    }
    line.readable = true;
    return line;
}

std::string lineWord(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " line" : " lines");
}

}  // namespace

const char* toString(AuditFinding::Kind kind) {
    switch (kind) {
        case AuditFinding::Kind::Edited:
            return "edited";
        case AuditFinding::Kind::Deleted:
            return "deleted";
        case AuditFinding::Kind::Reordered:
            return "reordered";
        case AuditFinding::Kind::Inserted:
            return "inserted";
        case AuditFinding::Kind::Unreadable:
            return "unreadable";
        case AuditFinding::Kind::AnchorMissing:
            return "anchor missing";
        case AuditFinding::Kind::Unchained:
            return "unchained";
        case AuditFinding::Kind::Unanchored:
            return "unanchored";
        case AuditFinding::Kind::Uncommitted:
            return "uncommitted";
        case AuditFinding::Kind::Torn:
            return "torn";
    }
    return "unknown";
}

bool AuditVerification::intact() const {
    return std::none_of(findings.begin(), findings.end(),
                        [](const AuditFinding& f) { return f.tampering(); });
}

std::string AuditVerification::summary() const {
    if (!intact()) {
        std::string out = "TAMPERED:";
        for (const auto& f : findings) {
            if (f.tampering())
                out += "\n  " + std::string(toString(f.kind)) + ": " + f.detail;
        }
        return out;
    }
    std::string out = "intact: " + lineWord(lines) + ", " + std::to_string(chained) + " chained";
    if (unchained > 0)
        out += " (" + lineWord(unchained) + " from before the chain, unchained)";
    out += anchored ? ", anchored in rollout.json" : ", not anchored";
    return out;
}

AuditTail auditTail(std::string_view auditText) {
    std::string_view torn;
    const auto lines = completeLines(auditText, torn);
    AuditTail tail;
    tail.lines = lines.size();
    if (!lines.empty())
        tail.lastLineSha256 = sha256Hex(lines.back());
    return tail;
}

AuditVerification verifyAuditChain(std::string_view auditText, std::uint64_t committedGeneration,
                                   const std::optional<AuditAnchor>& anchor) {
    AuditVerification out;
    std::string_view torn;
    const auto raw = completeLines(auditText, torn);
    std::vector<ChainLine> lines;
    lines.reserve(raw.size());
    for (const auto bytes : raw)
        lines.push_back(readLine(bytes));
    out.lines = lines.size();
    const auto add = [&](AuditFinding::Kind kind, std::size_t line, std::string detail) {
        out.findings.push_back({kind, line, std::move(detail)});
    };

    // The committed history ends at the last line at or below rollout.json's generation; the
    // lines after it are changes whose rollout.json never replaced the old one.
    std::size_t committedEnd = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (!lines[i].readable || lines[i].generation <= committedGeneration)
            committedEnd = i + 1;
    }
    if (committedEnd < lines.size()) {
        add(AuditFinding::Kind::Uncommitted, committedEnd + 1,
            lineWord(lines.size() - committedEnd) + " from line " +
                std::to_string(committedEnd + 1) +
                " above rollout.json's generation: an interrupted change, which the next "
                "change removes");
    }
    if (!torn.empty()) {
        add(AuditFinding::Kind::Torn, lines.size() + 1,
            std::to_string(torn.size()) +
                " bytes without a newline at the end: an interrupted append, which the next "
                "change removes");
    }

    std::map<std::string_view, std::size_t> lineOfHash;  // 1-based
    for (std::size_t i = 0; i < committedEnd; ++i)
        lineOfHash.emplace(lines[i].sha, i + 1);

    bool chainStarted = false;
    for (std::size_t i = 0; i < committedEnd; ++i) {
        const auto& line = lines[i];
        const std::size_t n = i + 1;
        if (!line.readable) {
            add(AuditFinding::Kind::Unreadable, n,
                "line " + std::to_string(n) + " is not an audit entry");
            continue;
        }
        if (!line.prev) {
            if (chainStarted) {
                add(AuditFinding::Kind::Inserted, n,
                    "line " + std::to_string(n) + " (generation " +
                        std::to_string(line.generation) +
                        ") has no link after chained lines: inserted, or written by a scorer "
                        "that does not chain");
            } else {
                ++out.unchained;
            }
            continue;
        }
        chainStarted = true;
        ++out.chained;
        const std::string_view expected = i == 0 ? kAuditGenesis : lines[i - 1].sha;
        if (*line.prev == expected)
            continue;
        const std::uint64_t before = i == 0 ? 0 : lines[i - 1].generation;
        const auto linked = lineOfHash.find(*line.prev);
        const bool fromStart = *line.prev == kAuditGenesis;
        if (fromStart || linked != lineOfHash.end()) {
            add(AuditFinding::Kind::Reordered, n,
                "line " + std::to_string(n) + " (generation " + std::to_string(line.generation) +
                    ") was written " +
                    (fromStart ? std::string("first")
                               : "after line " + std::to_string(linked->second)) +
                    ", not after line " + std::to_string(i) + " (generation " +
                    std::to_string(before) + ")");
        } else if (line.generation > before + 1) {
            add(AuditFinding::Kind::Deleted, n,
                "before line " + std::to_string(n) + ": generation" +
                    (line.generation - before > 2 ? "s " + std::to_string(before + 1) + "-" +
                                                        std::to_string(line.generation - 1)
                                                  : " " + std::to_string(before + 1)) +
                    " deleted (line " + std::to_string(n) + " links to a line not in the file)");
        } else if (i == 0) {
            add(AuditFinding::Kind::Deleted, n,
                "line 1 links to a line not in the file: the lines before it were deleted");
        } else {
            add(AuditFinding::Kind::Edited, i,
                "line " + std::to_string(i) + " (generation " + std::to_string(before) +
                    ") was edited: line " + std::to_string(n) + "'s link does not match its hash");
        }
    }

    const std::uint64_t lastGeneration = committedEnd == 0 ? 0 : lines[committedEnd - 1].generation;
    if (committedEnd > 0)
        out.headSha256 = lines[committedEnd - 1].sha;
    if (anchor) {
        if (committedEnd < anchor->lines) {
            add(AuditFinding::Kind::Deleted, committedEnd + 1,
                "the last " + lineWord(anchor->lines - committedEnd) +
                    " deleted: rollout.json's anchor counts " + lineWord(anchor->lines) +
                    ", the file has " + std::to_string(committedEnd));
        } else if (committedEnd > anchor->lines) {
            add(AuditFinding::Kind::Inserted, anchor->lines + 1,
                lineWord(committedEnd - anchor->lines) + " after line " +
                    std::to_string(anchor->lines) + ", where rollout.json's anchor ends");
        } else if (committedEnd > 0 && lines[committedEnd - 1].sha != anchor->headSha256) {
            add(AuditFinding::Kind::Edited, committedEnd,
                "line " + std::to_string(committedEnd) +
                    " (the last) was edited: its hash is not the one rollout.json anchors");
        } else {
            out.anchored = true;
        }
    } else {
        if (out.chained > 0) {
            add(AuditFinding::Kind::AnchorMissing, 0,
                "audit.jsonl is chained but rollout.json carries no anchor: the anchor was "
                "removed, or an older scorer wrote rollout.json");
        } else {
            add(AuditFinding::Kind::Unanchored, 0,
                "rollout.json carries no anchor (written before the chain existed)");
        }
        if (lastGeneration < committedGeneration) {
            add(AuditFinding::Kind::Deleted, committedEnd + 1,
                "the history ends at generation " + std::to_string(lastGeneration) +
                    " but rollout.json is at " + std::to_string(committedGeneration));
        }
    }
    if (out.unchained > 0) {
        add(AuditFinding::Kind::Unchained, 1,
            lineWord(out.unchained) +
                " from before the chain existed: not protected against editing");
    }
    return out;
}

}  // namespace fraud
