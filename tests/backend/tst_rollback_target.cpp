// rollbackTarget: the console names the version a rollback returns to by the scorer's own rule
// (ModelRegistry::previousStable), from the audit entries it has read, newest first.
#include <QtTest>

#include "rollout/RollbackTarget.h"

using fraudops::rollout::rollbackTarget;

namespace {

fraud::v1::RolloutState stableOnly(const std::string& version) {
    fraud::v1::RolloutState s;
    s.set_stable_version(version);
    return s;
}

fraud::v1::AuditEntry change(const std::string& before, const std::string& after) {
    fraud::v1::AuditEntry e;
    if (!before.empty())
        *e.mutable_before() = stableOnly(before);
    *e.mutable_after() = stableOnly(after);
    return e;
}

}  // namespace

class RollbackTargetTest : public QObject {
    Q_OBJECT

private slots:
    void theStableBeforeThePromotion() {
        // v1 → v2 → v3: the rollback from v3 returns to v2, not v1.
        const std::vector entries{change("v2", "v3"), change("v1", "v2"), change("", "v1")};
        QCOMPARE(rollbackTarget(entries, stableOnly("v3")).value_or(""), std::string("v2"));
    }

    void canarySettingsThatKeepTheStableAreSkipped() {
        auto weightOnly = change("v2", "v2");
        weightOnly.mutable_after()->set_canary_version("v3");
        const std::vector entries{weightOnly, change("v1", "v2")};
        QCOMPARE(rollbackTarget(entries, stableOnly("v2")).value_or(""), std::string("v1"));
    }

    void aSecondRollbackUndoesTheFirst() {
        // v1 → v2 → v3, rolled back to v2: the newest change that made v2 stable was the
        // rollback from v3, so the scorer's rule returns to v3, not further back to v1.
        const std::vector entries{change("v3", "v2"), change("v2", "v3"), change("v1", "v2")};
        QCOMPARE(rollbackTarget(entries, stableOnly("v2")).value_or(""), std::string("v3"));
    }

    void nothingWhenNoEntryMadeTheCurrentStable() {
        QVERIFY(!rollbackTarget({}, stableOnly("v1")));
        QVERIFY(!rollbackTarget({change("", "v1")}, stableOnly("v1")));
        QVERIFY(!rollbackTarget({change("v1", "v2")}, stableOnly("v3")));
    }
};

QTEST_GUILESS_MAIN(RollbackTargetTest)
#include "tst_rollback_target.moc"
