// audit.jsonl as the registry verifies it: the text, the generation rollout.json says is
// committed and its anchor (head hash, line count) taken from the first bytes. Whatever the
// bytes, verification finishes with a verdict, its counts add up, its findings name lines
// that exist, and it counts the lines as the writer's crash repair (auditTail) does.
#include <string>

#include "FuzzInput.h"
#include "registry/AuditChain.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3)
        return 0;
    const std::uint64_t generation = data[0];
    const auto text = fraud::fuzz::text(data + 3, size - 3);
    const auto tail = fraud::auditTail(text);
    std::optional<fraud::AuditAnchor> anchor;
    if (data[1] & 1) {
        // Half the time the anchor a committed head would have (so the verifier gets past the
        // anchor and into the chain), else one that matches nothing.
        anchor = fraud::AuditAnchor{};
        anchor->lines = (data[2] & 1) ? tail.lines : data[1] >> 1;
        anchor->headSha256 = (data[2] & 2) ? tail.lastLineSha256 : std::string("not a hash");
    }
    const auto verification = fraud::verifyAuditChain(text, generation, anchor);
    if (verification.lines != tail.lines)
        fraud::fuzz::fail("the verifier and the writer's repair count different lines");
    if (verification.chained + verification.unchained > verification.lines)
        fraud::fuzz::fail("more chained and unchained lines than lines");
    for (const auto& finding : verification.findings) {
        // Line 0 is the file as a whole; lines + 1 the torn line after the last complete one.
        if (finding.line > verification.lines + 1)
            fraud::fuzz::fail("a finding names a line past the end of the file");
    }
    (void)verification.summary();
    return 0;
}
