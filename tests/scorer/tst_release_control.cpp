// The Control API's release calls on two real scorer processes sharing one registry: who a
// token is (WhoAmI), the rollout run record with compare-and-swap on its revision, the runner
// lease with its expiry on the scorer's clock, and audit annotations. What one replica writes
// the other reads, since both read the registry directory.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "registry/ModelRegistry.h"

using namespace fraudops::test;
using fraud::v1::Control;
using grpc::StatusCode;

namespace {

const std::string kAdmin = "admin-secret-55aa";
const std::string kViewer = "viewer-secret-66bb";

}  // namespace

class ReleaseControlTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString registry_;
    std::vector<std::unique_ptr<ScorerProcess>> scorers_;
    std::vector<std::unique_ptr<Control::Stub>> control_;

    Control::Stub& replica(int r) { return *control_[static_cast<std::size_t>(r)]; }

    grpc::Status whoAmI(const std::string& token, fraud::v1::Identity* out, int r = 0) {
        auto context = callContext(token);
        return replica(r).WhoAmI(context.get(), {}, out);
    }
    fraud::v1::RolloutRun run(int r = 0) {
        fraud::v1::RolloutRun out;
        auto context = callContext(kViewer);
        const auto status = replica(r).GetRolloutRun(context.get(), {}, &out);
        if (!status.ok())
            qWarning() << "GetRolloutRun:" << status.error_message().c_str();
        return out;
    }
    grpc::Status update(std::uint64_t expected, const std::string& progress,
                        fraud::v1::RolloutRun* out, const std::string& plan = {},
                        const std::string& lease = {}, const std::string& token = kAdmin,
                        int r = 0) {
        fraud::v1::UpdateRolloutRunRequest request;
        request.set_expected_revision(expected);
        request.set_progress_json(progress);
        request.set_plan_json(plan);
        request.set_reason("step evaluated");
        request.set_lease_id(lease);
        auto context = callContext(token);
        return replica(r).UpdateRolloutRun(context.get(), request, out);
    }
    grpc::Status acquire(const std::string& holder, std::int64_t ttl, fraud::v1::LeaseResponse* out,
                         int r = 0, const std::string& token = kAdmin) {
        fraud::v1::AcquireLeaseRequest request;
        request.set_holder(holder);
        request.set_ttl_ms(ttl);
        auto context = callContext(token);
        return replica(r).AcquireRunnerLease(context.get(), request, out);
    }
    grpc::Status renew(const std::string& id, std::int64_t ttl, fraud::v1::LeaseResponse* out,
                       int r = 0) {
        fraud::v1::RenewLeaseRequest request;
        request.set_lease_id(id);
        request.set_ttl_ms(ttl);
        auto context = callContext(kAdmin);
        return replica(r).RenewRunnerLease(context.get(), request, out);
    }
    std::uint64_t generation() const {
        return fraud::ModelRegistry(registry_.toStdString()).readRollout()->generation;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        registry_ = dir_.filePath("registry");
        copyRegistry(transactionRegistry(), registry_);
        const QString tokens = dir_.filePath("tokens.json");
        writeTokensFile(tokens,
                        {{kAdmin, "release-carol", "admin"}, {kViewer, "analyst-dan", "viewer"}});
        for (int r = 0; r < 2; ++r) {
            QString error;
            auto s = ScorerProcess::start(registry_,
                                          {"--tokens-file", tokens, "--drain-seconds", "0",
                                           "--replica-name", QStringLiteral("replica-%1").arg(r)},
                                          &error);
            QVERIFY2(s, qPrintable(error));
            control_.push_back(Control::NewStub(channelTo(s->grpcAddress())));
            scorers_.push_back(std::move(s));
        }
    }

    void whoAmITellsIdentityAndRole() {
        fraud::v1::Identity me;
        QVERIFY(whoAmI(kAdmin, &me).ok());
        QCOMPARE(me.identity(), "release-carol");
        QCOMPARE(me.role(), "admin");
        QVERIFY(me.can_change());
        QVERIFY(me.tokens_required());
        QVERIFY(me.why_not().empty());

        QVERIFY(whoAmI(kViewer, &me).ok());
        QCOMPARE(me.identity(), "analyst-dan");
        QCOMPARE(me.role(), "viewer");
        QVERIFY(!me.can_change());
        QVERIFY2(me.why_not().find("viewer role") != std::string::npos, me.why_not().c_str());

        const auto none = whoAmI({}, &me);
        QCOMPARE(int(none.error_code()), int(StatusCode::UNAUTHENTICATED));
        const auto wrong = whoAmI("guess", &me);
        QCOMPARE(int(wrong.error_code()), int(StatusCode::UNAUTHENTICATED));
        QCOMPARE(wrong.error_message(), "unknown token");
    }

    void fraudctlTellsWhoATokenIs() {
        const auto run = [&](const std::string& token, QString* out) {
            QProcess p;
            p.start(fraudctlBinary(), {"whoami", "--endpoint", scorers_[0]->grpcAddress(),
                                       "--token", QString::fromStdString(token)});
            p.waitForFinished(30'000);
            *out = QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
            return p.exitCode();
        };
        QString out;
        QCOMPARE(run(kAdmin, &out), 0);
        QCOMPARE(out.trimmed(), "release-carol (admin): may change the rollout");
        QCOMPARE(run(kViewer, &out), 0);
        QCOMPARE(out.trimmed(),
                 "analyst-dan (viewer): analyst-dan has the viewer role: it can look, not change");
        QCOMPARE(run("guess", &out), 1);
        QVERIFY2(out.contains("unknown token"), qPrintable(out));
    }

    void aScorerWithoutTokensIsAnonymousAndReadOnly() {
        QTemporaryDir own;
        const QString path = own.filePath("registry");
        copyRegistry(transactionRegistry(), path);
        QString error;
        auto open = ScorerProcess::start(path, {"--drain-seconds", "0"}, &error);
        QVERIFY2(open, qPrintable(error));
        auto stub = Control::NewStub(channelTo(open->grpcAddress()));
        fraud::v1::Identity me;
        auto context = callContext();
        QVERIFY(stub->WhoAmI(context.get(), {}, &me).ok());
        QCOMPARE(me.identity(), "anonymous");
        QCOMPARE(me.role(), "viewer");
        QVERIFY(!me.can_change());
        QVERIFY(!me.tokens_required());
        QVERIFY2(me.why_not().find("no tokens file") != std::string::npos, me.why_not().c_str());
    }

    void theRunRecordIsComparedAndSwapped() {
        QCOMPARE(run().revision(), std::uint64_t(0));
        QCOMPARE(run().progress_json(), "{}");
        fraud::v1::RolloutRun out;
        const std::string plan = R"({"name":"test plan","steps":[]})";
        QVERIFY(update(0, R"({"step":0})", &out, plan).ok());
        QCOMPARE(out.revision(), std::uint64_t(1));
        QCOMPARE(out.who(), "release-carol");
        // The other replica reads what this one wrote.
        const auto other = run(1);
        QCOMPARE(other.revision(), std::uint64_t(1));
        QCOMPARE(nlohmann::json::parse(other.plan_json()), nlohmann::json::parse(plan));
        QCOMPARE(nlohmann::json::parse(other.progress_json())["step"], 0);
        QCOMPARE(other.rollout().generation(), generation());

        // A writer that read revision 0 loses, and learns who wrote what.
        const auto stale = update(0, R"({"step":5})", &out, {}, {}, kAdmin, 1);
        QCOMPARE(int(stale.error_code()), int(StatusCode::FAILED_PRECONDITION));
        QVERIFY2(stale.error_message().find("revision 0") != std::string::npos &&
                     stale.error_message().find("release-carol") != std::string::npos,
                 stale.error_message().c_str());
        fraud::v1::RolloutRun current;
        QVERIFY(current.ParseFromString(stale.error_details()));
        QCOMPARE(current.revision(), std::uint64_t(1));
        QCOMPARE(current.who(), "release-carol");
        // Only the record's header: plan and progress can outgrow a client's metadata limit.
        QVERIFY(current.progress_json().empty() && current.plan_json().empty());

        // An empty plan keeps the plan; the progress is replaced.
        QVERIFY(update(1, R"({"step":1})", &out).ok());
        QCOMPARE(out.revision(), std::uint64_t(2));
        QCOMPARE(nlohmann::json::parse(out.plan_json()), nlohmann::json::parse(plan));
        QCOMPARE(nlohmann::json::parse(out.progress_json())["step"], 1);

        // Bad input is refused with the field named, and changes nothing.
        auto bad = update(2, "{not json", &out);
        QCOMPARE(int(bad.error_code()), int(StatusCode::INVALID_ARGUMENT));
        QCOMPARE(bad.error_message(), "progress_json: not valid JSON");
        bad = update(2, "[1,2]", &out);
        QCOMPARE(bad.error_message(), "progress_json: not a JSON object");
        bad = update(2, "{}", &out, "3");
        QCOMPARE(bad.error_message(), "plan_json: not a JSON object");
        // A viewer reads it, and cannot change it.
        const auto viewer = update(2, "{}", &out, {}, {}, kViewer);
        QCOMPARE(int(viewer.error_code()), int(StatusCode::PERMISSION_DENIED));
        QCOMPARE(run().revision(), std::uint64_t(2));
    }

    void oneRunnerHoldsTheLease() {
        fraud::v1::LeaseResponse a;
        QVERIFY(acquire("runner-a", 60'000, &a).ok());
        QVERIFY(a.granted());
        QCOMPARE(a.lease().holder(), "runner-a");
        QCOMPARE(a.lease().identity(), "release-carol");
        QCOMPARE(a.lease().lease_id().size(), std::size_t(32));
        QVERIFY(a.lease().remaining_ms() > 55'000 && a.lease().remaining_ms() <= 60'000);

        // Another runner, through the other replica, is told who holds it, and never its id.
        fraud::v1::LeaseResponse b;
        QVERIFY(acquire("runner-b", 60'000, &b, 1).ok());
        QVERIFY(!b.granted());
        QCOMPARE(b.lease().holder(), "runner-a");
        QVERIFY(b.lease().lease_id().empty());
        QVERIFY2(b.reason().find("held by runner-a") != std::string::npos, b.reason().c_str());
        // Consoles see the holder, without the id.
        const auto seen = run(1);
        QCOMPARE(seen.lease().holder(), "runner-a");
        QVERIFY(seen.lease().lease_id().empty());
        QVERIFY(!seen.lease().expired());

        // Renewal needs the id; the holder restarted under its name takes it back at once.
        fraud::v1::LeaseResponse r;
        QVERIFY(renew("0123456789abcdef0123456789abcdef", 60'000, &r).ok());
        QVERIFY(!r.granted());
        QVERIFY(renew(a.lease().lease_id(), 60'000, &r, 1).ok());
        QVERIFY(r.granted());
        QCOMPARE(r.lease().lease_id(), a.lease().lease_id());
        fraud::v1::LeaseResponse again;
        QVERIFY(acquire("runner-a", 60'000, &again, 1).ok());
        QVERIFY(again.granted());
        QVERIFY(again.lease().lease_id() != a.lease().lease_id());

        // Bad requests name the field; a viewer cannot hold the lease.
        const auto ttl = acquire("runner-c", 10, &b);
        QCOMPARE(int(ttl.error_code()), int(StatusCode::INVALID_ARGUMENT));
        QVERIFY(ttl.error_message().starts_with("ttl_ms:"));
        const auto noName = acquire("", 5'000, &b);
        QVERIFY(noName.error_message().starts_with("holder:"));
        const auto viewer = acquire("runner-v", 5'000, &b, 0, kViewer);
        QCOMPARE(int(viewer.error_code()), int(StatusCode::PERMISSION_DENIED));

        // Release hands it over at once.
        fraud::v1::ReleaseLeaseRequest release;
        release.set_lease_id(again.lease().lease_id());
        auto context = callContext(kAdmin);
        QVERIFY(replica(0).ReleaseRunnerLease(context.get(), release, &r).ok());
        QVERIFY(r.granted());
        QVERIFY(acquire("runner-b", 60'000, &b).ok());
        QVERIFY(b.granted());
        release.set_lease_id(b.lease().lease_id());
        auto context2 = callContext(kAdmin);
        QVERIFY(replica(0).ReleaseRunnerLease(context2.get(), release, &r).ok());
    }

    void anExpiredLeaseCannotActAndAnotherRunnerTakesOver() {
        fraud::v1::LeaseResponse a;
        QVERIFY(acquire("runner-a", 1'000, &a).ok());
        QVERIFY(a.granted());
        const std::string aId = a.lease().lease_id();
        // Its holder can act while it holds it ...
        fraud::v1::RolloutRun out;
        const auto revision = run().revision();
        QVERIFY(update(revision, R"({"step":2})", &out, {}, aId).ok());
        // ... and not once it expired, on the scorer's clock.
        QTRY_VERIFY_WITH_TIMEOUT(run().lease().expired(), 10'000);
        fraud::v1::LeaseResponse r;
        QVERIFY(renew(aId, 60'000, &r).ok());
        QVERIFY(!r.granted());
        QVERIFY2(r.reason().find("expired") != std::string::npos, r.reason().c_str());
        const auto late = update(revision + 1, R"({"step":3})", &out, {}, aId);
        QCOMPARE(int(late.error_code()), int(StatusCode::FAILED_PRECONDITION));
        QVERIFY2(late.error_message().starts_with("lease_id:"), late.error_message().c_str());
        // Nor may it change the rollout, even at the right generation.
        fraud::v1::SetCanaryRequest set;
        set.set_version("v2");
        set.set_weight_bp(500);
        set.set_reason("step 1");
        set.set_expected_generation(generation());
        set.set_lease_id(aId);
        fraud::v1::RolloutState state;
        auto context = callContext(kAdmin);
        const auto refused = replica(0).SetCanary(context.get(), set, &state);
        QCOMPARE(int(refused.error_code()), int(StatusCode::FAILED_PRECONDITION));
        QVERIFY2(refused.error_message().find("lease") != std::string::npos,
                 refused.error_message().c_str());

        // Another runner takes the lease and acts, annotating the audit entry.
        fraud::v1::LeaseResponse b;
        QVERIFY(acquire("runner-b", 60'000, &b, 1).ok());
        QVERIFY(b.granted());
        set.set_lease_id(b.lease().lease_id());
        (*set.mutable_annotations())["step"] = "1 of 5: split 5 %";
        (*set.mutable_annotations())["gates"] = R"({"decline_rate":"pass"})";
        auto context2 = callContext(kAdmin);
        const auto done = replica(1).SetCanary(context2.get(), set, &state);
        QVERIFY2(done.ok(), done.error_message().c_str());
        QCOMPARE(state.canary_version(), "v2");
        QVERIFY(update(revision + 1, R"({"step":3})", &out, {}, b.lease().lease_id()).ok());

        fraud::v1::GetAuditLogRequest request;
        request.set_limit(1);
        fraud::v1::AuditLog log;
        auto context3 = callContext(kViewer);
        QVERIFY(replica(0).GetAuditLog(context3.get(), request, &log).ok());
        QCOMPARE(log.entries_size(), 1);
        QCOMPARE(log.entries(0).action(), "set_canary");
        QCOMPARE(log.entries(0).annotations().at("step"), "1 of 5: split 5 %");
        QCOMPARE(log.entries(0).annotations().at("gates"), R"({"decline_rate":"pass"})");
        // The registry keeps them across a re-read.
        const auto audit = fraud::ModelRegistry(registry_.toStdString()).readAudit();
        QCOMPARE(audit.back().annotations.at("step"), "1 of 5: split 5 %");
    }

    void oversizedAnnotationsAreRefused() {
        fraud::v1::ChangeRequest abort;
        abort.set_reason("too much");
        abort.set_expected_generation(generation());
        for (const char* key :
             {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"})
            (*abort.mutable_annotations())[key].push_back('v');
        fraud::v1::RolloutState state;
        auto context = callContext(kAdmin);
        const auto status = replica(0).AbortCanary(context.get(), abort, &state);
        QCOMPARE(int(status.error_code()), int(StatusCode::INVALID_ARGUMENT));
        QCOMPARE(status.error_message(), "annotations: at most 16 keys");
    }
};

QTEST_GUILESS_MAIN(ReleaseControlTest)
#include "tst_release_control.moc"
