// What lets the scorer side start in any order beside its neighbours, as compose and Kubernetes
// start it: `fraud-scorer probe` (the image's health check) through a replica's life, a replica
// that waits for the job seeding its registry, a seeding job that runs again without adding a
// version, and a load generator that waits for its targets.
#include <signal.h>

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include "ChildProcess.h"
#include "RunCommand.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"

using namespace fraudops::test;
using namespace std::chrono_literals;

namespace {

Finished tool(const QString& program, const QStringList& args) {
    return runCommand(program, args, QProcessEnvironment::systemEnvironment(), {}, 60s);
}
Finished probe(const QString& address) {
    return tool(scorerBinary(), {"probe", "--listen", address, "--probe-timeout-ms", "1000"});
}
bool copyTree(const QString& from, const QString& to) {
    return tool("cp", {"-a", from, to}).exitCode == 0;
}

}  // namespace

class ScorerStartupTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void theProbeFollowsAReplicasLife() {
        const QString closed = QStringLiteral("127.0.0.1:%1").arg(freeLoopbackPort());
        const auto nobody = probe(closed);
        QCOMPARE(nobody.exitCode, 1);
        QVERIFY2(nobody.out.startsWith("unreachable: "), nobody.out.constData());

        QString error;
        auto scorer =
            ScorerProcess::start(transactionRegistry(), {"--drain-seconds", "30"}, &error);
        QVERIFY2(scorer, qPrintable(error));
        const auto serving = probe(scorer->grpcAddress());
        QCOMPARE(serving.exitCode, 0);
        QCOMPARE(serving.out.trimmed(), QByteArray("SERVING"));
        // A wildcard listen address is probed on this host, as in the image (0.0.0.0:50051).
        const auto wildcard = probe(QStringLiteral("0.0.0.0:%1").arg(scorer->grpcPort()));
        QCOMPARE(wildcard.exitCode, 0);

        // Draining: NOT_SERVING while it still answers calls, exit 1 for the health check.
        scorer->child().signal(SIGTERM);
        QTRY_VERIFY_WITH_TIMEOUT(probe(scorer->grpcAddress()).out.trimmed() == "NOT_SERVING",
                                 10'000);
        QCOMPARE(probe(scorer->grpcAddress()).exitCode, 1);
        scorer->child().signal(SIGTERM);  // a second signal ends the drain
        QVERIFY(scorer->child().waitForExit(30s));
        QCOMPARE(scorer->child().process().exitCode(), 0);
    }

    void aReplicaWaitsForItsRegistryToBeSeeded() {
        const QString registry = dir_.filePath("seeded-later");
        QVERIFY(QDir().mkpath(registry));
        ChildProcess scorer;
        scorer.start(scorerBinary(),
                     {"--registry", registry, "--listen", "127.0.0.1:0", "--metrics-listen",
                      "127.0.0.1:0", "--wait-for-registry", "120", "--drain-seconds", "0"});
        // It says it waits, and does not give up or serve while the registry is empty.
        QByteArray said;
        QTRY_VERIFY_WITH_TIMEOUT(
            (said += scorer.standardError()).contains("waiting up to 120 s for"), 10'000);
        QCOMPARE(scorer.process().state(), QProcess::Running);
        // The seeding job's result arrives (a copy of a trained registry, rollout.json last).
        QVERIFY(QDir(registry).removeRecursively());
        QVERIFY(copyTree(transactionRegistry(), registry));
        const QByteArray ready = scorer.waitForLine(
            [](const QByteArray& l) { return l.contains("\"event\":\"ready\""); }, 60s);
        QVERIFY2(!ready.isEmpty(), (said + scorer.standardError()).constData());
        QVERIFY(ready.contains("\"model_version\":\"v1\""));
    }

    void aReplicaGivesUpOnAnUnseededRegistry() {
        const QString registry = dir_.filePath("never-seeded");
        QVERIFY(QDir().mkpath(registry));
        const auto f =
            tool(scorerBinary(), {"--registry", registry, "--listen", "127.0.0.1:0",
                                  "--metrics-listen", "127.0.0.1:0", "--wait-for-registry", "1"});
        QCOMPARE(f.exitCode, 1);
        QVERIFY2(f.err.contains("rollout.json after 1 s"), f.err.constData());
    }

    void aSeedingJobRunAgainAddsNothing() {
        const QString registry = dir_.filePath("seeded");
        QVERIFY(copyTree(transactionRegistry(), registry));
        const QStringList versionsBefore =
            QDir(registry + "/models").entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        const auto f =
            tool(trainerBinary(), {"synthetic", "--registry", registry, "--unless-seeded",
                                   "--transactions", "2000", "--rounds", "5"});
        QCOMPARE(f.exitCode, 0);
        QVERIFY2(f.err.contains("already serves v1 as stable: nothing to do"), f.err.constData());
        QCOMPARE(QDir(registry + "/models").entryList(QDir::Dirs | QDir::NoDotAndDotDot),
                 versionsBefore);

        // Into an empty registry it trains, and the version becomes stable.
        const QString empty = dir_.filePath("empty");
        const auto trained =
            tool(trainerBinary(), {"synthetic", "--registry", empty, "--unless-seeded",
                                   "--transactions", "2000", "--rounds", "5"});
        QVERIFY2(trained.exitCode == 0, trained.err.constData());
        QVERIFY(trained.err.contains("v1 is stable"));
    }

    void theLoadGeneratorWaitsForItsTargets() {
        const QString closed = QStringLiteral("127.0.0.1:%1").arg(freeLoopbackPort());
        const auto gaveUp = tool(loadgenBinary(), {"--target", closed, "--wait-for-targets", "1",
                                                   "--duration", "1", "--quiet"});
        QCOMPARE(gaveUp.exitCode, 3);
        QVERIFY2(gaveUp.err.contains(closed.toUtf8() + " not serving after 1 s"),
                 gaveUp.err.constData());

        QString error;
        auto scorer = ScorerProcess::start(transactionRegistry(), {"--drain-seconds", "0"}, &error);
        QVERIFY2(scorer, qPrintable(error));
        const auto ran =
            tool(loadgenBinary(),
                 {"--target", scorer->grpcAddress(), "--wait-for-targets", "30", "--duration", "1",
                  "--warmup", "0", "--cards", "100", "--json", "--quiet"});
        QVERIFY2(ran.exitCode == 0, ran.err.constData());
        QVERIFY(ran.out.contains("\"completed\""));
    }
};

QTEST_GUILESS_MAIN(ScorerStartupTest)
#include "tst_scorer_startup.moc"
