// Overload degrades gracefully: a real scorer on one CPU with one scoring worker, fraud-loadgen
// on the other, open loop. Explanations of a model of 800 deeper trees are the expensive call
// (about 2 ms here, where the gRPC cost of refusing one is tens of microseconds), so the load
// generator can offer five times what the scorer can do. Everything is measured in the same
// run: the unloaded p99 at a fifth of capacity, capacity itself in closed loop, then 2x and 5x.
// The shape is asserted, never a speed: refusals happen (RESOURCE_EXHAUSTED, counted in the
// metrics), the calls admitted keep a p99 within 5x the unloaded one, goodput stays above 40 %
// of capacity (no congestion collapse), memory stays flat. The same 2x without admission
// control collapses, which is what makes the assertions worth something. Each loaded phase
// gets three attempts to hold, against the hypervisor's stops (see openLoopHolding).
#include <sched.h>
#include <signal.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <functional>

#include "HttpGet.h"
#include "RunCommand.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"

using namespace fraudops::test;

namespace {

// The CPUs this process may run on.
std::vector<int> allowedCpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (int c = 0; c < CPU_SETSIZE; ++c) {
            if (CPU_ISSET(c, &set))
                cpus.push_back(c);
        }
    }
    return cpus;
}

// Pins the calling thread, and so every process it starts from now on.
bool pinTo(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0;
}

bool pinTo(const std::vector<int>& cpus) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : cpus)
        CPU_SET(c, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0;
}

double rssMegabytes(qint64 pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stod(line.substr(6)) / 1024;
    }
    return -1;
}

// The sum of a metric's series whose labels include every one of `labels`.
double metricSum(const QByteArray& text, const QByteArray& name, const QList<QByteArray>& labels) {
    double sum = 0;
    for (const auto& line : text.split('\n')) {
        if (!line.startsWith(name + '{'))
            continue;
        bool all = true;
        for (const auto& l : labels)
            all = all && line.contains(l);
        if (all)
            sum += line.mid(line.lastIndexOf(' ') + 1).toDouble();
    }
    return sum;
}

struct Phase {
    double offered = 0;  // calls a second asked for (open loop)
    double goodput = 0;  // answered OK, a second
    double okP99 = 0;    // ms, the calls answered OK
    double refused = 0;  // RESOURCE_EXHAUSTED
    double deadlines = 0;
    double completed = 0;
    QString codes;
};

}  // namespace

class OverloadTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString registry_;
    int scorerCpu_ = -1, loadCpu_ = -1;
    std::vector<int> allCpus_;

    // fraud-loadgen on its own CPU: explanations of a fixed population of cards.
    QJsonObject load(const QString& target, const QStringList& mode, int seconds) {
        pinTo(loadCpu_);
        LoadgenRun run(mode + QStringList{"--target", target, "--explain", "--duration",
                                          QString::number(seconds), "--warmup", "1", "--cards",
                                          "500", "--max-cards", "500", "--card-prefix", "overload",
                                          "--deadline-ms", "1000", "--health-check-ms", "0"});
        pinTo(allCpus_);
        QString error;
        auto report = run.finish(&error);
        if (report.isEmpty())
            qWarning("fraud-loadgen: %s", qPrintable(error));
        return report;
    }
    Phase openLoop(const QString& target, double rate, int seconds = 4) {
        const auto report =
            load(target, {"--mode", "open", "--rate", QString::number(rate, 'f', 0)}, seconds);
        const auto m = report.value("measured").toObject();
        const auto codes = m.value("codes").toObject();
        Phase p;
        p.offered = rate;
        p.goodput = m.value("goodput_per_second").toDouble();
        p.okP99 = m.value("ok_latency_ms").toObject().value("p99").toDouble();
        p.refused = codes.value("RESOURCE_EXHAUSTED").toDouble();
        p.deadlines = codes.value("DEADLINE_EXCEEDED").toDouble();
        p.completed = m.value("completed").toDouble();
        p.codes = QString::fromUtf8(QJsonDocument(codes).toJson(QJsonDocument::Compact));
        qInfo("offered %.0f/s: goodput %.0f/s, admitted p99 %.2f ms, outcomes %s", rate, p.goodput,
              p.okP99, qPrintable(p.codes));
        return p;
    }
    // A phase under load, tried up to three times until `failure` finds nothing to say of it.
    // This VM's hypervisor stops a CPU for up to a quarter of a second now and then (steal
    // time): one stop in a 4 s phase lifts the admitted p99 tenfold, whatever the scorer does.
    // The least disturbed of three attempts still measures the scorer; broken admission
    // control fails all three. Returns the last attempt and what was wrong with it.
    std::pair<Phase, QString> openLoopHolding(const QString& target, double rate,
                                              const std::function<QString(const Phase&)>& failure) {
        std::pair<Phase, QString> last;
        for (int attempt = 1; attempt <= 3; ++attempt) {
            last.first = openLoop(target, rate);
            last.second = failure(last.first);
            if (last.second.isEmpty())
                break;
            qInfo("attempt %d: %s", attempt, qPrintable(last.second));
        }
        return last;
    }
    std::unique_ptr<ScorerProcess> startPinned(const QStringList& args) {
        pinTo(scorerCpu_);
        QString error;
        auto scorer = ScorerProcess::start(
            registry_, QStringList{"--drain-seconds", "0", "--shutdown-grace-seconds", "0"} + args,
            &error);
        pinTo(allCpus_);
        if (!scorer)
            qWarning("scorer: %s", qPrintable(error));
        return scorer;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        allCpus_ = allowedCpus();
        if (allCpus_.size() < 2)
            QSKIP("needs two CPUs: the scorer on one, the load generator on the other");
        scorerCpu_ = allCpus_[0];
        loadCpu_ = allCpus_[1];
        // A heavier model than the demo's (800 trees to depth 10 against 200 to 6), trained
        // here in seconds: its explanations make the scorer, not the client, the bottleneck.
        registry_ = dir_.filePath("heavy");
        const auto trained = runCommand(
            trainerBinary(),
            {"synthetic", "--registry", registry_, "--seed", "3", "--transactions", "150000",
             "--cards", "10000", "--rounds", "800", "--max-depth", "10", "--threads", "2"},
            QProcessEnvironment::systemEnvironment(), dir_.path(), std::chrono::minutes(5));
        QVERIFY2(trained.exitCode == 0, qPrintable(trained.text()));
    }

    void overloadIsShedAndTheAdmittedKeepTheirLatency() {
        // Capacity and the unloaded latency, measured without a time bound on the queue: a
        // scheduling hiccup of the machine (a p99 of 67 ms once in CI, where a call takes 4)
        // would otherwise have the default 20 ms bound refuse calls of the "unloaded" phase.
        // Only a full queue may refuse here, and none should.
        auto probe = startPinned({"--max-concurrent-requests", "1", "--max-queue-wait-ms", "0"});
        QVERIFY(probe);
        const auto closed =
            load(probe->grpcAddress(), {"--mode", "closed", "--concurrency", "4"}, 3);
        const double capacity =
            closed.value("measured").toObject().value("goodput_per_second").toDouble();
        QVERIFY2(capacity > 20, qPrintable(QString::number(capacity)));
        const auto unloaded = openLoop(probe->grpcAddress(), capacity / 5, 3);
        QCOMPARE(unloaded.refused, 0.0);
        QVERIFY(unloaded.okP99 > 0);
        qInfo("capacity %.0f explanations/s, unloaded p99 %.2f ms", capacity, unloaded.okP99);
        probe.reset();

        // A call may wait in the queue as long as an unloaded call takes at p99.
        const double bound = unloaded.okP99;
        // The scorer has its CPU to itself, as in a pod: its workers yield to gRPC's threads.
        auto scorer = startPinned({"--max-concurrent-requests", "1", "--max-queue-wait-ms",
                                   QString::number(bound, 'f', 2), "--worker-niceness", "10"});
        QVERIFY(scorer);
        const auto pid = scorer->child().pid();
        openLoop(scorer->grpcAddress(), capacity / 2, 2);  // the cards' history, before RSS
        // Memory after the first 5x (the allocator's and gRPC's high-water mark for so many
        // calls in flight) and after a second: flat, where an unbounded queue grows.
        std::vector<double> rss;
        double refusedSeen = 0;
        for (double factor : {2.0, 5.0, 5.0}) {
            const auto [phase, failure] = openLoopHolding(
                scorer->grpcAddress(), factor * capacity, [&](const Phase& p) -> QString {
                    if (p.refused <= 0.1 * p.completed)
                        return QString("%1x: too few refused, %2").arg(factor).arg(p.codes);
                    if (p.okP99 > 5 * unloaded.okP99)
                        return QString("%1x: admitted p99 %2 ms, unloaded %3 ms")
                            .arg(factor)
                            .arg(p.okP99)
                            .arg(unloaded.okP99);
                    // Refusing costs gRPC's share of a call (its thread hand-offs most: perf
                    // shows a quarter of the CPU in context switches at 5x), so goodput falls,
                    // but stays near half of capacity where the unbounded queue serves next to
                    // nothing.
                    if (p.goodput < 0.4 * capacity)
                        return QString("%1x: goodput %2/s of a capacity of %3/s")
                            .arg(factor)
                            .arg(p.goodput)
                            .arg(capacity);
                    // Every call answered or refused in time: none left to run out its deadline.
                    if (p.deadlines > 0.01 * p.completed)
                        return QString("%1x: deadlines run out, %2").arg(factor).arg(p.codes);
                    return {};
                });
            refusedSeen += phase.refused;
            rss.push_back(rssMegabytes(pid));
            QVERIFY2(failure.isEmpty(), qPrintable(failure));
        }
        qInfo("scorer RSS %.1f MB after 2x, %.1f MB after 5x, %.1f MB after 5x again", rss[0],
              rss[1], rss[2]);
        QVERIFY2(rss[2] < rss[1] * 1.05 + 2, qPrintable(QString::number(rss[2])));

        // The refusals are counted where the console and the alert read them.
        const auto metrics =
            httpGet(QString("http://127.0.0.1:%1/metrics").arg(scorer->metricsPort()));
        QCOMPARE(metrics.status, 200);
        const double rejected =
            metricSum(metrics.body, "fraud_scorer_rejected_total", {"reason=\"overload\""});
        QVERIFY2(rejected >= refusedSeen, qPrintable(QString::number(rejected)));
        QCOMPARE(
            metricSum(metrics.body, "fraud_scorer_requests_total", {"code=\"RESOURCE_EXHAUSTED\""}),
            rejected);
        scorer.reset();

        // Without admission control the same 2x queues without bound: nearly every call runs
        // out its deadline.
        auto unbounded = startPinned({"--max-concurrent-requests", "0"});
        QVERIFY(unbounded);
        // Its goodput is no measure: the work is done on gRPC's threads without the hand-off to
        // a worker, and a 4 s phase serves the calls of its first second in time. What shows
        // the collapse is the share of calls that ran out their deadline (half and more here,
        // where the bounded queue lets through at most 1 %).
        const auto [collapse, unrefused] =
            openLoopHolding(unbounded->grpcAddress(), 2 * capacity, [](const Phase& p) -> QString {
                if (p.deadlines < 0.25 * p.completed)
                    return "no collapse: " + p.codes;
                return {};
            });
        QVERIFY2(unrefused.isEmpty(), qPrintable(unrefused));
        unbounded->child().signal(SIGKILL);
    }

    void cleanupTestCase() { pinTo(allCpus_); }
};

QTEST_MAIN(OverloadTest)
#include "tst_overload.moc"
