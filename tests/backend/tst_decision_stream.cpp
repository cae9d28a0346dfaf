// DecisionStream against real scorers: decisions of every replica merged; a replica killed and
// restarted on its address is reconnected, and the time it could not be watched is recorded
// as a gap; a full queue drops the oldest and counts them; fraudctl watch merges replicas.
#include <signal.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "decisions/DecisionStream.h"

using namespace fraudops;
using namespace fraudops::test;

class DecisionStreamTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString registry_;
    std::vector<std::unique_ptr<ScorerProcess>> scorers_;
    QStringList addresses_;
    std::jthread traffic_;

    std::unique_ptr<ScorerProcess> startScorer(int replica, const QString& listen) {
        QString error;
        auto s =
            ScorerProcess::start(registry_,
                                 {"--drain-seconds", "0", "--replica-name",
                                  QStringLiteral("replica-%1").arg(replica), "--listen", listen},
                                 &error);
        if (!s)
            qWarning("%s", qPrintable(error));
        return s;
    }
    std::vector<ScorerEndpoint> endpoints() const {
        std::vector<ScorerEndpoint> out;
        for (const QString& a : addresses_) {
            ScorerEndpoint e;
            e.address = a.toStdString();
            out.push_back(e);
        }
        return out;
    }
    static fraud::v1::WatchDecisionsRequest everything() {
        fraud::v1::WatchDecisionsRequest r;
        r.set_max_per_second(5000);
        return r;
    }
    // Takes decisions until one from each of `replicas` has come, within `limit`.
    static bool seenFrom(DecisionStream& stream, std::set<std::string> replicas,
                         std::chrono::seconds limit) {
        QElapsedTimer waited;
        waited.start();
        while (!replicas.empty() && waited.elapsed() < std::chrono::milliseconds(limit).count()) {
            for (const auto& d : stream.take(1000, std::chrono::milliseconds(200)))
                replicas.erase(d.replica());
        }
        return replicas.empty();
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        registry_ = dir_.filePath("registry");
        copyRegistry(transactionRegistry(), registry_);
        for (int r = 0; r < 2; ++r) {
            auto s = startScorer(r, "127.0.0.1:0");
            QVERIFY(s);
            addresses_ << s->grpcAddress();
            scorers_.push_back(std::move(s));
        }
        // Steady traffic to both replicas (a replica that is down refuses its share).
        traffic_ = std::jthread([addresses = addresses_](std::stop_token stop) {
            std::vector<std::unique_ptr<fraud::v1::Scoring::Stub>> stubs;
            for (const QString& a : addresses)
                stubs.push_back(fraud::v1::Scoring::NewStub(channelTo(a)));
            std::mutex pace;
            std::condition_variable_any paced;
            for (long i = 0; !stop.stop_requested(); ++i) {
                fraud::v1::ScoreRequest request;
                *request.mutable_transaction() =
                    validTransaction("t-" + std::to_string(i), "card-" + std::to_string(i % 50));
                fraud::v1::ScoreResult response;
                auto context = callContext({}, 2);
                (void)stubs[static_cast<std::size_t>(i) % stubs.size()]->Score(context.get(),
                                                                               request, &response);
                // About 200 a second, and stopped at once when the test ends.
                std::unique_lock lock(pace);
                paced.wait_for(lock, stop, std::chrono::milliseconds(5), [] { return false; });
            }
        });
    }

    void cleanupTestCase() {
        traffic_.request_stop();
        traffic_ = {};
    }

    void mergesEveryReplica() {
        DecisionStream stream(endpoints(), everything());
        QSignalSpy available(&stream, &DecisionStream::available);
        stream.start();
        QVERIFY(seenFrom(stream, {"replica-0", "replica-1"}, std::chrono::seconds(30)));
        QVERIFY(available.count() >= 1 || available.wait(5000));
        const auto stats = stream.stats();
        QCOMPARE(stats.connections.size(), std::size_t(2));
        QVERIFY(stats.connections[0].connected && stats.connections[1].connected);
        QCOMPARE(stats.droppedByQueue, quint64(0));
        QVERIFY(stats.gaps.empty());
    }

    void reconnectsAfterARestartAndRecordsTheGap() {
        DecisionStream::Options options;
        options.maxBackoff = std::chrono::milliseconds(1000);
        DecisionStream stream(endpoints(), everything(), options);
        QSignalSpy connection(&stream, &DecisionStream::connectionChanged);
        stream.start();
        QVERIFY(seenFrom(stream, {"replica-0", "replica-1"}, std::chrono::seconds(30)));
        const QString address = addresses_[0];
        scorers_[0]->child().signal(SIGKILL);
        QVERIFY(scorers_[0]->child().waitForExit(std::chrono::seconds(10)));
        QTRY_VERIFY_WITH_TIMEOUT(!stream.stats().connections[0].connected, 30'000);
        {
            const auto stats = stream.stats();
            QCOMPARE(stats.gaps.size(), std::size_t(1));
            QCOMPARE(stats.gaps[0].address, address);
            QVERIFY(!stats.gaps[0].to.isValid());  // still lasting
            QVERIFY(!stats.connections[0].lastError.isEmpty());
            QVERIFY(stats.connections[1].connected);  // the other replica is still watched
        }
        // Decisions of the other replica keep coming meanwhile.
        QVERIFY(seenFrom(stream, {"replica-1"}, std::chrono::seconds(30)));
        scorers_[0] = startScorer(0, address);
        QVERIFY(scorers_[0]);
        QTRY_VERIFY_WITH_TIMEOUT(stream.stats().connections[0].connects == 2, 60'000);
        QVERIFY(seenFrom(stream, {"replica-0"}, std::chrono::seconds(30)));
        const auto stats = stream.stats();
        QCOMPARE(stats.gaps.size(), std::size_t(1));
        QVERIFY(stats.gaps[0].to.isValid() && stats.gaps[0].to >= stats.gaps[0].from);
        // Delivered to this thread, queued: lost, then found again.
        QTRY_VERIFY_WITH_TIMEOUT(
            std::any_of(connection.begin(), connection.end(),
                        [&](const QList<QVariant>& args) {
                            const auto c = args.at(0).value<DecisionStreamConnection>();
                            return c.address == address && c.connected && c.connects == 2;
                        }),
            10'000);
    }

    void aFullQueueDropsTheOldestAndCountsThem() {
        DecisionStream::Options options;
        options.queueCapacity = 10;
        DecisionStream stream(endpoints(), everything(), options);
        stream.start();
        QTRY_VERIFY_WITH_TIMEOUT(stream.stats().received >= 50, 60'000);
        stream.stop();
        const auto stats = stream.stats();
        QCOMPARE(stats.droppedByQueue, stats.received - 10);
        const auto kept = stream.take(1000, std::chrono::milliseconds(0));
        QCOMPARE(kept.size(), std::size_t(10));
        // Stopped: take() does not wait.
        QElapsedTimer t;
        t.start();
        QVERIFY(stream.take(10, std::chrono::seconds(30)).empty());
        QVERIFY(t.elapsed() < 10'000);
    }

    void stopsAtOnceWhileAReplicaIsAway() {
        // A replica goes away; the stream waits 10 s before it tries again, and stop() (the
        // console closing the page) still returns at once.
        auto lone = startScorer(7, "127.0.0.1:0");
        QVERIFY(lone);
        ScorerEndpoint e;
        e.address = lone->grpcAddress().toStdString();
        DecisionStream::Options options;
        options.firstBackoff = std::chrono::milliseconds(10'000);
        options.maxBackoff = std::chrono::milliseconds(10'000);
        auto stream =
            std::make_unique<DecisionStream>(std::vector<ScorerEndpoint>{e}, everything(), options);
        stream->start();
        QTRY_VERIFY_WITH_TIMEOUT(stream->stats().connections[0].connected, 30'000);
        lone->child().signal(SIGKILL);
        QVERIFY(lone->child().waitForExit(std::chrono::seconds(10)));
        QTRY_VERIFY_WITH_TIMEOUT(!stream->stats().connections[0].connected, 30'000);
        QElapsedTimer t;
        t.start();
        stream.reset();
        QVERIFY2(t.elapsed() < 2'000, qPrintable(QString::number(t.elapsed())));
    }

    void fraudctlWatchMergesReplicas() {
        QProcess p;
        p.start(fraudctlBinary(),
                {"watch", "--endpoint", addresses_.join(","), "--count", "40", "--rate", "5000"});
        QVERIFY(p.waitForFinished(60'000));
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(p.exitCode() == 0, qPrintable(out + p.readAllStandardError()));
        QCOMPARE(out.count(QRegularExpression("^replica-\\d g\\d+ ",
                                              QRegularExpression::MultilineOption)),
                 40);
        QVERIFY2(out.contains("replica-0 g") && out.contains("replica-1 g"), qPrintable(out));
    }

    void fraudctlWatchSaysWhenEveryReplicaRefuses() {
        // A scorer with tokens: an unknown token is refused, and watch says so and fails.
        const QString tokens = dir_.filePath("tokens.json");
        writeTokensFile(tokens, {{"admin-token", "alice", "admin"}});
        QString error;
        auto guarded = ScorerProcess::start(
            registry_, {"--tokens-file", tokens, "--drain-seconds", "0"}, &error);
        QVERIFY2(guarded, qPrintable(error));
        QProcess p;
        p.start(fraudctlBinary(),
                {"watch", "--endpoint", guarded->grpcAddress(), "--token", "nope"});
        QVERIFY(p.waitForFinished(60'000));
        QCOMPARE(p.exitCode(), 1);
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("UNAUTHENTICATED"));
    }
};

QTEST_GUILESS_MAIN(DecisionStreamTest)
#include "tst_decision_stream.moc"
