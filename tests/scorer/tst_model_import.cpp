// A model trained the way data scientists train one (XGBoost's Python package), imported with
// fraud-train import, serves predictions equal to XGBoost's own; imports that cannot be
// made whole are refused with a reason.
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"

using namespace fraudops::test;

namespace {

// Trains on the ULB sample with feature names, saves the JSON model, and writes the first
// 500 rows with XGBoost's own predictions for them.
constexpr const char* kTrainScript = R"py(
import csv, json, sys
import numpy as np, xgboost as xgb
rows = list(csv.DictReader(open(sys.argv[1])))
features = [c for c in rows[0].keys() if c not in ("Class", "Time")]
X = np.array([[float(r[f]) for f in features] for r in rows], dtype=np.float32)
y = np.array([float(r["Class"]) for r in rows])
booster = xgb.train({"objective": "binary:logistic", "max_depth": 5, "eta": 0.2, "seed": 3,
                     "nthread": 2}, xgb.DMatrix(X, label=y, feature_names=features), 80)
booster.save_model(sys.argv[2])
p = booster.predict(xgb.DMatrix(X[:500], feature_names=features))
levels = [0.1] + list(range(1, 100)) + [99.9]
percentiles = {f: [float(v) for v in np.percentile(X[:, i], levels)] for i, f in enumerate(features)}
json.dump({"features": features, "rows": X[:500].tolist(), "predictions": [float(v) for v in p],
           "percentiles": percentiles}, open(sys.argv[3], "w"))
)py";

struct Run {
    int exitCode = -1;
    QString out, err;
};

Run run(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    Run r;
    if (!p.waitForFinished(120'000))
        return r;
    r.exitCode = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

}  // namespace

class ModelImportTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString csv_;

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        csv_ = dataDir() + "/ulb_creditcard_sample.csv";
        QFile script(dir_.filePath("train.py"));
        QVERIFY(script.open(QIODevice::WriteOnly));
        script.write(kTrainScript);
        script.close();
        // Debian's python3-xgboost: its interpreter, whatever python3 comes first on PATH.
        const auto trained =
            run("/usr/bin/python3", {dir_.filePath("train.py"), csv_, dir_.filePath("model.json"),
                                     dir_.filePath("expected.json")});
        QVERIFY2(trained.exitCode == 0, qPrintable(trained.err));
    }

    void importedModelServesXGBoostsPredictions() {
        const QString registry = dir_.filePath("registry");
        copyRegistry(vectorRegistry(), registry);
        const auto imported =
            run(trainerBinary(),
                {"import", "--registry", registry, "--model", dir_.filePath("model.json"),
                 "--reference", csv_, "--label", "Class", "--schema-name", "ulb-creditcard",
                 "--version", "v2-python", "--set-stable", "yes", "--who", "data-science"});
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.err));
        const auto summary = QJsonDocument::fromJson(imported.out.toUtf8()).object();
        QCOMPARE(summary.value("schema").toString(), QString("vector/ulb-creditcard/v1"));
        QVERIFY(summary.value("metrics").toObject().contains("registry_eval"));

        QString error;
        auto scorer = ScorerProcess::start(registry, {"--drain-seconds", "0"}, &error);
        QVERIFY2(scorer, qPrintable(error));
        QCOMPARE(scorer->ready().value("model_version").toString(), QString("v2-python"));

        QFile file(dir_.filePath("expected.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto expected = QJsonDocument::fromJson(file.readAll()).object();
        const auto features = expected.value("features").toArray();
        const auto rows = expected.value("rows").toArray();
        const auto predictions = expected.value("predictions").toArray();
        auto stub = fraud::v1::Scoring::NewStub(channelTo(scorer->grpcAddress()));
        double worst = 0;
        for (int r = 0; r < rows.size(); ++r) {
            fraud::v1::ScoreRequest request;
            auto* tx = request.mutable_transaction();
            tx->set_transaction_id("imported-" + std::to_string(r));
            const auto row = rows[r].toArray();
            for (int f = 0; f < features.size(); ++f)
                (*tx->mutable_features())[features[f].toString().toStdString()] = row[f].toDouble();
            fraud::v1::ScoreResult result;
            auto context = callContext();
            const auto status = stub->Score(context.get(), request, &result);
            QVERIFY2(status.ok(), status.error_message().c_str());
            QCOMPARE(result.model_version(), std::string("v2-python"));
            worst = std::max(worst, std::abs(result.score() - predictions[r].toDouble()));
        }
        qInfo("%lld rows: worst |scorer - XGBoost Python| = %.3g", qlonglong(rows.size()), worst);
        QVERIFY2(worst <= 1e-5, qPrintable(QString::number(worst)));

        // The manifest's baselines carry the reference data's percentiles, as numpy has them,
        // so the console can say where a value falls ("above 99 % of training").
        QFile manifestFile(registry + "/models/v2-python/manifest.json");
        QVERIFY(manifestFile.open(QIODevice::ReadOnly));
        const auto baselines = QJsonDocument::fromJson(manifestFile.readAll())
                                   .object()
                                   .value("baseline")
                                   .toObject()
                                   .value("features")
                                   .toObject();
        const auto percentiles = expected.value("percentiles").toObject();
        for (const auto feature : {"V14", "Amount"}) {
            const auto stored = baselines.value(feature).toObject().value("percentiles").toObject();
            const auto levels = stored.value("levels").toArray();
            const auto values = stored.value("values").toArray();
            const auto numpy = percentiles.value(feature).toArray();
            QCOMPARE(levels.size(), 101);
            QCOMPARE(values.size(), numpy.size());
            QCOMPARE(levels[0].toDouble(), 0.001);
            QCOMPARE(levels[100].toDouble(), 0.999);
            for (int i = 0; i < values.size(); ++i) {
                const double want = numpy[i].toDouble();
                QVERIFY2(
                    std::abs(values[i].toDouble() - want) <= 1e-4 * std::max(1.0, std::abs(want)),
                    qPrintable(QString("%1 p%2: %3, numpy %4")
                                   .arg(feature)
                                   .arg(levels[i].toDouble() * 100)
                                   .arg(values[i].toDouble())
                                   .arg(want)));
            }
        }
    }

    void importsThatCannotBeMadeWholeAreRefused() {
        const QString registry = dir_.filePath("refused");
        copyRegistry(vectorRegistry(), registry);
        // No label in the reference and no thresholds given.
        const auto unlabelled =
            run(trainerBinary(), {"import", "--registry", registry, "--model",
                                  dir_.filePath("model.json"), "--reference", csv_, "--label",
                                  "no-such-column", "--schema-name", "ulb-creditcard"});
        QCOMPARE(unlabelled.exitCode, 1);
        QVERIFY2(unlabelled.err.contains("--review-threshold"), qPrintable(unlabelled.err));
        // Not transaction features, and no vector schema named.
        const auto unnamed = run(trainerBinary(), {"import", "--registry", registry, "--model",
                                                   dir_.filePath("model.json"), "--reference", csv_,
                                                   "--label", "Class"});
        QCOMPARE(unnamed.exitCode, 1);
        QVERIFY2(unnamed.err.contains("--schema-name"), qPrintable(unnamed.err));
        // A reference without the model's columns (the transaction registry's evaluation set).
        const auto narrow =
            run(trainerBinary(),
                {"import", "--registry", registry, "--model", dir_.filePath("model.json"),
                 "--reference", transactionRegistry() + "/eval/transaction_v1.csv", "--schema-name",
                 "x"});
        QCOMPARE(narrow.exitCode, 1);
        QVERIFY2(narrow.err.contains("V1"), qPrintable(narrow.err));
        // Nothing was added.
        QVERIFY(!QFileInfo::exists(registry + "/models/v2"));
    }
};

QTEST_GUILESS_MAIN(ModelImportTest)
#include "tst_model_import.moc"
