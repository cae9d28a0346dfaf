// Which replicas the console sends new work to after a status round: those that answered and
// are not draining; all of them when none qualifies.
#include <QtTest>

#include "control/ServingReplicas.h"

using namespace fraudops;

namespace {

ReplicaStatusReading reading(const char* address, ReplicaHealth health, bool draining) {
    ReplicaStatusReading r;
    r.address = address;
    r.health = health;
    if (health == ReplicaHealth::Up) {
        r.status.emplace();
        r.status->set_draining(draining);
    }
    return r;
}

}  // namespace

class ServingReplicasTest : public QObject {
    Q_OBJECT

    const std::vector<std::string> addresses_{"a:1", "b:1", "c:1", "d:1"};

private slots:
    void aDrainingOrSilentReplicaGetsNoNewWork() {
        const std::vector<ReplicaStatusReading> round{
            reading("a:1", ReplicaHealth::Up, false), reading("b:1", ReplicaHealth::Up, true),
            reading("c:1", ReplicaHealth::Down, false),
            reading("d:1", ReplicaHealth::Refused, false)};
        QCOMPARE(servingReplicas(addresses_, round), std::vector<std::string>{"a:1"});
    }

    void aReplicaMissingFromTheRoundIsLeftOut() {
        const std::vector<ReplicaStatusReading> round{reading("c:1", ReplicaHealth::Up, false),
                                                      reading("a:1", ReplicaHealth::Up, false)};
        QCOMPARE(servingReplicas(addresses_, round), (std::vector<std::string>{"a:1", "c:1"}));
    }

    void whenNoneServesAllAreTried() {
        const std::vector<ReplicaStatusReading> round{reading("a:1", ReplicaHealth::Down, false),
                                                      reading("b:1", ReplicaHealth::Up, true)};
        QCOMPARE(servingReplicas(addresses_, round), addresses_);
        QCOMPARE(servingReplicas(addresses_, {}), addresses_);
    }
};

QTEST_GUILESS_MAIN(ServingReplicasTest)
#include "tst_serving_replicas.moc"
