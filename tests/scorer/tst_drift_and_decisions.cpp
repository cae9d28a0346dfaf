// Drift as a real scorer measures it under the load generator's traffic (PSI against the
// training baseline, by the documented dependency map), and live decisions: filters, rates,
// explanations, and a watcher that stops reading never holding back scoring.
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <cmath>
#include <thread>

#include "HttpGet.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "features/TransactionSchema.h"
#include "registry/ModelRegistry.h"

using namespace fraudops::test;

namespace {

// fraud_scorer_psi{...} of the stable model against its baseline, by feature.
std::map<QString, double> psiByFeature(const QByteArray& metrics) {
    std::map<QString, double> out;
    static const QRegularExpression line(
        R"re(^fraud_scorer_psi\{(?=[^}]*feature="(\w+)")(?=[^}]*reference="baseline")(?=[^}]*variant="stable")[^}]*\} (\S+)$)re");
    for (const auto& l : metrics.split('\n')) {
        const auto m = line.match(QString::fromUtf8(l));
        if (m.hasMatch())
            out[m.captured(1)] = m.captured(2).toDouble();
    }
    return out;
}

double metricValue(const QByteArray& metrics, const QString& name) {
    for (const auto& l : metrics.split('\n')) {
        const auto s = QString::fromUtf8(l);
        if (s.startsWith(name + " ") || s.startsWith(name + "{"))
            return s.section(' ', -1).toDouble();
    }
    return -1;
}

QByteArray scrape(const ScorerProcess& s) {
    return httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(s.metricsPort())).body;
}

bool dependsOn(std::string_view feature, std::string_view raw) {
    for (const auto& f : fraud::transactionFeatures()) {
        if (f.name == feature) {
            return std::find(f.rawFields.begin(), f.rawFields.end(), raw) != f.rawFields.end();
        }
    }
    return false;
}

// Reads a WatchDecisions stream on its own thread until cancelled.
class DecisionReader {
public:
    DecisionReader(const QString& address, fraud::v1::WatchDecisionsRequest request)
        : stub_(fraud::v1::Scoring::NewStub(channelTo(address))) {
        thread_ = std::thread([this, request] {
            auto reader = stub_->WatchDecisions(&context_, request);
            fraud::v1::LiveDecision d;
            while (reader->Read(&d)) {
                std::lock_guard lock(mutex_);
                seen_.push_back(d);
            }
            status_ = reader->Finish();
        });
    }
    ~DecisionReader() {
        context_.TryCancel();
        thread_.join();
    }
    std::vector<fraud::v1::LiveDecision> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    std::size_t count() {
        std::lock_guard lock(mutex_);
        return seen_.size();
    }

private:
    std::unique_ptr<fraud::v1::Scoring::Stub> stub_;
    grpc::ClientContext context_;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<fraud::v1::LiveDecision> seen_;
    grpc::Status status_;
};

// Traffic paced so that the simulated clock (2,000 cards at two transactions a day each, 4,000
// a simulated day) covers a few days without passing the wall clock, and the drift window of
// 10 s holds two whole simulated days (so hour_of_day sees every hour equally often).
QStringList pacedTraffic(const ScorerProcess& s) {
    return {"--target",
            s.grpcAddress(),
            "--mode",
            "open",
            "--rate",
            "800",
            "--cards",
            "2000",
            "--warmup",
            "8",
            "--duration",
            "12",
            "--sim-start-days-ago",
            "6"};
}

}  // namespace

class DriftAndDecisionsTest : public QObject {
    Q_OBJECT

    std::unique_ptr<ScorerProcess> startScorer(const QString& registry,
                                               const QStringList& extra = {}) {
        QString error;
        auto s = ScorerProcess::start(registry,
                                      QStringList{"--drift-window", "10", "--drain-seconds", "0",
                                                  "--max-event-age", "864000"} +
                                          extra,
                                      &error);
        if (!s)
            qWarning("%s", qPrintable(error));
        return s;
    }

private slots:
    void unshiftedTrafficDoesNotDrift() {
        auto scorer = startScorer(transactionRegistry());
        QVERIFY(scorer);
        LoadgenRun load(pacedTraffic(*scorer));
        QString error;
        QVERIFY2(!load.finish(&error).isEmpty(), qPrintable(error));
        const auto metrics = scrape(*scorer);
        const auto psi = psiByFeature(metrics);
        for (const auto& [feature, value] : psi)
            qInfo("unshifted: PSI %-24s %.4f", qPrintable(feature), value);
        QVERIFY(metricValue(metrics, "fraud_scorer_drift_window_samples") > 5000);
        QCOMPARE(psi.size(), std::size_t{13});  // 12 features and the score
        QVERIFY2(psi.at("score") < 0.1, qPrintable(QString::number(psi.at("score"))));
    }

    void shiftedAmountsDriftExactlyTheirFeatures() {
        auto scorer = startScorer(transactionRegistry());
        QVERIFY(scorer);
        // amount_to_card_mean is self-normalizing: it drifts only until each card's mean has
        // caught up with the shifted amounts, so the window ends 10 s into the shift (about
        // five transactions per card) and the shift is large enough to show within it.
        LoadgenRun load(pacedTraffic(*scorer) +
                        QStringList{"--amount-scale", "5", "--duration", "10"});
        QString error;
        QVERIFY2(!load.finish(&error).isEmpty(), qPrintable(error));
        const auto psi = psiByFeature(scrape(*scorer));
        QCOMPARE(psi.size(), std::size_t{13});
        for (const auto& info : fraud::transactionFeatures()) {
            const QString name = QString::fromUtf8(info.name.data(), qsizetype(info.name.size()));
            const double value = psi.at(name);
            const bool dependent = dependsOn(info.name, "amount");
            qInfo("amount x5: PSI %-24s %.4f (%s)", qPrintable(name), value,
                  dependent ? "depends on amount" : "does not");
            if (dependent)
                QVERIFY2(value > 0.25, qPrintable(name));
            else
                QVERIFY2(value < 0.1, qPrintable(name));
        }
    }

    void liveDecisionsHonourTheirFilters() {
        QTemporaryDir dir;
        const QString registry = dir.filePath("registry");
        copyRegistry(transactionRegistry(), registry);
        fraud::ModelRegistry r(registry.toStdString());
        r.commit(r.readRollout()->generation, "set_canary", "test", "canary for the watchers",
                 [](fraud::RolloutState& s) {
                     s.canary = "v2";
                     s.canaryWeightBp = 5000;
                 });
        auto scorer = startScorer(registry);
        QVERIFY(scorer);
        QCOMPARE(scorer->ready().value("canary_version").toString(), QString("v2"));

        fraud::v1::WatchDecisionsRequest highScores, approvals, canary, slow;
        highScores.set_min_score(0.05);
        highScores.set_max_per_second(1000);
        highScores.set_explain(true);
        approvals.add_decisions(fraud::v1::DECISION_APPROVE);
        approvals.set_max_per_second(1000);
        canary.add_variants(fraud::v1::VARIANT_CANARY);
        canary.set_max_per_second(1000);
        slow.set_max_per_second(5);
        DecisionReader a(scorer->grpcAddress(), highScores), b(scorer->grpcAddress(), approvals),
            c(scorer->grpcAddress(), canary), d(scorer->grpcAddress(), slow);
        QTRY_COMPARE_WITH_TIMEOUT(metricValue(scrape(*scorer), "fraud_scorer_watchers"), 4.0,
                                  10'000);
        const auto started = std::chrono::steady_clock::now();
        LoadgenRun load({"--target", scorer->grpcAddress(), "--warmup", "0", "--duration", "4",
                         "--concurrency", "4", "--cards", "3000", "--fraud-rate", "0.05"});
        QString error;
        QVERIFY2(!load.finish(&error).isEmpty(), qPrintable(error));
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        QTRY_VERIFY_WITH_TIMEOUT(a.count() >= 5 && b.count() >= 50 && c.count() >= 50, 20'000);

        for (const auto& e : a.seen()) {
            QVERIFY(e.result().score() >= 0.05);
            QVERIFY(e.has_transaction());
            QCOMPARE(e.replica(), scorer->ready().value("replica").toString().toStdString());
            const auto& x = e.result().explanation();
            QCOMPARE(x.contributions_size(), 12);
            double sum = x.base_value();
            for (const auto& contribution : x.contributions())
                sum += contribution.contribution();
            QVERIFY(std::abs(sum - x.margin()) < 1e-4);
        }
        for (const auto& e : b.seen()) {
            QCOMPARE(e.result().decision(), fraud::v1::DECISION_APPROVE);
            QVERIFY(!e.result().has_explanation());
        }
        for (const auto& e : c.seen()) {
            QCOMPARE(e.result().variant(), fraud::v1::VARIANT_CANARY);
            QCOMPARE(e.result().model_version(), std::string("v2"));
        }
        // The canary's inputs against the stable's on the stable's bins: the same traffic, split
        // by card, so the inputs agree; every feature and the score are compared.
        const auto metrics = scrape(*scorer);
        static const QRegularExpression againstStable(
            R"re(^fraud_scorer_psi\{(?=[^}]*feature="(\w+)")(?=[^}]*reference="stable")(?=[^}]*variant="canary")[^}]*\} (\S+)$)re");
        std::map<QString, double> canaryPsi;
        for (const auto& l : metrics.split('\n')) {
            const auto m = againstStable.match(QString::fromUtf8(l));
            if (m.hasMatch())
                canaryPsi[m.captured(1)] = m.captured(2).toDouble();
        }
        QCOMPARE(canaryPsi.size(), std::size_t{13});
        QVERIFY2(canaryPsi.at("amount") < 0.1, qPrintable(QString::number(canaryPsi.at("amount"))));
        // Five a second, with a burst of five.
        QVERIFY2(double(d.count()) <= 5 * seconds + 6, qPrintable(QString::number(d.count())));
        QVERIFY(d.count() >= 5);
    }

    void aStuckWatcherNeverHoldsBackScoring() {
        auto scorer = startScorer(transactionRegistry());
        QVERIFY(scorer);
        // A watcher that never reads, with a small flow-control window so that the server's
        // writes stall soon.
        grpc::ChannelArguments args;
        args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
        args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 4096);
        auto stub = fraud::v1::Scoring::NewStub(channelTo(scorer->grpcAddress(), args));
        grpc::ClientContext context;
        fraud::v1::WatchDecisionsRequest request;
        request.set_max_per_second(10'000);
        request.set_explain(true);
        auto stuck = stub->WatchDecisions(&context, request);
        QTRY_COMPARE_WITH_TIMEOUT(metricValue(scrape(*scorer), "fraud_scorer_watchers"), 1.0,
                                  10'000);
        // 30,000 scores with the watcher stuck: every one must succeed, and the watcher's
        // events pile up and are dropped instead.
        LoadgenRun load({"--target", scorer->grpcAddress(), "--warmup", "0", "--requests", "30000",
                         "--concurrency", "8", "--cards", "20000"});
        QString error;
        const auto report = load.finish(&error);
        QVERIFY2(!report.isEmpty(), qPrintable(error));
        const auto codes = LoadgenRun::codes(report);
        QCOMPARE(codes.size(), std::size_t{1});
        QCOMPARE(codes.at("OK"), 30000.0);
        const double dropped =
            metricValue(scrape(*scorer), "fraud_scorer_watch_events_dropped_total");
        qInfo("with a stuck watcher: %.0f scores/s, %.0f live decisions dropped",
              report.value("measured").toObject().value("throughput_per_second").toDouble(),
              dropped);
        QVERIFY(dropped > 1000);
        context.TryCancel();
        stuck->Finish();
    }
};

QTEST_GUILESS_MAIN(DriftAndDecisionsTest)
#include "tst_drift_and_decisions.moc"
