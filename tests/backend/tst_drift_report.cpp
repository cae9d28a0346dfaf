// The Drift page's figures from Prometheus's counts: cumulative buckets become counts per bin;
// the verdicts know the sample size and leave cyclic features out; and, with real scorers
// serving a 50 % canary and a real Prometheus, the PSI the console computes from one replica's
// counts equals that replica's own fraud_scorer_psi gauge (against the baseline and, for the
// canary, against the stable), and the cluster's counts are the sum of the replicas'.
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "HttpGet.h"
#include "PrometheusProcess.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "drift/DriftReport.h"
#include "prometheus/PrometheusHttp.h"
#include "prometheus/QueryTemplate.h"
#include "prometheus/ScorerQueries.h"

using namespace fraudops;
using namespace fraudops::test;

namespace {

PrometheusSeries bucket(const QString& feature, const QString& le, double value,
                        const QString& variant = "stable", const QString& version = "v1",
                        const QString& bins = "v1") {
    PrometheusSeries s;
    s.labels = {{"variant", variant},
                {"model_version", version},
                {"bins", bins},
                {"feature", feature},
                {"le", le}};
    s.samples.push_back({1000, value});
    return s;
}

// A manifest-like summary: one feature with ten equal training bins, and the cyclic hour.
ModelSummary tenBinModel() {
    ModelSummary m;
    m.version = "v1";
    m.features = {"amount", "hour_of_day"};
    m.cyclic = {"hour_of_day"};
    FeatureBaseline b;
    for (int i = 1; i < 10; ++i)
        b.edges.push_back(i);
    b.fractions.assign(10, 0.1);
    b.count = 1'000'000;
    m.baselines["amount"] = b;
    m.baselines["hour_of_day"] = b;
    m.descriptions.push_back({"amount", "transaction amount", {"amount"}, false});
    m.descriptions.push_back({"hour_of_day", "hour", {"timestamp"}, true});
    return m;
}

// Cumulative buckets of `counts` per bin, on the edges 1..9 and +Inf.
std::vector<PrometheusSeries> histogram(const QString& feature, const std::vector<double>& counts,
                                        const QString& variant = "stable",
                                        const QString& version = "v1", const QString& bins = "v1") {
    std::vector<PrometheusSeries> out;
    double cumulative = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        out.push_back(bucket(feature, i + 1 < counts.size() ? QString::number(i + 1) : "+Inf",
                             cumulative, variant, version, bins));
    }
    return out;
}

// Values of one metric from a scorer's /metrics, by the labels asked for (all must match).
double sampleOf(const QByteArray& metrics, const QString& name,
                const std::map<QString, QString>& labels) {
    for (const auto& raw : metrics.split('\n')) {
        const QString line = QString::fromUtf8(raw);
        if (!line.startsWith(name + "{"))
            continue;
        bool all = true;
        for (const auto& [k, v] : labels)
            all = all && line.contains(QStringLiteral("%1=\"%2\"").arg(k, v));
        if (all)
            return line.section(' ', -1).toDouble();
    }
    return std::nan("");
}

QByteArray scrape(const ScorerProcess& s) {
    return httpGet(QStringLiteral("http://127.0.0.1:%1/metrics").arg(s.metricsPort())).body;
}

}  // namespace

class DriftReportTest : public QObject {
    Q_OBJECT

private slots:
    void cumulativeBucketsBecomeCountsPerBin() {
        PrometheusResult bins;
        // Out of order, as a map of labels may give them; increase()'s extrapolation leaves
        // the "3" bucket a hair under the "2" one.
        bins.series = {bucket("amount", "2", 30), bucket("amount", "+Inf", 100),
                       bucket("amount", "1", 10), bucket("amount", "3", 29.999)};
        PrometheusResult missing;
        PrometheusSeries m;
        m.labels = {{"variant", "stable"}, {"model_version", "v1"}, {"feature", "amount"}};
        m.samples.push_back({1000, 25});
        missing.series.push_back(m);
        const auto counts = driftCountsFrom(bins, missing);
        const auto* amount = counts.find("stable", "v1", "v1", "amount");
        QVERIFY(amount);
        QCOMPARE(amount->counts, (std::vector<double>{10, 20, 0, 70}));
        QVERIFY(std::isinf(amount->upperEdges.back()));
        QCOMPARE(amount->present(), 100.0);
        QCOMPARE(counts.missingOf("stable", "v1", "amount"), 25.0);
        QCOMPARE(counts.versions("stable"), std::vector<QString>{"v1"});
    }

    void verdictsKnowTheSampleSizeAndLeaveCyclicFeaturesOut() {
        const auto model = tenBinModel();
        PrometheusResult bins;
        // A tiny shift on a huge sample (PSI ~ 0.002), and the hour badly "drifted".
        std::vector<double> tiny(10, 1500);
        for (int i = 0; i < 5; ++i) {
            tiny[i] -= 60;
            tiny[9 - i] += 60;
        }
        for (auto& s : histogram("amount", tiny))
            bins.series.push_back(s);
        for (auto& s : histogram("hour_of_day", {3000, 3000, 3000, 3000, 3000, 0, 0, 0, 0, 0}))
            bins.series.push_back(s);
        // The canary, on the stable's bins: everything in the top bin.
        for (auto& s : histogram("amount", {0, 0, 0, 0, 0, 0, 0, 0, 0, 800}, "canary", "v2"))
            bins.series.push_back(s);
        const auto counts = driftCountsFrom(bins, {});
        PsiOptions options;
        const auto report = analyseDrift(counts, model, "v2", options);
        QCOMPARE(report.features.size(), std::size_t(2));
        const auto& amount = report.features[0];
        QCOMPARE(amount.feature.name, QString("amount"));
        QCOMPARE(amount.feature.dependsOn, QStringList{"amount"});
        QVERIFY(amount.stable.present);
        QVERIFY(amount.stable.estimate.psi > 0.001 && amount.stable.estimate.psi < 0.005);
        QCOMPARE(amount.stable.estimate.verdict, DriftVerdict::Stable);
        QCOMPARE(amount.stable.samples, 15'000.0);
        QVERIFY(amount.canary.present);
        QCOMPARE(amount.canary.estimate.verdict, DriftVerdict::Drifted);
        QCOMPARE(amount.canary.samples, 800.0);
        const auto& hour = report.features[1];
        QVERIFY(hour.feature.cyclic);
        // No score baseline in this model: the score row says so.
        QVERIFY(!report.score.problem.isEmpty());
        // With one, the score depends on the cyclic hour: shown, not judged.
        auto withScore = model;
        withScore.scoreBaseline = model.baselines.at("amount");
        PrometheusResult scores;
        for (auto& s : histogram("score", std::vector<double>(10, 100)))
            scores.series.push_back(s);
        const auto scored = analyseDrift(driftCountsFrom(scores, {}), withScore, {}, options);
        QVERIFY(scored.score.stable.present);
        QVERIFY(scored.score.feature.cyclic);
        QVERIFY(scored.score.feature.description.contains("hour_of_day"));
        QVERIFY(hour.stable.estimate.psi > 1);
        // With the threshold raised past the canary's interval, it is no longer drifted.
        options.threshold = 100;
        QCOMPARE(analyseDrift(counts, model, "v2", options).features[0].canary.estimate.verdict,
                 DriftVerdict::Stable);
        // Exported bins that are not the manifest's are named, not compared.
        PrometheusResult wrong;
        wrong.series = {bucket("amount", "1", 5), bucket("amount", "+Inf", 10)};
        const auto mismatch = analyseDrift(driftCountsFrom(wrong, {}), model, {}, {});
        QVERIFY(mismatch.features[0].problem.contains("not the manifest's"));
        QVERIFY(!mismatch.features[0].stable.present);
    }

    void psiOverTimeIsPerVersionOnItsOwnBins() {
        std::map<QString, ModelSummary> models{{"v1", tenBinModel()}};
        PrometheusResult matrix;
        for (int step = 0; step < 3; ++step) {
            std::vector<double> counts(10, 100);
            counts[9] += 100.0 * step;  // growing drift into the top bin
            for (auto s : histogram("amount", counts)) {
                s.samples.front().time = 1000 + 60 * step;
                matrix.series.push_back(s);
            }
        }
        const auto series = psiOverTime(driftCountsOverTime(matrix), models, {"amount"});
        QCOMPARE(series.size(), std::size_t(1));
        QCOMPARE(series[0].name, QString("amount"));
        QCOMPARE(series[0].points.size(), std::size_t(3));
        QCOMPARE(series[0].points[0].y(), 0.0);
        QVERIFY(series[0].points[1].y() > 0 && series[0].points[2].y() > series[0].points[1].y());
        QCOMPARE(series[0].points[2].x(), 1'120'000.0);
        // Steps with too few values give no point.
        const auto sparse = psiOverTime(driftCountsOverTime(matrix), models, {"amount"}, 1100);
        QCOMPARE(sparse[0].points.size(), std::size_t(2));
    }

    void theClusterPsiIsTheReplicasOwnGauge() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString registry = dir.filePath("registry");
        copyRegistry(transactionRegistry(), registry);
        // A window of two minutes holds the whole test's traffic: each gauge is then over the
        // same values as the console's range.
        const QString tokens = dir.filePath("tokens.json");
        writeTokensFile(tokens, {{"release-token", "release-alice", "admin"}});
        std::vector<std::unique_ptr<ScorerProcess>> scorers;
        for (int r = 0; r < 2; ++r) {
            QString error;
            auto s = ScorerProcess::start(
                registry,
                {"--tokens-file", tokens, "--drift-window", "120", "--drain-seconds", "0",
                 "--max-event-age", "864000", "--registry-poll-ms", "100", "--replica-name",
                 QStringLiteral("replica-%1").arg(r)},
                &error);
            QVERIFY2(s, qPrintable(error));
            scorers.push_back(std::move(s));
        }
        {
            auto control = fraud::v1::Control::NewStub(channelTo(scorers[0]->grpcAddress()));
            fraud::v1::SetCanaryRequest request;
            request.set_version("v2");
            request.set_weight_bp(5000);
            request.set_mode(fraud::v1::ROLLOUT_MODE_SPLIT);
            request.set_reason("drift test");
            request.set_expected_generation(1);
            fraud::v1::RolloutState state;
            const auto status =
                control->SetCanary(callContext("release-token").get(), request, &state);
            QVERIFY2(status.ok(), status.error_message().c_str());
        }
        for (auto& s : scorers) {
            QTRY_VERIFY_WITH_TIMEOUT(
                !std::isnan(sampleOf(scrape(*s), "fraud_scorer_feature_baseline_bins_count",
                                     {{"variant", "canary"}, {"bins", "v1"}})),
                20'000);
        }
        std::vector<ScrapeTarget> targets;
        for (auto& s : scorers)
            targets.push_back({QStringLiteral("127.0.0.1:%1").arg(s->metricsPort()), {}});
        QString error;
        auto prometheus = PrometheusProcess::start(targets, "fraud-scorer", &error);
        QVERIFY2(prometheus, qPrintable(error));
        // Prometheus holds every bucket at zero before the traffic starts, so increase() does
        // not extrapolate back before the first sample.
        QVERIFY(prometheus->waitFor(
            R"(count(fraud_scorer_feature_baseline_bins_bucket{variant="canary",bins="v1",feature="score"}))",
            [&](const QJsonArray& r) {
                return !r.isEmpty() && r[0].toObject()["value"].toArray()[1].toString().toInt() ==
                                           2 * 11;  // two replicas, ten bins and +Inf
            },
            std::chrono::seconds(30)));

        LoadgenRun load({"--target", scorers[0]->grpcAddress() + "," + scorers[1]->grpcAddress(),
                         "--mode", "open", "--rate", "1500", "--requests", "6000", "--warmup", "0",
                         "--cards", "3000"});
        const auto report = load.finish(&error);
        QVERIFY2(!report.isEmpty(), qPrintable(error));

        // Each replica's window holds all its scores, and Prometheus has its final counts.
        std::vector<QByteArray> metrics;
        for (auto& s : scorers) {
            QByteArray m;
            QTRY_VERIFY_WITH_TIMEOUT(
                [&] {
                    m = scrape(*s);
                    const double scored = sampleOf(m, "fraud_scorer_feature_baseline_bins_count",
                                                   {{"variant", "stable"}, {"feature", "score"}});
                    return scored > 0 && sampleOf(m, "fraud_scorer_drift_window_samples",
                                                  {{"variant", "stable"}}) == scored;
                }(),
                30'000);
            const double scored = sampleOf(m, "fraud_scorer_feature_baseline_bins_count",
                                           {{"variant", "stable"}, {"feature", "score"}});
            QVERIFY(prometheus->waitFor(
                QStringLiteral(R"(fraud_scorer_feature_baseline_bins_count{variant="stable",)"
                               R"(feature="score",instance="127.0.0.1:%1"})")
                    .arg(s->metricsPort()),
                [&](const QJsonArray& r) {
                    return !r.isEmpty() &&
                           r[0].toObject()["value"].toArray()[1].toString().toDouble() == scored;
                },
                std::chrono::seconds(30)));
            metrics.push_back(m);
        }

        const PrometheusEndpoint endpoint{prometheus->baseUrl(), {}, std::chrono::seconds(10)};
        // Every query at one moment: increase() extrapolates to the range's end.
        const auto at = QDateTime::currentDateTimeUtc();
        const auto countsFor = [&](const QString& selector) {
            const QueryContext context{"fraud-scorer", std::chrono::seconds(600)};
            const auto bins = prometheusQuery(
                endpoint, expandQuery(scorerQueries::featureBinIncrease(selector), context), at);
            const auto missing = prometheusQuery(
                endpoint, expandQuery(scorerQueries::featureMissingIncrease(selector), context),
                at);
            return driftCountsFrom(bins, missing);
        };
        const auto cluster = countsFor({});
        std::vector<DriftCounts> replicas;
        for (auto& s : scorers)
            replicas.push_back(
                countsFor(QStringLiteral(R"(instance="127.0.0.1:%1")").arg(s->metricsPort())));

        // The baselines, as the console reads them: ListModels.
        std::map<QString, ModelSummary> models;
        {
            auto control = fraud::v1::Control::NewStub(channelTo(scorers[0]->grpcAddress()));
            fraud::v1::ListModelsResponse list;
            QVERIFY(control->ListModels(callContext("release-token").get(), {}, &list).ok());
            for (const auto& info : list.models()) {
                if (auto summary = modelSummaryOf(info, nullptr))
                    models[summary->version] = *summary;
            }
        }
        QVERIFY(models.count("v1"));
        const auto baselineOf = [&](const QString& feature) {
            const auto& v1 = models.at("v1");
            return presentShares(feature == "score" ? *v1.scoreBaseline : v1.baselines.at(feature));
        };

        int compared = 0;
        for (std::size_t r = 0; r < scorers.size(); ++r) {
            const auto& counts = replicas[r];
            QVERIFY(!counts.bins.empty());
            for (const auto& [key, bins] : counts.bins) {
                if (key.bins != "v1")
                    continue;  // the canary on its own bins has no gauge
                double gauge = 0, console = 0;
                if (key.variant == "stable") {
                    gauge = sampleOf(metrics[r], "fraud_scorer_psi",
                                     {{"variant", "stable"},
                                      {"feature", key.feature},
                                      {"reference", "baseline"}});
                    console = psi(bins.shares(), baselineOf(key.feature));
                } else {
                    gauge = sampleOf(
                        metrics[r], "fraud_scorer_psi",
                        {{"variant", "canary"}, {"feature", key.feature}, {"reference", "stable"}});
                    const auto* stable = counts.find("stable", "v1", "v1", key.feature);
                    QVERIFY(stable);
                    console = psi(bins.shares(), stable->shares());
                }
                QVERIFY2(std::abs(console - gauge) <= 1e-6 * std::max(1.0, gauge),
                         qPrintable(QStringLiteral("replica %1 %2 %3: console %4, gauge %5")
                                        .arg(r)
                                        .arg(key.variant, key.feature)
                                        .arg(console, 0, 'g', 12)
                                        .arg(gauge, 0, 'g', 12)));
                ++compared;
            }
        }
        qInfo("%d PSI values compared with the replicas' gauges", compared);
        QVERIFY(compared >= 2 * 2 * 12);  // two replicas, two variants, every input and the score

        // The cluster's counts are the replicas' summed, bin by bin.
        for (const auto& [key, bins] : cluster.bins) {
            std::vector<double> sum(bins.counts.size(), 0.0);
            for (const auto& counts : replicas) {
                if (const auto* b = counts.find(key.variant, key.version, key.bins, key.feature)) {
                    QCOMPARE(b->counts.size(), sum.size());
                    for (std::size_t i = 0; i < sum.size(); ++i)
                        sum[i] += b->counts[i];
                }
            }
            for (std::size_t i = 0; i < sum.size(); ++i)
                QVERIFY(std::abs(sum[i] - bins.counts[i]) <= 1e-6 * std::max(1.0, sum[i]));
        }
        QVERIFY(cluster.find("canary", "v2", "v1", "amount"));
        QVERIFY(cluster.find("canary", "v2", "v2", "amount"));

        // The page's analysis of the cluster: the router splits cards, not traffic patterns,
        // so the canary's inputs are the stable's population: no feature drifted between them.
        const auto analysis = analyseDrift(cluster, models.at("v1"), "v2", {});
        QVERIFY(analysis.problem.isEmpty());
        QCOMPARE(analysis.features.size(), std::size_t(models.at("v1").features.size()));
        const double canaryScores = analysis.score.canary.samples;
        // increase() extrapolates each replica's counts to the range's end, by up to 1.1 scrape
        // intervals over the time it saw the counter move: more than were sent, by a share that
        // depends on how long the traffic took (3 % here in Release, 14 % under the sanitizers).
        const double scores = analysis.score.stable.samples + canaryScores;
        QVERIFY2(scores >= 6000 && scores < 9000, qPrintable(QString::number(scores)));
        QVERIFY2(canaryScores > scores / 3 && canaryScores < 2 * scores / 3,
                 qPrintable(QString::number(canaryScores)));
        for (const auto& row : analysis.features) {
            QVERIFY2(row.problem.isEmpty(), qPrintable(row.problem));
            QVERIFY(row.stable.present && row.canary.present);
            QCOMPARE(row.canary.samples, canaryScores);
            qInfo("%-24s canary vs stable PSI %.4f [%.4f, %.4f] %s", qPrintable(row.feature.name),
                  row.canary.estimate.psi, row.canary.estimate.lower, row.canary.estimate.upper,
                  verdictName(row.canary.estimate.verdict));
            if (!row.feature.cyclic)
                QVERIFY(row.canary.estimate.verdict != DriftVerdict::Drifted);
        }
    }
};

QTEST_MAIN(DriftReportTest)
#include "tst_drift_report.moc"
