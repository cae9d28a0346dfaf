#include "training/Trainer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <random>

#include "common/Sha256.h"
#include "common/Time.h"
#include "features/CardHistoryStore.h"
#include "features/TransactionFeatureExtractor.h"
#include "features/TransactionSchema.h"
#include "model/TreeModel.h"
#include "registry/ModelRegistry.h"
#include "synth/TransactionGenerator.h"
#include "training/ClassifierMetrics.h"
#include "training/CsvTable.h"
#include "training/Histogram.h"

namespace fraud {
namespace {

LabelledRows slice(const LabelledRows& all, const std::vector<std::size_t>& indices) {
    LabelledRows out;
    out.x.rows = indices.size();
    out.x.cols = all.x.cols;
    out.x.values.reserve(indices.size() * all.x.cols);
    for (std::size_t i : indices) {
        const auto row = all.x.row(i);
        out.x.values.insert(out.x.values.end(), row.begin(), row.end());
        out.labels.push_back(all.labels[i]);
        if (!all.evalWeights.empty())
            out.evalWeights.push_back(all.evalWeights[i]);
    }
    return out;
}

std::vector<std::size_t> range(std::size_t begin, std::size_t end) {
    std::vector<std::size_t> v(end - begin);
    std::iota(v.begin(), v.end(), begin);
    return v;
}

CsvTable toCsv(const FeatureSchema& schema, const LabelledRows& rows) {
    CsvTable t;
    t.columns = schema.features;
    t.columns.push_back("label");
    t.columns.push_back("weight");
    for (std::size_t r = 0; r < rows.x.rows; ++r) {
        const auto x = rows.x.row(r);
        std::vector<double> row(x.begin(), x.end());
        row.push_back(rows.labels[r]);
        row.push_back(rows.evalWeights.empty() ? 1.0 : rows.evalWeights[r]);
        t.rows.push_back(std::move(row));
    }
    return t;
}

}  // namespace

std::vector<float> probabilities(const XGBoostBooster& booster, const DenseMatrix& x) {
    auto margins = booster.predictMargin(x);
    for (float& m : margins)
        m = static_cast<float>(sigmoid(m));
    return margins;
}

nlohmann::json describeScores(const std::vector<float>& scores, const LabelledRows& rows,
                              const DecisionThresholds& thresholds) {
    auto j = evaluateScores(scores, rows.labels, rows.evalWeights).toJson();
    for (const auto& [name, t] :
         {std::pair{"review", thresholds.review}, std::pair{"decline", thresholds.decline}}) {
        const auto m = metricsAtThreshold(scores, rows.labels, rows.evalWeights, t);
        j[std::string("at_") + name] = {{"threshold", m.threshold},
                                        {"precision", m.precision},
                                        {"recall", m.recall},
                                        {"false_positive_rate", m.falsePositiveRate}};
    }
    j["population_weighted"] = std::any_of(rows.evalWeights.begin(), rows.evalWeights.end(),
                                           [](float w) { return w != 1.0f; });
    return j;
}

LabelledRows labelledRowsFromCsv(const FeatureSchema& schema, const CsvTable& t) {
    LabelledRows rows;
    rows.x.cols = schema.features.size();
    std::vector<std::size_t> cols;
    for (const auto& f : schema.features)
        cols.push_back(t.column(f));
    const auto label = t.column("label");
    const auto weight = t.column("weight");
    for (const auto& row : t.rows) {
        for (std::size_t c : cols)
            rows.x.values.push_back(static_cast<float>(row[c]));
        rows.labels.push_back(static_cast<float>(row[label]));
        rows.evalWeights.push_back(static_cast<float>(row[weight]));
    }
    rows.x.rows = t.rows.size();
    return rows;
}

nlohmann::json featureBaselines(const FeatureSchema& schema, const DenseMatrix& x) {
    nlohmann::json features = nlohmann::json::object();
    std::vector<float> column(x.rows);
    for (std::size_t f = 0; f < schema.features.size(); ++f) {
        for (std::size_t r = 0; r < x.rows; ++r)
            column[r] = x.row(r)[f];
        features[schema.features[f]] = Histogram::fromQuantiles(column, kBaselineBins).toJson();
    }
    return features;
}

LabelledRows synthesizeRows(const GeneratorConfig& config, std::size_t count,
                            EpochMillis historyWarmup) {
    TransactionGenerator generator(config);
    CardHistoryStore store;
    TransactionFeatureExtractor extractor(store);
    // The cards' first simulated day only fills their histories: live traffic comes from cards
    // that have one, so rows (and the drift baselines drawn from them) start warm, and a
    // warmed-up cluster does not read as drifted in its 24-hour velocity features.
    std::vector<float> scratch(kTransactionFeatureCount);
    while (generator.peekTime() < config.start + historyWarmup)
        extractor.extract(generator.next().tx, scratch, /*record=*/true);
    LabelledRows rows;
    rows.x.cols = kTransactionFeatureCount;
    rows.x.rows = count;
    rows.x.values.resize(count * kTransactionFeatureCount);
    rows.labels.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const auto g = generator.next();
        extractor.extract(g.tx, rows.x.row(i), /*record=*/true);
        rows.labels.push_back(g.fraud ? 1.0f : 0.0f);
    }
    return rows;
}

TrainingOutcome trainModel(const TrainingRequest& request, ModelRegistry& registry) {
    const auto started = std::chrono::steady_clock::now();
    const LabelledRows& all = request.rows;
    const std::size_t n = all.x.rows;
    if (n < 100)
        throw std::runtime_error("training needs at least 100 rows, got " + std::to_string(n));
    const std::size_t trainEnd = n * 6 / 10;
    const std::size_t validationEnd = n * 7 / 10;
    const LabelledRows train = slice(all, range(0, trainEnd));
    const LabelledRows validation = slice(all, range(trainEnd, validationEnd));
    const LabelledRows holdout = slice(all, range(validationEnd, n));
    const auto positives = std::count(train.labels.begin(), train.labels.end(), 1.0f);
    if (positives == 0 || positives == static_cast<long>(train.labels.size())) {
        throw std::runtime_error("the training slice has a single class");
    }

    const auto booster =
        XGBoostBooster::train(train.x, train.labels, {}, request.schema.features, request.params);
    const auto validationScores = probabilities(booster, validation.x);
    const auto holdoutScores = probabilities(booster, holdout.x);

    DecisionThresholds thresholds;
    thresholds.decline =
        thresholdForFalsePositiveRate(validationScores, validation.labels, validation.evalWeights,
                                      request.declineFalsePositiveRate);
    thresholds.review = std::min(
        thresholds.decline,
        thresholdForFalsePositiveRate(validationScores, validation.labels, validation.evalWeights,
                                      request.reviewFalsePositiveRate));

    TrainingOutcome out;
    out.modelJson = booster.saveJson();
    ModelManifest& m = out.manifest;
    m.version = request.version;
    m.createdAt = formatRfc3339(wallClockMillis());
    m.schema = request.schema;
    m.thresholds = thresholds;
    m.modelSha256 = sha256Hex(out.modelJson);
    const TreeModel trees = TreeModel::fromXGBoostJson(out.modelJson);
    m.model = {{"format", "xgboost-json"},
               {"objective", trees.objective},
               {"trees", trees.trees.size()},
               {"max_depth", trees.maxDepth()},
               {"nodes", trees.nodeCount()}};

    m.metrics["holdout"] = describeScores(holdoutScores, holdout, thresholds);
    m.metrics["split"] = {{"method", "time-ordered"},
                          {"train_rows", train.x.rows},
                          {"validation_rows", validation.x.rows},
                          {"holdout_rows", holdout.x.rows}};

    // The registry's evaluation set: the same rows for every version of a schema.
    const auto evalPath = registry.evalSetPath(request.schema);
    LabelledRows evalSet;
    if (std::filesystem::exists(evalPath)) {
        evalSet = labelledRowsFromCsv(request.schema, CsvTable::read(evalPath));
    } else {
        evalSet = holdout;
        if (evalSet.evalWeights.empty())
            evalSet.evalWeights.assign(evalSet.x.rows, 1.0f);
        toCsv(request.schema, evalSet).writeAtomically(evalPath);
    }
    auto evalJson = describeScores(probabilities(booster, evalSet.x), evalSet, thresholds);
    evalJson["file"] = std::filesystem::relative(evalPath, registry.root()).string();
    m.metrics["registry_eval"] = evalJson;

    if (request.compareRandomSplit) {
        // Stratified: 70 % of each class, drawn at random, trains; the rest evaluates.
        std::mt19937_64 rng(static_cast<std::uint64_t>(request.params.seed));
        std::vector<std::size_t> fraud, legit, trainIdx, testIdx;
        for (std::size_t i = 0; i < n; ++i)
            (all.labels[i] > 0.5f ? fraud : legit).push_back(i);
        for (auto* cls : {&fraud, &legit}) {
            std::shuffle(cls->begin(), cls->end(), rng);
            const std::size_t cut = cls->size() * 7 / 10;
            trainIdx.insert(trainIdx.end(), cls->begin(), cls->begin() + static_cast<long>(cut));
            testIdx.insert(testIdx.end(), cls->begin() + static_cast<long>(cut), cls->end());
        }
        const LabelledRows rTrain = slice(all, trainIdx);
        const LabelledRows rTest = slice(all, testIdx);
        const auto rBooster = XGBoostBooster::train(rTrain.x, rTrain.labels, {},
                                                    request.schema.features, request.params);
        auto j = evaluateScores(probabilities(rBooster, rTest.x), rTest.labels, rTest.evalWeights)
                     .toJson();
        j["population_weighted"] = !rTest.evalWeights.empty();
        if (!rTest.evalWeights.empty()) {
            j["unweighted"] =
                evaluateScores(probabilities(rBooster, rTest.x), rTest.labels).toJson();
        }
        m.metrics["random_split"] = j;
    }
    if (!holdout.evalWeights.empty()) {
        m.metrics["holdout_unweighted"] = evaluateScores(holdoutScores, holdout.labels).toJson();
    }

    // Baselines for drift: every feature over the training rows, the score over the hold-out
    // (out-of-sample, as live traffic will be).
    m.baseline = {{"features", featureBaselines(request.schema, train.x)},
                  {"score", Histogram::fromQuantiles(holdoutScores, kBaselineBins).toJson()}};

    const auto& p = request.params;
    m.training = request.provenance;
    m.training["trainer"] = "fraud-train";
    m.training["xgboost_version"] = XGBoostBooster::version();
    m.training["rows"] = n;
    m.training["fraud_rows"] = std::count(all.labels.begin(), all.labels.end(), 1.0f);
    m.training["params"] = {{"rounds", p.rounds},
                            {"max_depth", p.maxDepth},
                            {"eta", p.eta},
                            {"subsample", p.subsample},
                            {"colsample_bytree", p.colsampleByTree},
                            {"min_child_weight", p.minChildWeight},
                            {"scale_pos_weight", p.scalePosWeight},
                            {"seed", p.seed}};
    m.training["threshold_rule"] = {
        {"decline_false_positive_rate", request.declineFalsePositiveRate},
        {"review_false_positive_rate", request.reviewFalsePositiveRate}};
    m.training["duration_seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

}  // namespace fraud
