// ReplicaStatusPoller and AsyncControlClient against real scorers: every replica's status as a
// value through queued signals; a replica killed is reported Down, and Up again once it is
// restarted on its address; a token the replica does not accept is Refused; Control calls
// answer through signals with the rollout they made.
#include <signal.h>

#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "control/AsyncControlClient.h"
#include "control/ReplicaStatusPoller.h"

using namespace fraudops;
using namespace fraudops::test;

namespace {

const std::string kAdmin = "admin-token-for-tests";

ScorerEndpoint endpointOf(const QString& address, const std::string& token = kAdmin) {
    ScorerEndpoint e;
    e.address = address.toStdString();
    e.bearerToken = token;
    e.deadline = std::chrono::milliseconds(2000);
    return e;
}

}  // namespace

class ControlClientsTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString registry_, tokens_;
    std::vector<std::unique_ptr<ScorerProcess>> scorers_;

    std::unique_ptr<ScorerProcess> startScorer(int replica, const QString& listen = "127.0.0.1:0") {
        QString error;
        auto s = ScorerProcess::start(
            registry_,
            {"--tokens-file", tokens_, "--registry-poll-ms", "100", "--drain-seconds", "0",
             "--replica-name", QStringLiteral("replica-%1").arg(replica), "--listen", listen},
            &error);
        if (!s)
            qWarning("%s", qPrintable(error));
        return s;
    }
    std::vector<ScorerEndpoint> endpoints(const std::string& token = kAdmin) const {
        std::vector<ScorerEndpoint> out;
        for (const auto& s : scorers_)
            out.push_back(endpointOf(s->grpcAddress(), token));
        return out;
    }
    // Polls until a round finishes whose readings all satisfy `accept`.
    static bool roundWhere(
        ReplicaStatusPoller& poller,
        const std::function<bool(const std::vector<ReplicaStatusReading>&)>& accept,
        std::chrono::seconds limit) {
        QSignalSpy rounds(&poller, &ReplicaStatusPoller::roundFinished);
        QElapsedTimer waited;
        waited.start();
        while (waited.elapsed() < std::chrono::milliseconds(limit).count()) {
            rounds.clear();
            poller.poll();
            if (!rounds.wait(5000))
                continue;
            const auto readings = rounds.first().first().value<std::vector<ReplicaStatusReading>>();
            if (accept(readings))
                return true;
            betweenPolls(std::chrono::milliseconds(200));
        }
        return false;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        registry_ = dir_.filePath("registry");
        copyRegistry(transactionRegistry(), registry_);
        tokens_ = dir_.filePath("tokens.json");
        writeTokensFile(tokens_, {{kAdmin, "release-alice", "admin"}});
        for (int r = 0; r < 2; ++r) {
            auto s = startScorer(r);
            QVERIFY(s);
            scorers_.push_back(std::move(s));
        }
    }

    void pollerReportsEveryReplica() {
        ReplicaStatusPoller poller;
        poller.setEndpoints(endpoints());
        QSignalSpy polled(&poller, &ReplicaStatusPoller::polled);
        QVERIFY(roundWhere(
            poller,
            [](const auto& readings) {
                return readings.size() == 2 &&
                       std::all_of(readings.begin(), readings.end(), [](const auto& r) {
                           return r.health == ReplicaHealth::Up && r.status &&
                                  r.status->stable_version() == "v1";
                       });
            },
            std::chrono::seconds(30)));
        QVERIFY(polled.count() >= 2);
        const auto latest = poller.latest(scorers_[1]->grpcAddress());
        QVERIFY(latest && latest->status);
        QCOMPARE(QString::fromStdString(latest->status->replica()), QString("replica-1"));
    }

    void aKilledReplicaIsDownThenUpAgain() {
        ReplicaStatusPoller poller;
        poller.setEndpoints(endpoints());
        const QString address = scorers_[0]->grpcAddress();
        const auto healthOf = [&](const std::vector<ReplicaStatusReading>& readings) {
            for (const auto& r : readings) {
                if (r.address == address)
                    return r.health;
            }
            return ReplicaHealth::Unknown;
        };
        QVERIFY(roundWhere(
            poller, [&](const auto& r) { return healthOf(r) == ReplicaHealth::Up; },
            std::chrono::seconds(30)));
        scorers_[0]->child().signal(SIGKILL);
        QVERIFY(scorers_[0]->child().waitForExit(std::chrono::seconds(10)));
        QVERIFY(roundWhere(
            poller, [&](const auto& r) { return healthOf(r) == ReplicaHealth::Down; },
            std::chrono::seconds(30)));
        const auto down = poller.latest(address);
        QVERIFY(down && !down->status && down->error.startsWith("UNAVAILABLE"));
        // The other replica is not affected.
        QCOMPARE(poller.latest(scorers_[1]->grpcAddress())->health, ReplicaHealth::Up);
        // Restarted on the same address: the same channel finds it again.
        scorers_[0] = startScorer(0, address);
        QVERIFY(scorers_[0]);
        QVERIFY(roundWhere(
            poller, [&](const auto& r) { return healthOf(r) == ReplicaHealth::Up; },
            std::chrono::seconds(60)));
    }

    void aRefusedTokenIsNotDown() {
        ReplicaStatusPoller poller;
        poller.setEndpoints(endpoints("not-a-token"));
        QVERIFY(roundWhere(
            poller,
            [](const auto& readings) {
                return readings.size() == 2 &&
                       std::all_of(readings.begin(), readings.end(), [](const auto& r) {
                           return r.health == ReplicaHealth::Refused &&
                                  r.error.startsWith("UNAUTHENTICATED");
                       });
            },
            std::chrono::seconds(30)));
    }

    void anAddressWithNothingIsDown() {
        ReplicaStatusPoller poller;
        // A port nothing listens on: bound and closed again by the kernel's choice.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const QString address = QStringLiteral("127.0.0.1:%1").arg(probe.serverPort());
        probe.close();
        poller.setEndpoints({endpointOf(address)});
        QVERIFY(roundWhere(
            poller,
            [](const auto& readings) {
                return readings.size() == 1 && readings[0].health == ReplicaHealth::Down;
            },
            std::chrono::seconds(30)));
    }

    void asyncControlCallsAnswerThroughSignals() {
        AsyncControlClient client(endpointOf(scorers_[1]->grpcAddress()));
        QSignalSpy status(&client, &AsyncControlClient::statusRead);
        const auto statusId = client.status();
        QVERIFY(status.wait(10'000));
        QCOMPARE(status.first().at(0).value<AsyncControlClient::RequestId>(), statusId);
        const auto read = status.first().at(1).value<Outcome<fraud::v1::ReplicaStatus>>();
        QVERIFY(read.ok());
        const auto generation = read.value->generation_seen();

        QSignalSpy changed(&client, &AsyncControlClient::rolloutChanged);
        fraud::v1::SetCanaryRequest canary;
        canary.set_version("v2");
        canary.set_weight_bp(500);
        canary.set_mode(fraud::v1::ROLLOUT_MODE_SPLIT);
        canary.set_reason("tst_control_clients");
        canary.set_expected_generation(generation);
        const auto canaryId = client.setCanary(canary);
        QVERIFY(changed.wait(10'000));
        QCOMPARE(changed.first().at(0).value<AsyncControlClient::RequestId>(), canaryId);
        const auto made = changed.first().at(1).value<Outcome<fraud::v1::RolloutState>>();
        QVERIFY2(made.ok(), made.error ? made.error->message.c_str() : "");
        QCOMPARE(made.value->canary_version(), std::string("v2"));

        // A stale generation is refused, as a value with its code.
        changed.clear();
        client.abortCanary([&] {
            fraud::v1::ChangeRequest r;
            r.set_reason("stale");
            r.set_expected_generation(generation);
            return r;
        }());
        QVERIFY(changed.wait(10'000));
        const auto refused = changed.first().at(1).value<Outcome<fraud::v1::RolloutState>>();
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error->code, grpc::StatusCode::FAILED_PRECONDITION);

        QSignalSpy audit(&client, &AsyncControlClient::auditRead);
        client.audit(5);
        QVERIFY(audit.wait(10'000));
        const auto log = audit.first().at(1).value<Outcome<fraud::v1::AuditLog>>();
        QVERIFY(log.ok() && log.value->entries_size() >= 1);
    }

    void aClientGoneWithCallsOutIsSafe() {
        // Destroyed with calls in flight: nothing is delivered, nothing crashes (ASan watches).
        auto client = std::make_unique<AsyncControlClient>(endpointOf(scorers_[1]->grpcAddress()));
        for (int i = 0; i < 20; ++i)
            client->models();
        client.reset();
        ReplicaStatusPoller poller;
        poller.setEndpoints(endpoints());
        poller.poll();
    }
};

QTEST_GUILESS_MAIN(ControlClientsTest)
#include "tst_control_clients.moc"
