// The scorer's security defaults, against real scorer processes: plain-text gRPC beyond
// loopback needs --insecure (and is logged); a tokens file others may write is refused, at
// start and on reload; control changes are rate-limited per identity while lease renewals and
// a runner's progress are not; and no token, nor a token's hash, reaches a log line or an
// error message.
#include <signal.h>
#include <sys/stat.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "HttpGet.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestCertificates.h"
#include "TestEnvironment.h"
#include "common/ConstantTime.h"
#include "common/Sha256.h"
#include "grpc/ChangeRateLimiter.h"
#include "grpc/ListenAddress.h"

using namespace fraudops::test;
using fraud::v1::Control;
using grpc::StatusCode;

namespace {

const std::string kAlice = "alice-admin-token-0c4b9e";
const std::string kBob = "bob-admin-token-77d1f2";
const std::string kViewer = "viewer-token-3a8e51";
const std::string kProgress = nlohmann::json{{"step", 0}}.dump();

// Everything the scorer wrote to standard error so far, kept across reads.
struct StderrLog {
    ScorerProcess* scorer;
    QByteArray text;
    const QByteArray& read() {
        text += scorer->child().standardError();
        return text;
    }
};

}  // namespace

class ScorerSecurityTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString registry_;
    QString tokens_;

    // A scorer that stops at once on SIGTERM (no drain: nothing here is in flight).
    std::unique_ptr<ScorerProcess> startScorer(const QString& registry, QStringList args,
                                               QString* error) {
        args << "--drain-seconds"
             << "0"
             << "--shutdown-grace-seconds"
             << "0";
        return ScorerProcess::start(registry, args, error);
    }

    QString writeTokens(const QString& name, const std::vector<TokenGrant>& grants, int mode) {
        const QString path = dir_.filePath(name);
        writeTokensFile(path, grants);
        ::chmod(path.toLocal8Bit().constData(), static_cast<mode_t>(mode));
        return path;
    }

    grpc::Status setCanary(Control::Stub& control, const std::string& token, bool on,
                           fraud::v1::RolloutState* out) {
        fraud::v1::ReplicaStatus status;
        auto read = callContext(token);
        control.GetStatus(read.get(), {}, &status);
        auto context = callContext(token);
        if (on) {
            fraud::v1::SetCanaryRequest request;
            request.set_version("v2");
            request.set_weight_bp(500);
            request.set_reason("rate limit check");
            request.set_expected_generation(status.generation_seen());
            return control.SetCanary(context.get(), request, out);
        }
        fraud::v1::ChangeRequest request;
        request.set_reason("rate limit check");
        request.set_expected_generation(status.generation_seen());
        return control.AbortCanary(context.get(), request, out);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        registry_ = dir_.filePath("registry");
        copyRegistry(transactionRegistry(), registry_);
        tokens_ = writeTokens("tokens.json",
                              {{kAlice, "release-alice", "admin"},
                               {kBob, "release-bob", "admin"},
                               {kViewer, "sre-carol", "viewer"}},
                              0600);
    }

    void listenAddressesAreClassified() {
        for (const char* local : {"127.0.0.1:50051", "127.3.2.1:1", "localhost:50051",
                                  "[::1]:50051", "ipv4:127.0.0.1:80", "unix:/tmp/scorer.sock"})
            QVERIFY2(fraud::listensOnlyLocally(local), local);
        for (const char* network : {"0.0.0.0:50051", "[::]:50051", ":50051", "10.0.0.7:50051",
                                    "scorer.example.com:443", "[2001:db8::1]:50051", "128.0.0.1:1"})
            QVERIFY2(!fraud::listensOnlyLocally(network), network);
    }

    void plainTextBeyondLoopbackNeedsInsecure() {
        QString error;
        auto refused = startScorer(registry_, {"--listen", "0.0.0.0:0"}, &error);
        QVERIFY(!refused);
        QVERIFY2(error.contains("refusing to listen on 0.0.0.0:0 without TLS") &&
                     error.contains("--insecure"),
                 qPrintable(error));

        auto insecure = startScorer(registry_, {"--listen", "0.0.0.0:0", "--insecure"}, &error);
        QVERIFY2(insecure, qPrintable(error));
        StderrLog log{insecure.get(), {}};
        QTRY_VERIFY_WITH_TIMEOUT(
            log.read().contains("WARNING: listening on 0.0.0.0:0 without TLS (--insecure)"),
            10'000);
        // It serves.
        auto control = Control::NewStub(channelTo(insecure->grpcAddress()));
        fraud::v1::ReplicaStatus status;
        auto context = callContext();
        QVERIFY(control->GetStatus(context.get(), {}, &status).ok());

        // With TLS the same address needs no flag and logs no warning.
        const QString certs = dir_.filePath("certs");
        QVERIFY(QDir().mkpath(certs));
        QVERIFY2(makeTestCertificates(certs, &error), qPrintable(error));
        auto tls = startScorer(registry_,
                               {"--listen", "0.0.0.0:0", "--tls-cert", certs + "/server.crt",
                                "--tls-key", certs + "/server.key"},
                               &error);
        QVERIFY2(tls, qPrintable(error));
        StderrLog tlsLog{tls.get(), {}};
        QVERIFY2(!tlsLog.read().contains("WARNING"), tlsLog.text.constData());
    }

    void tokensFileOthersMayWriteIsRefused() {
        for (const int mode : {0664, 0646, 0666}) {
            const QString path = writeTokens(QStringLiteral("tokens-%1.json").arg(mode, 0, 8),
                                             {{kAlice, "a", "admin"}}, mode);
            QString error;
            auto scorer = startScorer(registry_, {"--tokens-file", path}, &error);
            QVERIFY(!scorer);
            QVERIFY2(error.contains(QStringLiteral("refused, its group or others may write it "
                                                   "(mode 0%1)")
                                        .arg(mode, 0, 8)) &&
                         error.contains("chmod go-w"),
                     qPrintable(error));
        }
        // Read-only for the group and others is fine.
        QString error;
        const QString readable = writeTokens("tokens-0644.json", {{kAlice, "a", "admin"}}, 0644);
        QVERIFY2(startScorer(registry_, {"--tokens-file", readable}, &error), qPrintable(error));
    }

    // A running scorer keeps its tokens when the file becomes writable by others, and says why.
    void aReloadOfAWritableFileKeepsTheOldTokens() {
        const QString path =
            writeTokens("tokens-reload.json", {{kAlice, "release-alice", "admin"}}, 0600);
        QString error;
        auto scorer = startScorer(registry_, {"--tokens-file", path}, &error);
        QVERIFY2(scorer, qPrintable(error));
        auto control = Control::NewStub(channelTo(scorer->grpcAddress()));
        // Bob is added, but the file is left writable by the group.
        writeTokens("tokens-reload.json",
                    {{kAlice, "release-alice", "admin"}, {kBob, "bob", "admin"}}, 0660);
        StderrLog log{scorer.get(), {}};
        QTRY_VERIFY_WITH_TIMEOUT(log.read().contains("tokens file not reloaded") &&
                                     log.text.contains("its group or others may write it"),
                                 20'000);
        fraud::v1::Identity me;
        auto context = callContext(kBob);
        QCOMPARE(int(control->WhoAmI(context.get(), {}, &me).error_code()),
                 int(StatusCode::UNAUTHENTICATED));
        context = callContext(kAlice);
        QVERIFY(control->WhoAmI(context.get(), {}, &me).ok());
        QCOMPARE(me.identity(), std::string("release-alice"));
        // Fixed, it is taken.
        ::chmod(path.toLocal8Bit().constData(), 0600);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                auto c = callContext(kBob);
                return control->WhoAmI(c.get(), {}, &me).ok() && me.identity() == "bob";
            }(),
            20'000);
    }

    void changesAreRateLimitedPerIdentity() {
        QString error;
        auto scorer = startScorer(
            registry_,
            {"--tokens-file", tokens_, "--change-rate-limit", "6", "--change-burst", "3"}, &error);
        QVERIFY2(scorer, qPrintable(error));
        auto control = Control::NewStub(channelTo(scorer->grpcAddress()));
        fraud::v1::RolloutState out;
        // Alice takes the runner lease (one change) and makes two rollout changes.
        fraud::v1::AcquireLeaseRequest acquire;
        acquire.set_holder("alice-runner");
        acquire.set_ttl_ms(30'000);
        fraud::v1::LeaseResponse lease;
        auto context = callContext(kAlice);
        QVERIFY(control->AcquireRunnerLease(context.get(), acquire, &lease).ok());
        QVERIFY(lease.granted());
        QVERIFY(setCanary(*control, kAlice, true, &out).ok());
        QVERIFY(setCanary(*control, kAlice, false, &out).ok());
        // The fourth is refused at once, saying when the next is allowed; nothing changed.
        const auto generation = out.generation();
        const auto limited = setCanary(*control, kAlice, true, &out);
        QCOMPARE(int(limited.error_code()), int(StatusCode::RESOURCE_EXHAUSTED));
        QVERIFY2(limited.error_message().find("release-alice: control changes are limited to 6 a "
                                              "minute, 3 at once") != std::string::npos &&
                     limited.error_message().find("the next is allowed in") != std::string::npos,
                 limited.error_message().c_str());
        fraud::v1::ReplicaStatus status;
        context = callContext(kAlice);
        QVERIFY(control->GetStatus(context.get(), {}, &status).ok());
        QCOMPARE(status.generation_seen(), generation);
        // Bob is not held back by Alice's budget.
        QVERIFY(setCanary(*control, kBob, true, &out).ok());
        // Alice's runner keeps renewing its lease and writing progress under it.
        for (int i = 0; i < 10; ++i) {
            fraud::v1::RenewLeaseRequest renew;
            renew.set_lease_id(lease.lease().lease_id());
            renew.set_ttl_ms(30'000);
            fraud::v1::LeaseResponse renewed;
            context = callContext(kAlice);
            QVERIFY(control->RenewRunnerLease(context.get(), renew, &renewed).ok());
            QVERIFY(renewed.granted());
        }
        fraud::v1::RolloutRun run;
        context = callContext(kAlice);
        QVERIFY(control->GetRolloutRun(context.get(), {}, &run).ok());
        for (int i = 0; i < 5; ++i) {
            fraud::v1::UpdateRolloutRunRequest update;
            update.set_expected_revision(run.revision());
            update.set_progress_json(kProgress);
            update.set_reason("runner progress");
            update.set_lease_id(lease.lease().lease_id());
            context = callContext(kAlice);
            const auto st = control->UpdateRolloutRun(context.get(), update, &run);
            QVERIFY2(st.ok(), st.error_message().c_str());
        }
        // A person's update of the run (no lease) is a change, and is refused.
        fraud::v1::UpdateRolloutRunRequest update;
        update.set_expected_revision(run.revision());
        update.set_progress_json(kProgress);
        update.set_reason("by hand");
        context = callContext(kAlice);
        QCOMPARE(int(control->UpdateRolloutRun(context.get(), update, &run).error_code()),
                 int(StatusCode::RESOURCE_EXHAUSTED));
        // The refusals are counted by method and code.
        const auto metrics =
            httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(scorer->metricsPort()));
        QVERIFY2(metrics.body.contains("fraud_scorer_control_requests_total{code=\"RESOURCE_"
                                       "EXHAUSTED\",method=\"SetCanary\"} 1"),
                 metrics.body.constData());
    }

    void theLimiterRefillsAtItsRate() {
        using namespace std::chrono_literals;
        fraud::ChangeRateLimiter limiter({6, 2});
        const auto t0 = fraud::ChangeRateLimiter::Clock::time_point{} + 1h;
        QVERIFY(!limiter.waitBeforeChange("a", t0));
        limiter.changed("a", t0);
        limiter.changed("a", t0);
        const auto wait = limiter.waitBeforeChange("a", t0);
        QVERIFY(wait);
        QCOMPARE(wait->count(), 10'000);  // one change every 10 s at 6 a minute
        QVERIFY(limiter.waitBeforeChange("a", t0 + 9s));
        QVERIFY(!limiter.waitBeforeChange("a", t0 + 10s));
        QVERIFY(!limiter.waitBeforeChange("b", t0));  // per identity
        // Never more than the burst, however long the pause.
        limiter.changed("a", t0 + 10s);
        limiter.changed("a", t0 + 1000s);
        limiter.changed("a", t0 + 1000s);
        QVERIFY(limiter.waitBeforeChange("a", t0 + 1000s));
        fraud::ChangeRateLimiter unlimited({0, 1});
        for (int i = 0; i < 100; ++i)
            unlimited.changed("a", t0);
        QVERIFY(!unlimited.waitBeforeChange("a", t0));
    }

    void constantTimeEqualsIsEquality() {
        QVERIFY(fraud::constantTimeEquals("", ""));
        QVERIFY(fraud::constantTimeEquals("abc", "abc"));
        QVERIFY(!fraud::constantTimeEquals("abc", "abd"));
        QVERIFY(!fraud::constantTimeEquals("abc", "ab"));
        QVERIFY(!fraud::constantTimeEquals("xbc", "abc"));
    }

    // Tokens and their hashes never appear in what the scorer logs or answers, whatever the
    // caller sends and whatever is wrong with the tokens file.
    void noTokenOrHashInLogsOrErrors() {
        const QString path = writeTokens(
            "tokens-logs.json",
            {{kAlice, "release-alice", "admin"}, {kViewer, "sre-carol", "viewer"}}, 0600);
        QString error;
        auto scorer = startScorer(registry_, {"--tokens-file", path}, &error);
        QVERIFY2(scorer, qPrintable(error));
        auto control = Control::NewStub(channelTo(scorer->grpcAddress()));
        std::vector<std::string> answers;
        fraud::v1::RolloutState out;
        for (const std::string& token : {kViewer, std::string("wrong-token-5e1"), kAlice + "x"}) {
            const auto st = setCanary(*control, token, true, &out);
            QVERIFY(!st.ok());
            answers.push_back(st.error_message());
        }
        // A tokens file that breaks: one entry without a role, one hash twice.
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(QByteArray::fromStdString(nlohmann::json{
            {"tokens", {{{"sha256", fraud::sha256Hex(kAlice)}, {"identity", "release-alice"}}}}}
                                                 .dump()));
        file.close();
        StderrLog log{scorer.get(), {}};
        QTRY_VERIFY_WITH_TIMEOUT(log.read().contains("tokens file not reloaded"), 20'000);
        QVERIFY2(log.text.contains("token 1 (release-alice) needs a sha256"), log.text.constData());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        const auto entry = [](const char* identity, const char* role) {
            return nlohmann::json{
                {"sha256", fraud::sha256Hex(kAlice)}, {"identity", identity}, {"role", role}};
        };
        file.write(QByteArray::fromStdString(
            nlohmann::json{{"tokens", {entry("a", "admin"), entry("b", "viewer")}}}.dump()));
        file.close();
        QTRY_VERIFY_WITH_TIMEOUT(log.read().contains("a and b have the same token"), 20'000);
        scorer->child().signal(SIGTERM);
        QVERIFY(scorer->child().waitForExit(std::chrono::seconds(30)));
        log.read();
        for (const std::string& secret :
             {kAlice, kViewer, fraud::sha256Hex(kAlice), fraud::sha256Hex(kViewer)}) {
            QVERIFY2(!log.text.contains(QByteArray::fromStdString(secret)),
                     ("in the log: " + secret).c_str());
            for (const auto& answer : answers)
                QVERIFY2(answer.find(secret) == std::string::npos, answer.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(ScorerSecurityTest)
#include "tst_scorer_security.moc"
