#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fraud {

// audit.jsonl as a hash chain. Every entry written by a chaining scorer carries `prev`, the
// SHA-256 of the previous line's bytes (without its newline), or kAuditGenesis on the first
// line; rollout.json carries the AuditAnchor of the committed history: the hash of its last
// line and the number of lines up to it. An edited line breaks the link after it (or the
// anchor, for the last), a deleted line leaves a gap in the generations, reordered lines link
// to lines that are not their neighbours, and deleting the last lines falls short of the
// anchor. Someone who can rewrite audit.jsonl and rollout.json together can forge a whole new
// chain: docs/security.md says what this does and does not stop.
inline constexpr std::string_view kAuditGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct AuditAnchor {
    std::string headSha256;   // of the last committed line
    std::uint64_t lines = 0;  // lines in audit.jsonl up to and including it
    friend bool operator==(const AuditAnchor&, const AuditAnchor&) = default;
};

struct AuditFinding {
    enum class Kind {
        // Tampering: the history is not what was written.
        Edited,
        Deleted,
        Reordered,
        Inserted,       // an unchained line after chained ones, or lines past the anchor
        Unreadable,     // a complete line that is not an audit entry
        AnchorMissing,  // chained lines, but rollout.json has no anchor
        // Not tampering, but worth saying.
        Unchained,    // lines written before the chain existed
        Unanchored,   // rollout.json without an anchor (written before the chain)
        Uncommitted,  // entries above rollout.json's generation: an interrupted write
        Torn,         // a last line without its newline: an interrupted append
    };
    Kind kind;
    std::size_t line = 0;  // 1-based; 0: the file as a whole
    std::string detail;
    bool tampering() const { return kind <= Kind::AnchorMissing; }
};
// "edited", "deleted", ...
const char* toString(AuditFinding::Kind kind);

struct AuditVerification {
    std::size_t lines = 0;      // complete lines in the file
    std::size_t chained = 0;    // lines with a link
    std::size_t unchained = 0;  // lines before the chain
    bool anchored = false;      // rollout.json carries an anchor, and it matched
    std::string headSha256;     // of the last committed line: worth keeping elsewhere
    std::vector<AuditFinding> findings;
    bool intact() const;
    // "intact: 14 lines, 12 chained (2 lines from before the chain, unchained), anchored in
    // rollout.json", or "TAMPERED:" and the tampering findings, one a line.
    std::string summary() const;
};

// Where a chaining writer's next line links: the hash of the last complete line (the genesis
// hash in an empty file) and how many lines the file will have before it.
struct AuditTail {
    std::string lastLineSha256 = std::string(kAuditGenesis);
    std::size_t lines = 0;
};
AuditTail auditTail(std::string_view auditText);

// Checks `auditText` (audit.jsonl) against rollout.json's `committedGeneration` and
// `anchor`. Pure: the fuzz harness and the tests call it on bytes.
AuditVerification verifyAuditChain(std::string_view auditText, std::uint64_t committedGeneration,
                                   const std::optional<AuditAnchor>& anchor);

}  // namespace fraud
