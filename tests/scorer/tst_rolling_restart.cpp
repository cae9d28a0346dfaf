// Three replicas under steady open-loop load from fraud-loadgen:
//  - restarted one at a time, as a Kubernetes rolling update with maxSurge 1 does (the new
//    replica serves and joins the targets first, then the old one gets SIGTERM and drains
//    while still listed, and leaves the list once it has exited):
//    every request succeeds, 0 errors. The scorer's drain turns its health NOT_SERVING and
//    keeps answering for --drain-seconds; the load generator's health checks move the
//    replica's cards to the others within one check period, and gRPC retries a Score that
//    meets UNAVAILABLE;
//  - one SIGKILLed: requests fail only until the health checks notice (the detection time,
//    measured from the failures and bounded here at a second), and a client started after
//    it fails none.
#include <signal.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "HttpGet.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"

using namespace fraudops::test;

namespace {

constexpr double kRate = 300;  // requests a second, open loop
const QStringList kScorerArgs{"--drain-seconds", "1", "--shutdown-grace-seconds", "2"};

// Score calls a replica answered OK so far, from its /metrics.
double scoredOk(ScorerProcess& scorer) {
    const auto metrics =
        httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(scorer.metricsPort()));
    static const QRegularExpression line(
        "^fraud_scorer_requests_total\\{(?=.*method=\"Score\")(?=.*code=\"OK\")[^}]*\\} (\\S+)$");
    double ok = 0;
    for (const auto& l : metrics.body.split('\n')) {
        const auto m = line.match(QString::fromUtf8(l));
        if (m.hasMatch())
            ok += m.captured(1).toDouble();
    }
    return ok;
}

bool isDraining(ScorerProcess& scorer) {
    auto control = fraud::v1::Control::NewStub(channelTo(scorer.grpcAddress()));
    fraud::v1::ReplicaStatus status;
    auto context = callContext({}, 1);
    return control->GetStatus(context.get(), {}, &status).ok() && status.draining();
}

void writeTargets(const QString& path,
                  const std::vector<std::unique_ptr<ScorerProcess>>& replicas) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    for (const auto& r : replicas) {
        if (r)
            file.write((r->grpcAddress() + "\n").toUtf8());
    }
}

// Codes of a phase of the load generator's JSON report, as code -> count.
std::map<QString, qint64> codes(const QJsonObject& report, const char* phase) {
    std::map<QString, qint64> out;
    const auto c = report.value(phase).toObject().value("codes").toObject();
    for (auto it = c.begin(); it != c.end(); ++it)
        out[it.key()] = it.value().toInteger();
    return out;
}

qint64 failed(const std::map<QString, qint64>& byCode) {
    qint64 n = 0;
    for (const auto& [code, count] : byCode)
        n += code == "OK" ? 0 : count;
    return n;
}

}  // namespace

class RollingRestartTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    std::vector<std::unique_ptr<ScorerProcess>> startReplicas(int n) {
        std::vector<std::unique_ptr<ScorerProcess>> replicas;
        for (int i = 0; i < n; ++i) {
            QString error;
            replicas.push_back(ScorerProcess::start(transactionRegistry(), kScorerArgs, &error));
            if (!replicas.back())
                qWarning("%s", qPrintable(error));
        }
        return replicas;
    }

    void startLoad(QProcess& load, const QString& targetsFile, int seconds) {
        load.start(loadgenBinary(),
                   {"--targets-file", targetsFile, "--mode", "open", "--rate",
                    QString::number(kRate), "--warmup", "1", "--duration", QString::number(seconds),
                    "--health-check-ms", "100", "--json"});
        QVERIFY(load.waitForStarted(10'000));
    }

    QJsonObject finish(QProcess& load, int seconds) {
        if (!load.waitForFinished((seconds + 60) * 1000))
            return {};
        qInfo("%s", load.readAllStandardError().constData());
        return QJsonDocument::fromJson(load.readAllStandardOutput()).object();
    }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void aRollingRestartFailsNoRequest() {
        auto replicas = startReplicas(3);
        for (const auto& r : replicas)
            QVERIFY(r);
        const QString targets = dir_.filePath("rolling-targets");
        writeTargets(targets, replicas);
        QProcess load;
        constexpr int kSeconds = 30;
        startLoad(load, targets, kSeconds);
        for (auto& r : replicas)
            QTRY_VERIFY_WITH_TIMEOUT(scoredOk(*r) > 0, 30'000);

        const std::size_t original = replicas.size();
        for (std::size_t i = 0; i < original; ++i) {
            // The new replica first, serving and in the targets...
            QString error;
            auto fresh = ScorerProcess::start(transactionRegistry(), kScorerArgs, &error);
            QVERIFY2(fresh, qPrintable(error));
            replicas.push_back(std::move(fresh));
            writeTargets(targets, replicas);
            ::kill(static_cast<pid_t>(load.processId()), SIGHUP);
            QTRY_VERIFY2_WITH_TIMEOUT(scoredOk(*replicas.back()) > 0,
                                      qPrintable(QString("restart %1: the new replica got no "
                                                         "traffic; the load generator said: %2")
                                                     .arg(i + 1)
                                                     .arg(load.readAllStandardError())),
                                      30'000);
            // ... then the old one gets SIGTERM while still listed, as a pod does before its
            // endpoint is removed: the client learns of the drain from its health alone.
            auto old = std::move(replicas[i]);
            old->child().signal(SIGTERM);
            // It says so in its status, which the console's clients read.
            QTRY_VERIFY_WITH_TIMEOUT(isDraining(*old), 5'000);
            QVERIFY(old->child().waitForExit(std::chrono::seconds(30)));
            QCOMPARE(old->child().process().exitCode(), 0);
            writeTargets(targets, replicas);
            ::kill(static_cast<pid_t>(load.processId()), SIGHUP);
        }
        QVERIFY2(load.state() == QProcess::Running,
                 "the restarts outlasted the load: lengthen its --duration");
        const auto report = finish(load, kSeconds);
        QVERIFY(!report.isEmpty());
        const auto measured = codes(report, "measured");
        const auto warmup = codes(report, "warmup");
        qInfo("measured: %lld OK, %lld failed; a replica left the targets %lld times",
              measured.count("OK") ? measured.at("OK") : 0, failed(measured),
              report.value("targets_left").toInteger());
        QCOMPARE(failed(warmup) + failed(measured), 0);
        QVERIFY(measured.at("OK") > kRate * (kSeconds - 5));
        // The three drains were seen, not dodged by luck.
        QVERIFY(report.value("targets_left").toInteger() >= 3);
    }

    void aKilledReplicaFailsRequestsOnlyUntilDetected() {
        auto replicas = startReplicas(3);
        for (const auto& r : replicas)
            QVERIFY(r);
        const QString targets = dir_.filePath("kill-targets");
        writeTargets(targets, replicas);  // the killed one stays listed
        QProcess load;
        constexpr int kSeconds = 8;
        startLoad(load, targets, kSeconds);
        for (auto& r : replicas)
            QTRY_VERIFY_WITH_TIMEOUT(scoredOk(*r) > 0, 30'000);
        replicas[1]->child().signal(SIGKILL);
        QVERIFY(replicas[1]->child().waitForExit(std::chrono::seconds(10)));
        const auto report = finish(load, kSeconds);
        QVERIFY(!report.isEmpty());
        const qint64 failures = failed(codes(report, "warmup")) + failed(codes(report, "measured"));
        // The killed replica's third of the traffic fails until the health checks notice.
        const double detectionMs = 1000.0 * static_cast<double>(failures) / (kRate / 3);
        qInfo(
            "SIGKILL of one replica in three: %lld requests failed, a detection time of about "
            "%.0f ms at %.0f requests/s",
            failures, detectionMs, kRate);
        QVERIFY2(detectionMs <= 1000, qPrintable(QString::number(detectionMs)));
        QCOMPARE(report.value("targets_left").toInteger(), 1);

        // A client that starts now, with the dead replica still listed, fails nothing.
        QProcess after;
        startLoad(after, targets, 3);
        const auto second = finish(after, 3);
        QVERIFY(!second.isEmpty());
        QCOMPARE(failed(codes(second, "warmup")) + failed(codes(second, "measured")), 0);
    }
};

QTEST_GUILESS_MAIN(RollingRestartTest)
#include "tst_rolling_restart.moc"
