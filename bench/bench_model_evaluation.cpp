// Per-row model evaluation and explanation: the scorer's flat evaluator and TreeSHAP against
// XGBoost's own C API on the same model, the same rows, in the same run.
//
// Baseline: XGBoosterPredictFromDense on one row, nthread=1 — what a request-at-a-time
// service calling XGBoost does. Figures are medians of repeated passes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "model/FastTreeShap.h"
#include "model/FlatForest.h"
#include "model/LoadedModel.h"
#include "model/TreeShap.h"
#include "model/XGBoostBooster.h"
#include "synth/TransactionGenerator.h"
#include "training/Trainer.h"

namespace {

using Clock = std::chrono::steady_clock;

// Median over `passes` of the time per item of `pass` (which handles `items` items).
template <typename F>
double nanosPerItem(std::size_t items, int passes, F&& pass) {
    std::vector<double> samples;
    for (int p = 0; p < passes; ++p) {
        const auto start = Clock::now();
        pass();
        samples.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
                          static_cast<double>(items));
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

volatile double sink;  // keeps results alive so the work is not optimized away

std::string perRow(double ns) {
    char buf[32];
    if (ns >= 1e6) {
        std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
    } else if (ns >= 1e3) {
        std::snprintf(buf, sizeof buf, "%.2f µs", ns / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f ns", ns);
    }
    return buf;
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = 300, depth = 6;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--rounds"))
            rounds = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--max-depth"))
            depth = std::atoi(argv[i + 1]);
    }

    // A model of the built-in schema trained on synthetic traffic, as fraud-train makes it.
    fraud::GeneratorConfig config;
    config.seed = 1;
    config.cards = 20000;
    config.start = 1767225600000;
    auto rows = fraud::synthesizeRows(config, 200'000);
    fraud::XGBoostBooster::TrainingParams params;
    params.rounds = rounds;
    params.maxDepth = depth;
    const auto trained = fraud::XGBoostBooster::train(
        rows.x, rows.labels, {}, fraud::FeatureSchema::builtinTransaction().features, params);
    const std::string json = trained.saveJson();
    const auto trees = fraud::TreeModel::fromXGBoostJson(json);
    const fraud::FlatForest forest(trees);
    const fraud::TreeShap shap(trees);
    const fraud::FastTreeShap fastShap(trees);
    auto booster = fraud::XGBoostBooster::fromJson(json);
    booster.setThreads(1);

    // Evaluation rows: the last 10,000 of the synthetic stream.
    constexpr std::size_t kRows = 10'000;
    fraud::DenseMatrix x{kRows, rows.x.cols, {}};
    x.values.assign(rows.x.values.end() - static_cast<long>(kRows * rows.x.cols),
                    rows.x.values.end());

    const double xgbSingle = nanosPerItem(2'000, 5, [&] {
        double s = 0;
        for (std::size_t r = 0; r < 2'000; ++r)
            s += booster.predictMarginOne(x.row(r));
        sink = s;
    });
    const double xgbBatch = nanosPerItem(kRows, 5, [&] {
        double s = 0;
        for (std::size_t r = 0; r + 256 <= kRows; r += 256) {
            fraud::DenseMatrix chunk{256,
                                     x.cols,
                                     {x.values.begin() + static_cast<long>(r * x.cols),
                                      x.values.begin() + static_cast<long>((r + 256) * x.cols)}};
            s += booster.predictMargin(chunk)[0];
        }
        sink = s;
    });
    const double flat = nanosPerItem(kRows, 9, [&] {
        double s = 0;
        for (std::size_t r = 0; r < kRows; ++r)
            s += forest.margin(x.row(r));
        sink = s;
    });
    const double reference = nanosPerItem(kRows, 5, [&] {
        double s = 0;
        for (std::size_t r = 0; r < kRows; ++r)
            s += trees.margin(x.row(r));
        sink = s;
    });
    constexpr std::size_t kExplained = 200;
    const double xgbContribs = nanosPerItem(kExplained, 3, [&] {
        double s = 0;
        for (std::size_t r = 0; r < kExplained; ++r) {
            fraud::DenseMatrix one{1, x.cols, {x.row(r).begin(), x.row(r).end()}};
            s += booster.contributions(one)[0];
        }
        sink = s;
    });
    std::vector<double> phi(x.cols);
    const double ourShap = nanosPerItem(kExplained, 3, [&] {
        double s = 0;
        for (std::size_t r = 0; r < kExplained; ++r) {
            shap.contributions(x.row(r), phi);
            s += phi[0];
        }
        sink = s;
    });

    const double fastExplain = nanosPerItem(2'000, 5, [&] {
        double s = 0;
        for (std::size_t r = 0; r < 2'000; ++r) {
            fastShap.contributions(x.row(r), phi);
            s += phi[0];
        }
        sink = s;
    });

    // Batches: XGBoost's contributions for 256 rows a call, and the lane-batched walk over the
    // same rows (what a ScoreStream batch with explanations, or a page of decisions, does).
    constexpr std::size_t kBatch = 256;
    const fraud::DenseMatrix explainBatch{
        kBatch, x.cols, {x.values.begin(), x.values.begin() + static_cast<long>(kBatch * x.cols)}};
    const double xgbContribsBatch =
        nanosPerItem(kBatch, 3, [&] { sink = booster.contributions(explainBatch)[0]; });
    std::vector<double> phiBatch(kBatch * x.cols);
    const double fastExplainBatch = nanosPerItem(2'048, 5, [&] {
        double s = 0;
        for (std::size_t r = 0; r + kBatch <= 2'048; r += kBatch) {
            fastShap.contributionsBatch(
                std::span<const float>(x.values).subspan(r * x.cols, kBatch * x.cols), phiBatch);
            s += phiBatch[0];
        }
        sink = s;
    });

    std::printf(
        "Model: %zu trees, max depth %d, %zu features, %zu nodes (XGBoost %s). "
        "Single thread; medians of repeated passes over %zu rows.\n\n",
        trees.trees.size(), trees.maxDepth(), trees.featureCount, trees.nodeCount(),
        fraud::XGBoostBooster::version().c_str(), kRows);
    std::printf("| measurement | per row | speed-up over the baseline |\n|---|---:|---:|\n");
    const auto line = [&](const char* what, double ns, double base) {
        std::printf("| %s | %s | %.1fx |\n", what, perRow(ns).c_str(), base / ns);
    };
    line("**baseline**: XGBoost `XGBoosterPredictFromDense`, one row a call", xgbSingle, xgbSingle);
    line("XGBoost `XGBoosterPredictFromDense`, 256 rows a call", xgbBatch, xgbSingle);
    line("reference traversal (`TreeModel::margin`, node arrays)", reference, xgbSingle);
    line("flat evaluator (`FlatForest::margin`), one row a call", flat, xgbSingle);
    std::printf(
        "\n| explanation (exact TreeSHAP) | per row | speed-up over the baseline "
        "|\n|---|---:|---:|\n");
    line("**baseline**: XGBoost exact contributions (`type: 2`), one row a call", xgbContribs,
         xgbContribs);
    line("`TreeShap::contributions` (Lundberg's algorithm 2, the reference)", ourShap, xgbContribs);
    line("`FastTreeShap::contributions` (path products at quadrature points)", fastExplain,
         xgbContribs);
    line("XGBoost exact contributions, 256 rows a call", xgbContribsBatch, xgbContribs);
    line("`FastTreeShap::contributionsBatch`, 256 rows a call (8 rows a vector)", fastExplainBatch,
         xgbContribs);
    return 0;
}
