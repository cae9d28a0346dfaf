// The control plane with three real scorer processes sharing one registry directory: changes
// made through any replica reach all of them, the canary split is sticky and the same on
// every replica, racing changes cannot both win, broken versions never serve, swaps under
// load fail no request, and only the right tokens change anything.
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <filesystem>
#include <map>
#include <thread>

#include "HttpGet.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/FileIo.h"
#include "common/Sha256.h"
#include "registry/ModelRegistry.h"

using namespace fraudops::test;
using fraud::v1::Control;
using grpc::StatusCode;

namespace {

const std::string kAdmin = "admin-secret-7f3a";
const std::string kViewer = "viewer-secret-91c2";
constexpr int kReplicas = 3;
constexpr int kConvergeMs = 30'000;  // generous: loads run beside load-generator traffic

}  // namespace

class ControlPlaneTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString registry_;
    std::vector<std::unique_ptr<ScorerProcess>> scorers_;
    std::vector<std::unique_ptr<Control::Stub>> control_;
    std::vector<std::unique_ptr<fraud::v1::Scoring::Stub>> scoring_;

    fraud::v1::ReplicaStatus status(int replica) {
        fraud::v1::ReplicaStatus s;
        auto context = callContext(kViewer);
        const auto st =
            control_[static_cast<std::size_t>(replica)]->GetStatus(context.get(), {}, &s);
        return st.ok() ? s : fraud::v1::ReplicaStatus{};
    }
    std::uint64_t registryGeneration() const {
        return fraud::ModelRegistry(registry_.toStdString()).readRollout()->generation;
    }
    // Every replica serves `generation` with these versions, converged.
    bool allServe(std::uint64_t generation, const std::string& stable, const std::string& canary) {
        for (int r = 0; r < kReplicas; ++r) {
            const auto s = status(r);
            if (s.generation_served() != generation || !s.converged() ||
                s.stable_version() != stable || s.canary_version() != canary)
                return false;
        }
        return true;
    }
    grpc::Status setCanary(int replica, const std::string& version, std::uint32_t weight,
                           fraud::v1::RolloutMode mode, std::uint64_t expected,
                           fraud::v1::RolloutState* out, const std::string& token = kAdmin,
                           const std::string& reason = "canary check") {
        fraud::v1::SetCanaryRequest request;
        request.set_version(version);
        request.set_weight_bp(weight);
        request.set_mode(mode);
        request.set_reason(reason);
        request.set_expected_generation(expected);
        auto context = callContext(token);
        return control_[static_cast<std::size_t>(replica)]->SetCanary(context.get(), request, out);
    }
    using ChangeCall = grpc::Status (Control::Stub::*)(grpc::ClientContext*,
                                                       const fraud::v1::ChangeRequest&,
                                                       fraud::v1::RolloutState*);
    grpc::Status change(int replica, ChangeCall call, std::uint64_t expected,
                        fraud::v1::RolloutState* out, const std::string& token = kAdmin) {
        fraud::v1::ChangeRequest request;
        request.set_reason("release step");
        request.set_expected_generation(expected);
        auto context = callContext(token);
        return (control_[static_cast<std::size_t>(replica)].get()->*call)(context.get(), request,
                                                                          out);
    }
    // Scores each card once on `replica` through ScoreStream; the variant each card got.
    std::map<std::string, fraud::v1::Variant> variants(int replica,
                                                       const std::vector<std::string>& cards,
                                                       const std::string& round) {
        std::map<std::string, fraud::v1::Variant> out;
        auto context = callContext({}, 120);
        auto stream = scoring_[static_cast<std::size_t>(replica)]->ScoreStream(context.get());
        for (std::size_t first = 0; first < cards.size(); first += 1000) {
            fraud::v1::ScoreBatch batch;
            for (std::size_t i = first; i < std::min(cards.size(), first + 1000); ++i) {
                *batch.add_transactions() =
                    validTransaction("t-" + round + "-" + std::to_string(i), cards[i]);
            }
            if (!stream->Write(batch))
                break;
            fraud::v1::ScoreBatchResult reply;
            if (!stream->Read(&reply))
                break;
            for (int i = 0; i < reply.results_size(); ++i)
                out[cards[first + static_cast<std::size_t>(i)]] = reply.results(i).variant();
        }
        stream->WritesDone();
        stream->Finish();
        return out;
    }
    QStringList allTargets() const {
        QStringList t;
        for (const auto& s : scorers_)
            t << s->grpcAddress();
        return t;
    }
    // A registry version made from v1 by `spoil`, which edits its model and manifest.
    void addBrokenVersion(const std::string& name,
                          const std::function<void(std::string&, nlohmann::json&)>& spoil) {
        fraud::ModelRegistry registry(registry_.toStdString());
        const auto from = registry.versionDir("v1");
        auto model = fraud::readFile(from / "model.json");
        auto manifest = nlohmann::json::parse(fraud::readFile(from / "manifest.json"));
        manifest["version"] = name;
        spoil(model, manifest);
        const auto to = registry.root() / "models" / name;
        std::filesystem::create_directories(to);
        fraud::writeFileAtomically(to / "model.json", model);
        fraud::writeFileAtomically(to / "manifest.json", manifest.dump(2));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        registry_ = dir_.filePath("registry");
        copyRegistry(transactionRegistry(), registry_);
        const QString tokens = dir_.filePath("tokens.json");
        writeTokensFile(tokens,
                        {{kAdmin, "release-alice", "admin"}, {kViewer, "sre-bob", "viewer"}});
        for (int r = 0; r < kReplicas; ++r) {
            QString error;
            auto s = ScorerProcess::start(registry_,
                                          {"--tokens-file", tokens, "--registry-poll-ms", "100",
                                           "--drain-seconds", "0", "--max-event-age", "864000",
                                           "--replica-name", QStringLiteral("replica-%1").arg(r)},
                                          &error);
            QVERIFY2(s, qPrintable(error));
            control_.push_back(Control::NewStub(channelTo(s->grpcAddress())));
            scoring_.push_back(fraud::v1::Scoring::NewStub(channelTo(s->grpcAddress())));
            scorers_.push_back(std::move(s));
        }
        QVERIFY(allServe(registryGeneration(), "v1", ""));
    }

    void accessIsEnforced() {
        const auto before = registryGeneration();
        const auto auditBefore = fraud::ModelRegistry(registry_.toStdString()).readAudit().size();
        fraud::v1::RolloutState out;
        QCOMPARE(int(setCanary(0, "v2", 100, fraud::v1::ROLLOUT_MODE_SPLIT, before, &out, "")
                         .error_code()),
                 int(StatusCode::UNAUTHENTICATED));
        QCOMPARE(
            int(setCanary(0, "v2", 100, fraud::v1::ROLLOUT_MODE_SPLIT, before, &out, "not-a-token")
                    .error_code()),
            int(StatusCode::UNAUTHENTICATED));
        const auto viewer =
            setCanary(0, "v2", 100, fraud::v1::ROLLOUT_MODE_SPLIT, before, &out, kViewer);
        QCOMPARE(int(viewer.error_code()), int(StatusCode::PERMISSION_DENIED));
        QVERIFY2(viewer.error_message().find("sre-bob") != std::string::npos,
                 viewer.error_message().c_str());
        QCOMPARE(int(change(1, &Control::Stub::Promote, before, &out, kViewer).error_code()),
                 int(StatusCode::PERMISSION_DENIED));
        // A change needs a reason.
        const auto noReason =
            setCanary(0, "v2", 100, fraud::v1::ROLLOUT_MODE_SPLIT, before, &out, kAdmin, " ");
        QCOMPARE(int(noReason.error_code()), int(StatusCode::INVALID_ARGUMENT));
        QVERIFY(noReason.error_message().starts_with("reason"));
        // Unknown versions and weights over 100 % are refused too.
        QCOMPARE(
            int(setCanary(0, "v99", 100, fraud::v1::ROLLOUT_MODE_SPLIT, before, &out).error_code()),
            int(StatusCode::NOT_FOUND));
        QCOMPARE(int(setCanary(0, "v2", 10'001, fraud::v1::ROLLOUT_MODE_SPLIT, before, &out)
                         .error_code()),
                 int(StatusCode::INVALID_ARGUMENT));
        // The registry is unchanged either way.
        QCOMPARE(registryGeneration(), before);
        QCOMPARE(fraud::ModelRegistry(registry_.toStdString()).readAudit().size(), auditBefore);
        // A viewer reads.
        fraud::v1::ListModelsResponse models;
        auto context = callContext(kViewer);
        QVERIFY(control_[0]->ListModels(context.get(), {}, &models).ok());
        QCOMPARE(models.models_size(), 2);
        QCOMPARE(models.models(0).role(), fraud::v1::MODEL_ROLE_STABLE);
        QCOMPARE(models.models(1).role(), fraud::v1::MODEL_ROLE_ARCHIVED);
        QVERIFY(models.models(0).metrics().count("holdout.roc_auc") == 1);
        // The dependency map: which raw fields each input is made of, and which cycle.
        const auto& features = models.models(0).features();
        QCOMPARE(features.size(), 12);
        const auto feature = [&](const std::string& name) {
            return *std::find_if(features.begin(), features.end(),
                                 [&](const auto& f) { return f.name() == name; });
        };
        const auto ratio = feature("amount_to_card_mean");
        QVERIFY(std::find(ratio.depends_on().begin(), ratio.depends_on().end(), "amount") !=
                ratio.depends_on().end());
        QVERIFY(std::find(ratio.depends_on().begin(), ratio.depends_on().end(), "card_id") !=
                ratio.depends_on().end());
        QVERIFY(!ratio.description().empty());
        QVERIFY(feature("hour_of_day").cyclic());
        QVERIFY(!feature("amount").cyclic());
        QCOMPARE(feature("country_mismatch").depends_on_size(), 2);
    }

    void scoringCanRequireAToken() {
        QString error;
        auto scorer = ScorerProcess::start(registry_,
                                           {"--tokens-file", dir_.filePath("tokens.json"),
                                            "--require-token-for-scoring", "--drain-seconds", "0"},
                                           &error);
        QVERIFY2(scorer, qPrintable(error));
        auto stub = fraud::v1::Scoring::NewStub(channelTo(scorer->grpcAddress()));
        fraud::v1::ScoreRequest request;
        *request.mutable_transaction() = validTransaction("t-token", "card-token");
        fraud::v1::ScoreResult result;
        auto none = callContext();
        QCOMPARE(int(stub->Score(none.get(), request, &result).error_code()),
                 int(StatusCode::UNAUTHENTICATED));
        auto wrong = callContext("not-a-token");
        QCOMPARE(int(stub->Score(wrong.get(), request, &result).error_code()),
                 int(StatusCode::UNAUTHENTICATED));
        auto viewer = callContext(kViewer);
        const auto ok = stub->Score(viewer.get(), request, &result);
        QVERIFY2(ok.ok(), ok.error_message().c_str());
        auto stream = callContext();
        auto refused = stub->ScoreStream(stream.get());
        QCOMPARE(int(refused->Finish().error_code()), int(StatusCode::UNAUTHENTICATED));
    }

    void incompatibleSchemaIsRefused() {
        // The ULB model reads V1..V28, which transaction traffic does not carry.
        const auto from = std::filesystem::path(vectorRegistry().toStdString()) / "models" / "v1";
        const auto to = std::filesystem::path(registry_.toStdString()) / "models" / "v5";
        std::filesystem::create_directories(to);
        std::filesystem::copy_file(from / "model.json", to / "model.json");
        auto manifest = nlohmann::json::parse(fraud::readFile(from / "manifest.json"));
        manifest["version"] = "v5";
        fraud::writeFileAtomically(to / "manifest.json", manifest.dump(2));
        const auto g = registryGeneration();
        fraud::v1::RolloutState out;
        const auto refused = setCanary(0, "v5", 1000, fraud::v1::ROLLOUT_MODE_SPLIT, g, &out);
        QCOMPARE(int(refused.error_code()), int(StatusCode::FAILED_PRECONDITION));
        QVERIFY2(refused.error_message().find("cannot compute: V1, V2, V3") != std::string::npos,
                 refused.error_message().c_str());
        QCOMPARE(registryGeneration(), g);
        std::filesystem::remove_all(to);
    }

    void changesReachEveryReplica() {
        const auto g = registryGeneration();
        fraud::v1::RolloutState out;
        const auto started = std::chrono::steady_clock::now();
        QVERIFY(setCanary(0, "v2", 1000, fraud::v1::ROLLOUT_MODE_SPLIT, g, &out).ok());
        QCOMPARE(out.generation(), g + 1);
        QCOMPARE(out.who(), std::string("release-alice"));
        // The replica that made the change serves it before it answers (it staged and
        // checked the change, then served what it committed); the others follow rollout.json.
        QCOMPARE(status(0).generation_served(), g + 1);
        QCOMPARE(status(0).canary_version(), std::string("v2"));
        QTRY_VERIFY_WITH_TIMEOUT(allServe(g + 1, "v1", "v2"), kConvergeMs);
        qInfo("SetCanary reached all three replicas in %.0f ms",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                  .count());
        QVERIFY(change(1, &Control::Stub::Promote, g + 1, &out).ok());
        QCOMPARE(status(1).generation_served(), g + 2);
        QCOMPARE(status(1).stable_version(), std::string("v2"));
        QTRY_VERIFY_WITH_TIMEOUT(allServe(g + 2, "v2", ""), kConvergeMs);
        QVERIFY(change(2, &Control::Stub::Rollback, g + 2, &out).ok());
        QCOMPARE(out.stable_version(), std::string("v1"));
        QCOMPARE(status(2).generation_served(), g + 3);
        QTRY_VERIFY_WITH_TIMEOUT(allServe(g + 3, "v1", ""), kConvergeMs);
        QVERIFY(setCanary(2, "v2", 500, fraud::v1::ROLLOUT_MODE_SHADOW, g + 3, &out).ok());
        QTRY_VERIFY_WITH_TIMEOUT(allServe(g + 4, "v1", "v2"), kConvergeMs);
        QVERIFY(change(0, &Control::Stub::AbortCanary, g + 4, &out).ok());
        QTRY_VERIFY_WITH_TIMEOUT(allServe(g + 5, "v1", ""), kConvergeMs);

        // The audit log, newest first: who is the token's identity, before and after states.
        fraud::v1::AuditLog audit;
        fraud::v1::GetAuditLogRequest request;
        request.set_limit(5);
        auto context = callContext(kViewer);
        QVERIFY(control_[1]->GetAuditLog(context.get(), request, &audit).ok());
        QCOMPARE(audit.entries_size(), 5);
        const char* actions[] = {"abort_canary", "set_canary", "rollback", "promote", "set_canary"};
        for (int i = 0; i < 5; ++i) {
            const auto& e = audit.entries(i);
            QCOMPARE(e.action(), std::string(actions[i]));
            QCOMPARE(e.who(), std::string("release-alice"));
            QCOMPARE(e.after().generation(), g + 5 - static_cast<std::uint64_t>(i));
            QCOMPARE(e.before().generation(), g + 4 - static_cast<std::uint64_t>(i));
        }
        QCOMPARE(audit.entries(2).before().stable_version(), std::string("v2"));
        QCOMPARE(audit.entries(2).after().stable_version(), std::string("v1"));
    }

    void canarySplitIsStickyAndTheSameEverywhere() {
        std::vector<std::string> cards;
        for (int i = 0; i < 20'000; ++i)
            cards.push_back("split-card-" + std::to_string(i));
        const auto g = registryGeneration();
        fraud::v1::RolloutState out;
        QVERIFY(setCanary(0, "v2", 2000, fraud::v1::ROLLOUT_MODE_SPLIT, g, &out).ok());
        QTRY_VERIFY_WITH_TIMEOUT(allServe(g + 1, "v1", "v2"), kConvergeMs);

        std::vector<std::map<std::string, fraud::v1::Variant>> seen;
        for (int r = 0; r < kReplicas; ++r) {
            // std::string("a") + ...: GCC 12 -O3 misreports -Wrestrict for "a" + string&&
            // (GCC PR 105329).
            seen.push_back(variants(r, cards, std::string("a") + std::to_string(r)));
            QCOMPARE(seen.back().size(), cards.size());
            const auto canary = std::count_if(
                seen.back().begin(), seen.back().end(),
                [](const auto& kv) { return kv.second == fraud::v1::VARIANT_CANARY; });
            const double share = double(canary) / double(cards.size());
            qInfo("replica %d: canary share %.4f at 2000 bp", r, share);
            QVERIFY2(std::abs(share - 0.20) <= 0.015, qPrintable(QString::number(share)));
        }
        QCOMPARE(seen[1], seen[0]);  // every replica routes every card alike
        QCOMPARE(seen[2], seen[0]);
        QCOMPARE(variants(0, cards, "again"), seen[0]);  // sticky while the weight holds

        QVERIFY(setCanary(1, "v2", 5000, fraud::v1::ROLLOUT_MODE_SPLIT, g + 1, &out).ok());
        QTRY_VERIFY_WITH_TIMEOUT(allServe(g + 2, "v1", "v2"), kConvergeMs);
        const auto raised = variants(2, cards, "raised");
        std::size_t movedBack = 0, canary = 0;
        for (const auto& [card, variant] : raised) {
            canary += variant == fraud::v1::VARIANT_CANARY;
            movedBack += seen[0].at(card) == fraud::v1::VARIANT_CANARY &&
                         variant == fraud::v1::VARIANT_STABLE;
        }
        QCOMPARE(movedBack, std::size_t{0});
        QVERIFY(std::abs(double(canary) / double(cards.size()) - 0.5) <= 0.015);
        QVERIFY(change(0, &Control::Stub::AbortCanary, g + 2, &out).ok());
        QTRY_VERIFY_WITH_TIMEOUT(allServe(g + 3, "v1", ""), kConvergeMs);
    }

    void racingChangesCannotBothWin() {
        const auto g = registryGeneration();
        grpc::Status results[2];
        fraud::v1::RolloutState outs[2];
        {
            std::jthread a([&] {
                results[0] = setCanary(0, "v2", 300, fraud::v1::ROLLOUT_MODE_SPLIT, g, &outs[0],
                                       kAdmin, "race A");
            });
            std::jthread b([&] {
                results[1] = setCanary(1, "v2", 700, fraud::v1::ROLLOUT_MODE_SPLIT, g, &outs[1],
                                       kAdmin, "race B");
            });
        }
        QCOMPARE(int(results[0].ok()) + int(results[1].ok()), 1);
        const auto& loser = results[0].ok() ? results[1] : results[0];
        QCOMPARE(int(loser.error_code()), int(StatusCode::FAILED_PRECONDITION));
        // The loser learns the current state, in the message and in the details.
        fraud::v1::RolloutState current;
        QVERIFY(current.ParseFromString(loser.error_details()));
        QCOMPARE(current.generation(), g + 1);
        const auto audit = fraud::ModelRegistry(registry_.toStdString()).readAudit();
        const auto entries = std::count_if(audit.begin(), audit.end(), [&](const auto& e) {
            return e.generation == g + 1 && e.after.generation == g + 1;
        });
        QCOMPARE(entries, 1);
        fraud::v1::RolloutState out;
        QVERIFY(change(2, &Control::Stub::AbortCanary, g + 1, &out).ok());
        QTRY_VERIFY_WITH_TIMEOUT(allServe(g + 2, "v1", ""), kConvergeMs);
    }

    void brokenVersionsNeverServe() {
        addBrokenVersion("v3", [](std::string& model, nlohmann::json& manifest) {
            model.resize(model.size() / 2);  // corrupt JSON, with a checksum that matches it
            manifest["model_sha256"] = fraud::sha256Hex(model);
        });
        addBrokenVersion("v4", [](std::string&, nlohmann::json& manifest) {
            manifest["model_sha256"] = std::string(64, '0');  // a checksum that does not match
        });
        LoadgenRun load({"--target", allTargets().join(','), "--warmup", "0", "--duration", "600",
                         "--concurrency", "4", "--cards", "5000"});
        const auto g = registryGeneration();
        fraud::v1::RolloutState out;
        // Through the API: refused before it is named.
        const auto refused = setCanary(0, "v3", 1000, fraud::v1::ROLLOUT_MODE_SPLIT, g, &out);
        QCOMPARE(int(refused.error_code()), int(StatusCode::FAILED_PRECONDITION));
        QCOMPARE(registryGeneration(), g);
        // Named by another writer of the registry: every replica refuses to serve it.
        fraud::ModelRegistry registry(registry_.toStdString());
        std::uint64_t expected = g;
        for (const std::string version : {"v3", "v4"}) {
            registry.commit(expected, "set_canary", "test-writer", "broken on purpose",
                            [&](fraud::RolloutState& s) {
                                s.canary = version;
                                s.canaryWeightBp = 5000;
                            });
            ++expected;
            for (int r = 0; r < kReplicas; ++r) {
                QTRY_VERIFY_WITH_TIMEOUT(status(r).generation_seen() == expected, kConvergeMs);
                QTRY_VERIFY_WITH_TIMEOUT(
                    [&] {
                        const auto s = status(r);
                        if (s.converged() || s.load_failures_size() == 0)
                            return false;
                        const auto& last = s.load_failures(s.load_failures_size() - 1);
                        return last.version() == version && last.generation() == expected;
                    }(),
                    kConvergeMs);
                const auto s = status(r);
                QCOMPARE(s.stable_version(), std::string("v1"));
                QCOMPARE(s.canary_version(), std::string(""));
                QCOMPARE(s.generation_served(), g);
                qInfo("replica %d, %s: %s", r, version.c_str(),
                      s.load_failures(s.load_failures_size() - 1).reason().c_str());
                const auto metrics = httpGet(QStringLiteral("http://127.0.0.1:%1/metrics")
                                                 .arg(scorers_[std::size_t(r)]->metricsPort()));
                QVERIFY(metrics.body.contains(
                    QByteArray("fraud_scorer_model_load_failures_total{model_version=\"") +
                    version.c_str() + "\"}"));
                QVERIFY(metrics.body.contains("fraud_scorer_converged 0"));
            }
        }
        const auto v3 = status(0).load_failures(status(0).load_failures_size() - 2).reason();
        const auto v4 = status(0).load_failures(status(0).load_failures_size() - 1).reason();
        QVERIFY2(v4.find("checksum") != std::string::npos, v4.c_str());
        QVERIFY2(v3.find("checksum") == std::string::npos, v3.c_str());
        QVERIFY(change(0, &Control::Stub::AbortCanary, expected, &out).ok());
        QTRY_VERIFY_WITH_TIMEOUT(allServe(expected + 1, "v1", ""), kConvergeMs);
        load.stop();
        QString error;
        const auto report = load.finish(&error);
        QVERIFY2(!report.isEmpty(), qPrintable(error));
        const auto codes = LoadgenRun::codes(report);
        QVERIFY(codes.at("OK") > 100);
        QCOMPARE(codes.size(), std::size_t{1});  // nothing but OK
    }

    void twentySwapsUnderLoadFailNothing() {
        LoadgenRun load({"--target", allTargets().join(','), "--warmup", "0", "--duration", "600",
                         "--concurrency", "4", "--cards", "5000"});
        std::uint64_t g = registryGeneration();
        std::string stable = "v1";
        double slowest = 0;
        for (int swap = 0; swap < 20; ++swap) {
            const std::string next = stable == "v1" ? "v2" : "v1";
            fraud::v1::RolloutState out;
            QVERIFY(setCanary(swap % kReplicas, next, 5000, fraud::v1::ROLLOUT_MODE_SPLIT, g, &out)
                        .ok());
            QVERIFY(change((swap + 1) % kReplicas, &Control::Stub::Promote, g + 1, &out).ok());
            g += 2;
            stable = next;
            const auto started = std::chrono::steady_clock::now();
            QTRY_VERIFY_WITH_TIMEOUT(allServe(g, stable, ""), kConvergeMs);
            slowest = std::max(slowest, std::chrono::duration<double, std::milli>(
                                            std::chrono::steady_clock::now() - started)
                                            .count());
        }
        qInfo("20 swaps; the slowest converged on all replicas %.0f ms after its Promote", slowest);
        load.stop();
        QString error;
        const auto report = load.finish(&error);
        QVERIFY2(!report.isEmpty(), qPrintable(error));
        const auto codes = LoadgenRun::codes(report);
        QVERIFY(codes.at("OK") > 100);
        QCOMPARE(codes.size(), std::size_t{1});
    }
};

QTEST_GUILESS_MAIN(ControlPlaneTest)
#include "tst_control_plane.moc"
