// The registry: versions appear whole and never change; rollout changes name the
// generation they expect and leave an audit line; a model that fails a check never loads.
#include <QtTest>
#include <filesystem>
#include <fstream>

#include "TestEnvironment.h"
#include "common/FileIo.h"
#include "common/Sha256.h"
#include "model/LoadedModel.h"
#include "registry/ModelRegistry.h"

namespace fs = std::filesystem;

class ModelRegistryTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    fs::path root_;

    // A copy of the fixture's v1 under another name, with `edit` applied to its model text.
    void addCopy(const std::string& version, const std::function<void(std::string&)>& edit,
                 bool fixChecksum) {
        fraud::ModelRegistry source(fraudops::test::transactionRegistry().toStdString());
        auto manifest = source.readManifest("v1");
        std::string model = fraud::readFile(source.versionDir("v1") / manifest.modelFile);
        edit(model);
        manifest.version = version;
        if (fixChecksum)
            manifest.modelSha256 = fraud::sha256Hex(model);
        fraud::ModelRegistry(root_).addVersion(manifest, model);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        root_ = dir_.path().toStdString();
        addCopy(
            "v1", [](std::string&) {}, true);
    }

    void versionsAppearWholeAndOnce() {
        fraud::ModelRegistry registry(root_);
        QVERIFY(registry.hasVersion("v1"));
        QCOMPARE(registry.nextVersion(), std::string("v2"));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, addCopy(
                                                         "v1", [](std::string&) {}, true));
        // No staging directory is left behind.
        for (const auto& e : fs::directory_iterator(root_ / "models")) {
            QVERIFY2(!e.path().filename().string().starts_with("."), e.path().c_str());
        }
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, registry.versionDir("../etc"));
    }

    // Found by the registry files' fuzzer: a float where an integer belongs was cast with
    // undefined behaviour, and a negative one wrapped. Each is refused, naming the field.
    void integerFieldsAreReadStrictly() {
        const auto refusal = [](const char* text) -> std::string {
            try {
                (void)fraud::RolloutState::fromJson(nlohmann::json::parse(text));
            } catch (const std::runtime_error& e) {
                return e.what();
            }
            return "read";
        };
        QCOMPARE(refusal("{\"generation\": 3, \"stable\": \"v1\"}"), std::string("read"));
        for (const char* text : {"{\"generation\": 8.9e116, \"stable\": \"v1\"}",
                                 "{\"generation\": 2.0, \"stable\": \"v1\"}",
                                 "{\"generation\": -1, \"stable\": \"v1\"}"}) {
            const auto message = refusal(text);
            QVERIFY2(message.find("generation") != std::string::npos, message.c_str());
        }
        QVERIFY(refusal("{\"generation\": 1, \"stable\": \"v1\", \"canary_weight_bp\": 5000000000}")
                    .find("canary_weight_bp: 5000000000 is out of range") != std::string::npos);
    }

    void versionsSortNaturally() {
        addCopy(
            "v10", [](std::string&) {}, true);
        addCopy(
            "v9", [](std::string&) {}, true);
        const auto versions = fraud::ModelRegistry(root_).versions();
        QCOMPARE(versions, (std::vector<std::string>{"v1", "v9", "v10"}));
        QCOMPARE(fraud::ModelRegistry(root_).nextVersion(), std::string("v11"));
    }

    void commitNamesTheGenerationItExpects() {
        fraud::ModelRegistry registry(root_);
        QVERIFY(!registry.readRollout());
        const auto first =
            registry.commit(0, "set-stable", "alice", "first", [](auto& s) { s.stable = "v1"; });
        QCOMPARE(first.generation, std::uint64_t{1});
        QCOMPARE(first.who, std::string("alice"));
        // A writer that still believes the registry is at generation 0 is refused, with the
        // current state, and nothing changes.
        try {
            registry.commit(0, "set-stable", "bob", "stale", [](auto& s) { s.stable = "v9"; });
            QFAIL("a stale generation was accepted");
        } catch (const fraud::StaleGenerationError& e) {
            QCOMPARE(e.current().generation, std::uint64_t{1});
            QCOMPARE(e.current().stable, std::string("v1"));
        }
        QCOMPARE(registry.readRollout()->stable, std::string("v1"));
        // A version that does not exist cannot be made stable.
        QVERIFY_THROWS_EXCEPTION(
            std::runtime_error,
            registry.commit(1, "set-stable", "bob", "typo", [](auto& s) { s.stable = "v404"; }));
        const auto second =
            registry.commit(1, "set-stable", "bob", "newer", [](auto& s) { s.stable = "v9"; });
        QCOMPARE(second.generation, std::uint64_t{2});

        std::ifstream audit(registry.auditPath());
        std::vector<nlohmann::json> lines;
        for (std::string line; std::getline(audit, line);)
            lines.push_back(nlohmann::json::parse(line));
        QCOMPARE(lines.size(), std::size_t{2});
        QCOMPARE(lines[1]["who"].get<std::string>(), std::string("bob"));
        QCOMPARE(lines[1]["before"]["stable"].get<std::string>(), std::string("v1"));
        QCOMPARE(lines[1]["after"]["stable"].get<std::string>(), std::string("v9"));
        QCOMPARE(lines[1]["after"]["generation"].get<int>(), 2);
    }

    void goodModelLoads() {
        const auto model = fraud::LoadedModel::load(fraud::ModelRegistry(root_), "v1");
        QCOMPARE(model->version(), std::string("v1"));
        QVERIFY(model->forest().treeCount() > 0);
    }

    void corruptModelIsRefused() {
        // Truncated JSON whose checksum matches: the parse fails.
        addCopy(
            "corrupt", [](std::string& m) { m.resize(m.size() / 2); }, true);
        try {
            fraud::LoadedModel::load(fraud::ModelRegistry(root_), "corrupt");
            QFAIL("a corrupt model loaded");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::string(e.what()).find("not valid JSON") != std::string::npos, e.what());
        }
    }

    void checksumMismatchIsRefused() {
        // One leaf value changed after the manifest was written.
        addCopy(
            "tampered",
            [](std::string& m) {
                const auto at = m.find("\"split_conditions\":[");
                m.replace(at + 20, 0, 1, '1');  // insert(pos, "1") trips GCC 12's -Wrestrict
            },
            false);
        try {
            fraud::LoadedModel::load(fraud::ModelRegistry(root_), "tampered");
            QFAIL("a model with a wrong checksum loaded");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::string(e.what()).find("checksum mismatch") != std::string::npos,
                     e.what());
        }
    }
};

QTEST_GUILESS_MAIN(ModelRegistryTest)
#include "tst_model_registry.moc"
