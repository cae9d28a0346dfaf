// The audit log's hash chain: an untouched log verifies, and an edited, a deleted, a reordered
// and an inserted line are each found and named by line; deleting the last lines falls short
// of rollout.json's anchor; lines from before the chain are reported as unchained, not as
// tampered; an interrupted write is not tampering, and the next change chains on. Then the
// same through a real scorer: `fraudctl audit --verify` exits 0 on an intact log and 3 on an
// edited one, saying which line.
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "RunCommand.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/FileIo.h"
#include "common/Sha256.h"
#include "registry/ModelRegistry.h"

using namespace fraudops::test;
using Kind = fraud::AuditFinding::Kind;

namespace {

std::vector<std::string> readLines(const std::filesystem::path& path) {
    std::vector<std::string> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

void writeLines(const std::filesystem::path& path, const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines)
        text += line + "\n";
    fraud::writeFileAtomically(path, text);
}

// Rewrites one field of audit.jsonl's line `index` (0-based), as someone editing the file would:
// the line still parses and keeps its generation.
void editLine(const std::filesystem::path& path, std::size_t index, const char* field,
              const std::string& value) {
    auto lines = readLines(path);
    auto entry = nlohmann::json::parse(lines.at(index));
    entry[field] = value;
    lines[index] = entry.dump();
    writeLines(path, lines);
}

// The tampering findings, as "kind@line".
QStringList tampering(const fraud::AuditVerification& v) {
    QStringList out;
    for (const auto& f : v.findings) {
        if (f.tampering())
            out << QStringLiteral("%1@%2").arg(fraud::toString(f.kind)).arg(f.line);
    }
    return out;
}

bool hasNote(const fraud::AuditVerification& v, Kind kind) {
    return std::any_of(v.findings.begin(), v.findings.end(),
                       [&](const fraud::AuditFinding& f) { return f.kind == kind; });
}

}  // namespace

class AuditChainTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    int copies_ = 0;

    // A fresh copy of the fixture registry with `changes` more rollout changes committed.
    fraud::ModelRegistry registryWith(int changes) {
        const QString path = dir_.filePath(QStringLiteral("registry-%1").arg(++copies_));
        copyRegistry(transactionRegistry(), path);
        fraud::ModelRegistry registry(path.toStdString());
        for (int i = 0; i < changes; ++i) {
            const auto generation = registry.readRollout()->generation;
            registry.commit(generation, i % 2 == 0 ? "set-canary" : "abort-canary", "alice",
                            "change " + std::to_string(i), [i](fraud::RolloutState& s) {
                                s.canary = i % 2 == 0 ? "v2" : "";
                                s.canaryWeightBp = i % 2 == 0 ? 500 : 0;
                            });
        }
        return registry;
    }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void untouchedLogVerifies() {
        auto registry = registryWith(6);
        const auto v = registry.verifyAudit();
        QVERIFY2(v.intact(), v.summary().c_str());
        QCOMPARE(v.lines, readLines(registry.auditPath()).size());
        QCOMPARE(v.chained, v.lines);
        QCOMPARE(v.unchained, std::size_t{0});
        QVERIFY(v.anchored);
        QVERIFY(v.summary().starts_with("intact: "));
        // Each line links to the one before it; the first to the genesis hash.
        const auto lines = readLines(registry.auditPath());
        QCOMPARE(nlohmann::json::parse(lines[0])["prev"].get<std::string>(),
                 std::string(fraud::kAuditGenesis));
        QCOMPARE(nlohmann::json::parse(lines[3])["prev"].get<std::string>(),
                 fraud::sha256Hex(lines[2]));
    }

    void editedLineIsFound() {
        auto registry = registryWith(6);
        // Who made change 3 rewritten.
        editLine(registry.auditPath(), 2, "who", "mallory");
        const auto v = registry.verifyAudit();
        QVERIFY(!v.intact());
        QCOMPARE(tampering(v), QStringList{"edited@3"});
        QVERIFY2(v.summary().find("line 3 (generation 3) was edited") != std::string::npos,
                 v.summary().c_str());
    }

    void editedLastLineBreaksTheAnchor() {
        auto registry = registryWith(4);
        const auto lines = readLines(registry.auditPath());
        editLine(registry.auditPath(), lines.size() - 1, "why", "nothing to see");
        QCOMPARE(tampering(registry.verifyAudit()),
                 QStringList{QStringLiteral("edited@%1").arg(lines.size())});
    }

    void deletedLineIsFound() {
        auto registry = registryWith(6);
        auto lines = readLines(registry.auditPath());
        lines.erase(lines.begin() + 3);  // generation 4
        writeLines(registry.auditPath(), lines);
        const auto v = registry.verifyAudit();
        // The gap is at line 4 (now generation 5); the anchor counts one line more.
        QVERIFY2(tampering(v).contains("deleted@4"), qPrintable(tampering(v).join(' ')));
        QVERIFY2(v.summary().find("generation 4 deleted") != std::string::npos,
                 v.summary().c_str());
        QVERIFY(!v.anchored);
    }

    void deletedLastLinesFallShortOfTheAnchor() {
        auto registry = registryWith(6);
        auto lines = readLines(registry.auditPath());
        lines.resize(lines.size() - 2);
        writeLines(registry.auditPath(), lines);
        const auto v = registry.verifyAudit();
        QCOMPARE(tampering(v), QStringList{QStringLiteral("deleted@%1").arg(lines.size() + 1)});
        QVERIFY2(v.summary().find("the last 2 lines deleted") != std::string::npos,
                 v.summary().c_str());
    }

    void reorderedLinesAreFound() {
        auto registry = registryWith(6);
        auto lines = readLines(registry.auditPath());
        std::swap(lines[2], lines[3]);
        writeLines(registry.auditPath(), lines);
        const auto found = tampering(registry.verifyAudit());
        QVERIFY(!found.isEmpty());
        for (const auto& f : found)
            QVERIFY2(f.startsWith("reordered@"), qPrintable(found.join(' ')));
        QVERIFY2(found.contains("reordered@3") && found.contains("reordered@4"),
                 qPrintable(found.join(' ')));
    }

    void insertedUnchainedLineIsFound() {
        auto registry = registryWith(4);
        auto lines = readLines(registry.auditPath());
        // A forged entry without a link, slipped in as generation 3 (the real one follows).
        auto forged = nlohmann::json::parse(lines[2]);
        forged.erase("prev");
        forged["who"] = "mallory";
        lines.insert(lines.begin() + 2, forged.dump());
        writeLines(registry.auditPath(), lines);
        const auto found = tampering(registry.verifyAudit());
        QVERIFY2(found.contains("inserted@3"), qPrintable(found.join(' ')));
    }

    void removedAnchorIsFound() {
        auto registry = registryWith(3);
        auto rollout = nlohmann::json::parse(fraud::readFile(registry.rolloutPath()));
        rollout.erase("audit");
        fraud::writeFileAtomically(registry.rolloutPath(), rollout.dump(2));
        QCOMPARE(tampering(registry.verifyAudit()), QStringList{"anchor missing@0"});
    }

    // A log written before the chain existed: reported as unchained, not tampered; the next
    // change chains onto it (so its last line is protected from then on).
    void legacyLinesAreUnchainedNotTampered() {
        auto registry = registryWith(4);
        auto lines = readLines(registry.auditPath());
        for (auto& line : lines) {
            auto entry = nlohmann::json::parse(line);
            entry.erase("prev");
            line = entry.dump();
        }
        writeLines(registry.auditPath(), lines);
        auto rollout = nlohmann::json::parse(fraud::readFile(registry.rolloutPath()));
        rollout.erase("audit");
        fraud::writeFileAtomically(registry.rolloutPath(), rollout.dump(2));
        auto v = registry.verifyAudit();
        QVERIFY2(v.intact(), v.summary().c_str());
        QCOMPARE(v.unchained, lines.size());
        QVERIFY(hasNote(v, Kind::Unchained));
        QVERIFY(hasNote(v, Kind::Unanchored));
        QVERIFY(!v.anchored);

        registry.commit(registry.readRollout()->generation, "abort-canary", "alice", "chained",
                        [](fraud::RolloutState& s) { s.canary.clear(); });
        v = registry.verifyAudit();
        QVERIFY2(v.intact(), v.summary().c_str());
        QCOMPARE(v.unchained, lines.size());
        QCOMPARE(v.chained, std::size_t{1});
        QVERIFY(v.anchored);
        QVERIFY2(v.summary().find("from before the chain, unchained") != std::string::npos,
                 v.summary().c_str());

        // The last unchained line is now covered by the first link.
        editLine(registry.auditPath(), lines.size() - 1, "who", "mallory");
        QCOMPARE(tampering(registry.verifyAudit()),
                 QStringList{QStringLiteral("edited@%1").arg(lines.size())});
    }

    // What a crash between the audit append and rollout.json leaves (an entry above the
    // committed generation, a torn line) is reported, not called tampering; the next change
    // removes it and chains on from the last committed line.
    void interruptedWriteIsNotTampering() {
        auto registry = registryWith(3);
        auto lines = readLines(registry.auditPath());
        auto uncommitted = nlohmann::json::parse(lines.back());
        uncommitted["generation"] = uncommitted["generation"].get<std::uint64_t>() + 1;
        uncommitted["prev"] = fraud::sha256Hex(lines.back());
        std::string text = fraud::readFile(registry.auditPath()) + uncommitted.dump() + "\n" +
                           "{\"generation\": 9, \"wh";
        fraud::writeFileAtomically(registry.auditPath(), text);
        auto v = registry.verifyAudit();
        QVERIFY2(v.intact(), v.summary().c_str());
        QVERIFY(hasNote(v, Kind::Uncommitted));
        QVERIFY(hasNote(v, Kind::Torn));
        QVERIFY(v.anchored);

        registry.commit(registry.readRollout()->generation, "abort-canary", "alice", "after",
                        [](fraud::RolloutState& s) { s.canary.clear(); });
        QCOMPARE(registry.lastRepair().uncommittedEntries, std::size_t{1});
        v = registry.verifyAudit();
        QVERIFY2(v.intact(), v.summary().c_str());
        QCOMPARE(v.lines, lines.size() + 1);
        QVERIFY(!hasNote(v, Kind::Uncommitted) && !hasNote(v, Kind::Torn));
    }

    // Bytes that are not a log at all: findings, never a crash.
    void garbageIsReportedNotFatal() {
        const auto v = fraud::verifyAuditChain("not json\n{\"prev\": 3}\n\xff\xfe\n", 2,
                                               fraud::AuditAnchor{"x", 9});
        QVERIFY(!v.intact());
        QVERIFY(tampering(v).contains("unreadable@1"));
        QVERIFY(fraud::verifyAuditChain("", 0, std::nullopt).intact());
    }

    void fraudctlVerifiesThroughAScorer() {
        auto registry = registryWith(3);
        const QString tokens = dir_.filePath("tokens.json");
        writeTokensFile(tokens, {{"viewer-token-5d1e", "sre-bob", "viewer"}});
        QString error;
        auto scorer = ScorerProcess::start(QString::fromStdString(registry.root().string()),
                                           {"--tokens-file", tokens}, &error);
        QVERIFY2(scorer, qPrintable(error));
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("FRAUDOPS_TOKEN", "viewer-token-5d1e");
        const QStringList args{"audit", "--verify", "--endpoint", scorer->grpcAddress()};
        auto run = runCommand(fraudctlBinary(), args, env, dir_.path(), std::chrono::seconds(30));
        QVERIFY2(run.exitCode == 0, qPrintable(run.text()));
        QVERIFY2(run.text().contains("audit.jsonl: intact: 4 lines, 4 chained, anchored"),
                 qPrintable(run.text()));
        const auto head = fraud::sha256Hex(readLines(registry.auditPath()).back());
        QVERIFY2(run.text().contains(QString::fromStdString("head: " + head)),
                 qPrintable(run.text()));

        editLine(registry.auditPath(), 1, "why", "rewritten");
        run = runCommand(fraudctlBinary(), args, env, dir_.path(), std::chrono::seconds(30));
        QVERIFY2(run.exitCode == 3, qPrintable(run.text()));
        QVERIFY2(run.text().contains("TAMPERED edited at line 2"), qPrintable(run.text()));
        // The plain listing warns too.
        run = runCommand(fraudctlBinary(), {"audit", "--endpoint", scorer->grpcAddress()}, env,
                         dir_.path(), std::chrono::seconds(30));
        QVERIFY2(run.exitCode == 0 && run.text().contains("was tampered with"),
                 qPrintable(run.text()));
    }
};

QTEST_GUILESS_MAIN(AuditChainTest)
#include "tst_audit_chain.moc"
