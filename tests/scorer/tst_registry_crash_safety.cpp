// Registry writes stopped at every step, as a kill -9 would leave them (registry_writer, and
// fraud-train's own import built with the stop hook: tests/support/RegistryStopHook.cpp):
// afterwards a real scorer loads the registry and serves rollout.json's
// generation, rollout.json is whole and its generation is in the committed audit history,
// Rollback's choice (previousStable) is the right version, the audit log's hash chain holds,
// and the next write succeeds, removing and reporting what the interrupted one left.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/FileIo.h"
#include "registry/ModelRegistry.h"

using namespace fraudops::test;

namespace {

QString writerBinary() {
    return QFileInfo(scorerBinary()).dir().filePath("../tests/registry_writer");
}

QString crashableTrainerBinary() {
    return QFileInfo(scorerBinary()).dir().filePath("../tests/fraud-train-crashable");
}

struct Run {
    int exitCode = -1;
    QString err;
};

Run runStoppable(const QString& program, const QStringList& args, const QString& stopAt) {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    if (!stopAt.isEmpty())
        env.insert("FRAUD_REGISTRY_STOP_AT", stopAt);
    p.setProcessEnvironment(env);
    p.start(program, args);
    p.waitForFinished(60'000);
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardError())};
}

Run write(const QString& registry, const QStringList& args, const QString& stopAt = {}) {
    return runStoppable(writerBinary(), QStringList{registry} + args, stopAt);
}

}  // namespace

class RegistryCrashSafetyTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString base_;  // gen 3: stable v2 (promoted from v1), v3 added; Rollback's choice: v1

    // A fresh copy of the base registry for one case.
    QString copyOfBase(const QString& name) {
        const QString path = dir_.filePath(name);
        copyRegistry(base_, path);
        return path;
    }

    // The four checks, with what the registry must say after the crash.
    void checkRegistry(const QString& path, const std::string& stable, const std::string& canary,
                       const std::optional<std::string>& rollbackTo,
                       const QString& nextCanary = "v1") {
        fraud::ModelRegistry registry(path.toStdString());
        // rollout.json is whole, and its generation is in the committed history.
        const auto rollout = registry.readRollout();
        QVERIFY(rollout);
        QCOMPARE(rollout->stable, stable);
        QCOMPARE(rollout->canary, canary);
        const auto audit = registry.readAudit();
        QVERIFY(!audit.empty());
        QCOMPARE(audit.back().generation, rollout->generation);
        QCOMPARE(audit.back().after, *rollout);
        for (std::size_t i = 0; i < audit.size(); ++i)
            QCOMPARE(audit[i].generation, std::uint64_t(i + 1));  // one per generation
        // The hash chain holds: what the crash left is an interrupted write, not tampering.
        const auto verified = registry.verifyAudit();
        QVERIFY2(verified.intact(), verified.summary().c_str());
        // Rollback would pick the right version.
        QCOMPARE(registry.previousStable(), rollbackTo);
        // A replica loads it and serves that generation.
        QString error;
        const auto status = statusOfAScorerOn(path, &error);
        QVERIFY2(status, qPrintable(error));
        QCOMPARE(status->generation_served(), rollout->generation);
        QCOMPARE(status->stable_version(), stable);
        // The next write succeeds, one generation on, and says what it removed.
        const Run next = write(path, {"set-canary", nextCanary, "100"});
        QVERIFY2(next.exitCode == 0, qPrintable(next.err));
        const auto after = registry.readRollout();
        QCOMPARE(after->generation, rollout->generation + 1);
        QCOMPARE(registry.readAudit().size(), audit.size() + 1);
        // ... and the chain goes on from the last committed line, anchored, with nothing left.
        const auto chained = registry.verifyAudit();
        QVERIFY2(chained.intact() && chained.anchored && chained.unchained == 0,
                 chained.summary().c_str());
        QVERIFY2(chained.findings.empty(), chained.summary().c_str());
        lastNextWriteErr_ = next.err;
    }
    QString lastNextWriteErr_;

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QVERIFY(QFileInfo::exists(writerBinary()));
        base_ = dir_.filePath("base");
        copyRegistry(transactionRegistry(), base_);  // gen 1: stable v1; v2 archived
        QCOMPARE(write(base_, {"set-canary", "v2", "500"}).exitCode, 0);
        QCOMPARE(write(base_, {"promote"}).exitCode, 0);
        QCOMPARE(write(base_, {"add-version", "v2", "v3"}).exitCode, 0);
        fraud::ModelRegistry registry(base_.toStdString());
        QCOMPARE(registry.readRollout()->generation, std::uint64_t(3));
        QCOMPARE(registry.previousStable(), std::optional<std::string>("v1"));
    }

    void aVersionCommitStoppedAnywhere_data() {
        QTest::addColumn<QString>("step");
        QTest::addColumn<bool>("added");
        QTest::newRow("staged") << "version:staged" << false;
        QTest::newRow("renamed") << "version:renamed" << true;
    }
    void aVersionCommitStoppedAnywhere() {
        QFETCH(QString, step);
        QFETCH(bool, added);
        const QString path = copyOfBase("version-" + step.section(':', 1));
        QCOMPARE(write(path, {"add-version", "v3", "v4"}, step).exitCode, 86);
        fraud::ModelRegistry registry(path.toStdString());
        QCOMPARE(registry.hasVersion("v4"), added);
        // A half-made version is never listed (its staging directory is hidden).
        const auto versions = registry.versions();
        QCOMPARE(std::count(versions.begin(), versions.end(), std::string("v4")), long(added));
        checkRegistry(path, "v2", "", "v1");
        // And the version can be added again if it was not.
        if (!added)
            QCOMPARE(write(path, {"add-version", "v3", "v4"}).exitCode, 0);
    }

    void aRolloutChangeStoppedAnywhere_data() {
        QTest::addColumn<QString>("step");
        QTest::addColumn<bool>("committed");
        QTest::addColumn<bool>("torn");
        QTest::newRow("audit half-written") << "audit:half-written" << false << true;
        QTest::newRow("audit appended") << "audit:appended" << false << false;
        QTest::newRow("rollout tmp written") << "rollout:tmp-written" << false << false;
        QTest::newRow("rollout renamed") << "rollout:renamed" << true << false;
    }
    void aRolloutChangeStoppedAnywhere() {
        QFETCH(QString, step);
        QFETCH(bool, committed);
        QFETCH(bool, torn);
        const QString path = copyOfBase("canary-" + step.section(':', 1));
        QCOMPARE(write(path, {"set-canary", "v3", "1000"}, step).exitCode, 86);
        checkRegistry(path, "v2", committed ? "v3" : "", "v1");
        // The next writer removed what was left, and said so.
        if (!committed) {
            QVERIFY2(lastNextWriteErr_.contains("interrupted write"),
                     qPrintable(lastNextWriteErr_));
            QVERIFY2(lastNextWriteErr_.contains(torn ? "0 uncommitted" : "1 uncommitted"),
                     qPrintable(lastNextWriteErr_));
        } else {
            QVERIFY2(lastNextWriteErr_.isEmpty(), qPrintable(lastNextWriteErr_));
        }
    }

    void aPromotionStoppedAnywhereKeepsRollbackRight_data() {
        aRolloutChangeStoppedAnywhere_data();
    }
    void aPromotionStoppedAnywhereKeepsRollbackRight() {
        // The case the old order got wrong: rollout.json replaced, no audit line yet, and
        // Rollback looking for the change that made the stable version stable.
        QFETCH(QString, step);
        QFETCH(bool, committed);
        const QString path = copyOfBase("promote-" + step.section(':', 1));
        QCOMPARE(write(path, {"set-canary", "v3", "1000"}).exitCode, 0);
        QCOMPARE(write(path, {"promote"}, step).exitCode, 86);
        if (committed)
            checkRegistry(path, "v3", "", "v2");
        else
            checkRegistry(path, "v2", "v3", "v1");
    }

    void anImportStoppedAnywhere_data() {
        QTest::addColumn<QString>("step");
        QTest::addColumn<bool>("added");
        QTest::addColumn<bool>("committed");
        QTest::newRow("version staged") << "version:staged" << false << false;
        QTest::newRow("version renamed") << "version:renamed" << true << false;
        QTest::newRow("audit half-written") << "audit:half-written" << true << false;
        QTest::newRow("audit appended") << "audit:appended" << true << false;
        QTest::newRow("rollout tmp written") << "rollout:tmp-written" << true << false;
        QTest::newRow("rollout renamed") << "rollout:renamed" << true << true;
    }
    void anImportStoppedAnywhere() {
        // fraud-train import --set-stable yes: a version added, then made stable. The ULB
        // registry (v1 stable) takes its own model again, as if trained elsewhere.
        QFETCH(QString, step);
        QFETCH(bool, added);
        QFETCH(bool, committed);
        QVERIFY(QFileInfo::exists(crashableTrainerBinary()));
        const QString path = dir_.filePath("import-" + QString(step).replace(':', '-'));
        copyRegistry(vectorRegistry(), path);
        fraud::ModelRegistry registry(path.toStdString());
        QStringList features;
        for (const auto& f : registry.readManifest("v1").schema.features)
            features << QString::fromStdString(f);
        const QStringList args{"import",
                               "--registry",
                               path,
                               "--model",
                               path + "/models/v1/model.json",
                               "--reference",
                               dataDir() + "/ulb_creditcard_sample.csv",
                               "--label",
                               "Class",
                               "--features",
                               features.join(','),
                               "--schema-name",
                               "ulb-creditcard",
                               "--version",
                               "v2",
                               "--set-stable",
                               "yes"};
        const Run stopped = runStoppable(crashableTrainerBinary(), args, step);
        QVERIFY2(stopped.exitCode == 86, qPrintable(stopped.err));
        QCOMPARE(registry.hasVersion("v2"), added);
        if (committed)
            checkRegistry(path, "v2", "", "v1", "v1");
        else
            checkRegistry(path, "v1", "", std::nullopt, added ? "v2" : "v1");
        // Unstopped, the import goes through (or, if the version is in, says so).
        const Run again = runStoppable(crashableTrainerBinary(), args, {});
        if (added) {
            QCOMPARE(again.exitCode, 1);
            QVERIFY2(again.err.contains("already exists"), qPrintable(again.err));
        } else {
            QVERIFY2(again.exitCode == 0, qPrintable(again.err));
        }
    }

    void aRunUpdateStoppedAnywhere_data() {
        QTest::addColumn<QString>("step");
        QTest::addColumn<bool>("written");
        QTest::newRow("run tmp written") << "run:tmp-written" << false;
        QTest::newRow("run renamed") << "run:renamed" << true;
    }
    void aRunUpdateStoppedAnywhere() {
        // The release plan's progress: the old record or the new, whole, and the next update
        // goes through on top of whichever it is; the rollout itself is untouched.
        QFETCH(QString, step);
        QFETCH(bool, written);
        const QString path = copyOfBase("run-" + step.section(':', 1));
        QCOMPARE(write(path, {"update-run", "1"}).exitCode, 0);
        QCOMPARE(write(path, {"update-run", "2"}, step).exitCode, 86);
        fraud::ModelRegistry registry(path.toStdString());
        const auto run = registry.readRun();
        QCOMPARE(run.revision, std::uint64_t(written ? 2 : 1));
        QCOMPARE(run.progress["step"], written ? 2 : 1);
        QCOMPARE(run.plan["name"], "crash plan");
        QCOMPARE(write(path, {"update-run", "3"}).exitCode, 0);
        QCOMPARE(registry.readRun().revision, run.revision + 1);
        checkRegistry(path, "v2", "", "v1");
    }

    void aLeaseChangeStoppedAnywhere_data() {
        QTest::addColumn<QString>("step");
        QTest::addColumn<bool>("taken");
        QTest::newRow("lease tmp written") << "lease:tmp-written" << false;
        QTest::newRow("lease renamed") << "lease:renamed" << true;
    }
    void aLeaseChangeStoppedAnywhere() {
        // A runner killed while taking the lease either holds it or not; never half.
        QFETCH(QString, step);
        QFETCH(bool, taken);
        const QString path = copyOfBase("lease-" + step.section(':', 1));
        QCOMPARE(write(path, {"acquire-lease", "runner-a"}, step).exitCode, 86);
        fraud::ModelRegistry registry(path.toStdString());
        const auto lease = registry.readLease();
        QCOMPARE(lease.has_value(), taken);
        // Another runner is refused if it was taken, and gets it otherwise.
        const Run other = write(path, {"acquire-lease", "runner-b"});
        QCOMPARE(other.exitCode, taken ? 3 : 0);
        if (taken)
            QVERIFY2(other.err.contains("held by runner-a"), qPrintable(other.err));
        QCOMPARE(registry.readLease()->holder, taken ? "runner-a" : "runner-b");
        checkRegistry(path, "v2", "", "v1");
    }

    void aTornLineIsTruncatedAndHistorySurvives() {
        const QString path = copyOfBase("torn");
        fraud::ModelRegistry registry(path.toStdString());
        const auto before = registry.readAudit();
        const auto bytes = QFileInfo(path + "/audit.jsonl").size();
        QCOMPARE(write(path, {"set-canary", "v3", "1000"}, "audit:half-written").exitCode, 86);
        QVERIFY(QFileInfo(path + "/audit.jsonl").size() > bytes);
        // Readers skip the torn tail; the committed history is whole.
        QCOMPARE(registry.readAudit(), before);
        const Run next = write(path, {"set-canary", "v3", "1000"});
        QCOMPARE(next.exitCode, 0);
        QVERIFY2(next.err.contains("bytes of a torn line"), qPrintable(next.err));
        QVERIFY(!next.err.startsWith("registry " + path +
                                     ": removed what an interrupted write left "
                                     "in audit.jsonl: 0 bytes"));
        const auto after = registry.readAudit();
        QCOMPARE(after.size(), before.size() + 1);
        QVERIFY(std::equal(before.begin(), before.end(), after.begin()));
        // Every line of the file is whole again.
        const auto text = fraud::readFile((path + "/audit.jsonl").toStdString());
        QVERIFY(text.ends_with('\n'));
        QCOMPARE(std::count(text.begin(), text.end(), '\n'), long(after.size()));
    }

    void corruptionBeforeTheLastLineIsAnError() {
        const QString path = copyOfBase("corrupt");
        QFile audit(path + "/audit.jsonl");
        QVERIFY(audit.open(QIODevice::ReadOnly));
        QByteArray text = audit.readAll();
        audit.close();
        text.insert(text.indexOf('\n') + 1, "{not json\n");
        QVERIFY(audit.open(QIODevice::WriteOnly | QIODevice::Truncate));
        audit.write(text);
        audit.close();
        QVERIFY_THROWS_EXCEPTION(std::runtime_error,
                                 fraud::ModelRegistry(path.toStdString()).readAudit());
    }
};

QTEST_GUILESS_MAIN(RegistryCrashSafetyTest)
#include "tst_registry_crash_safety.moc"
