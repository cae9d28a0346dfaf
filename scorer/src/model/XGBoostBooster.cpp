#include "model/XGBoostBooster.h"

#include <xgboost/c_api.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace fraud {
namespace {

void check(int rc, const char* what) {
    if (rc != 0) {
        throw std::runtime_error(std::string("XGBoost ") + what + ": " + XGBGetLastError());
    }
}

// XGBoost's __array_interface__ description of a float32 matrix.
std::string arrayInterface(const float* data, std::size_t rows, std::size_t cols) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  R"({"data": [%llu, true], "shape": [%zu, %zu], "typestr": "<f4", "version": 3})",
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(data)), rows,
                  cols);
    return buf;
}

class DMatrix {
public:
    explicit DMatrix(const DenseMatrix& x) {
        check(XGDMatrixCreateFromMat(x.values.data(), x.rows, x.cols,
                                     std::numeric_limits<float>::quiet_NaN(), &handle_),
              "creating a DMatrix");
    }
    ~DMatrix() { XGDMatrixFree(handle_); }
    DMatrix(const DMatrix&) = delete;
    DMatrix& operator=(const DMatrix&) = delete;
    DMatrixHandle get() const { return handle_; }

private:
    DMatrixHandle handle_ = nullptr;
};

constexpr const char* kMarginConfig =
    R"({"type": 1, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "missing": NaN, "cache_id": 0})";

}  // namespace

XGBoostBooster& XGBoostBooster::operator=(XGBoostBooster&& other) noexcept {
    if (this != &other) {
        if (handle_)
            XGBoosterFree(handle_);
        handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
}

XGBoostBooster::~XGBoostBooster() {
    if (handle_)
        XGBoosterFree(handle_);
}

std::string XGBoostBooster::version() {
    int major = 0, minor = 0, patch = 0;
    XGBoostVersion(&major, &minor, &patch);
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

XGBoostBooster XGBoostBooster::fromJson(std::string_view modelJson) {
    BoosterHandle handle = nullptr;
    check(XGBoosterCreate(nullptr, 0, &handle), "creating a booster");
    XGBoostBooster booster(handle);
    check(XGBoosterLoadModelFromBuffer(handle, modelJson.data(), modelJson.size()),
          "loading a model");
    booster.setThreads(1);
    return booster;
}

XGBoostBooster XGBoostBooster::train(const DenseMatrix& x, std::span<const float> labels,
                                     std::span<const float> weights,
                                     std::span<const std::string> featureNames,
                                     const TrainingParams& p) {
    if (labels.size() != x.rows)
        throw std::invalid_argument("train: one label per row");
    DMatrix dtrain(x);
    check(XGDMatrixSetFloatInfo(dtrain.get(), "label", labels.data(), labels.size()),
          "setting labels");
    if (!weights.empty()) {
        check(XGDMatrixSetFloatInfo(dtrain.get(), "weight", weights.data(), weights.size()),
              "setting weights");
    }
    std::vector<const char*> names;
    for (const auto& n : featureNames)
        names.push_back(n.c_str());
    if (!names.empty()) {
        check(XGDMatrixSetStrFeatureInfo(dtrain.get(), "feature_name", names.data(), names.size()),
              "setting feature names");
    }
    BoosterHandle handle = nullptr;
    DMatrixHandle matrices[] = {dtrain.get()};
    check(XGBoosterCreate(matrices, 1, &handle), "creating a booster");
    XGBoostBooster booster(handle);
    const auto set = [&](const char* key, const std::string& value) {
        check(XGBoosterSetParam(handle, key, value.c_str()), key);
    };
    set("objective", "binary:logistic");
    set("base_score", "0.5");
    set("tree_method", "hist");
    set("eval_metric", "aucpr");
    set("max_depth", std::to_string(p.maxDepth));
    set("eta", std::to_string(p.eta));
    set("subsample", std::to_string(p.subsample));
    set("colsample_bytree", std::to_string(p.colsampleByTree));
    set("min_child_weight", std::to_string(p.minChildWeight));
    set("scale_pos_weight", std::to_string(p.scalePosWeight));
    set("seed", std::to_string(p.seed));
    set("nthread", std::to_string(p.threads));
    for (int i = 0; i < p.rounds; ++i) {
        check(XGBoosterUpdateOneIter(handle, i, dtrain.get()), "training");
    }
    return booster;
}

void XGBoostBooster::setThreads(int threads) {
    check(XGBoosterSetParam(handle_, "nthread", std::to_string(threads).c_str()), "nthread");
}

std::vector<float> XGBoostBooster::predictMargin(const DenseMatrix& x) const {
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
    const auto values = arrayInterface(x.values.data(), x.rows, x.cols);
    check(XGBoosterPredictFromDense(handle_, values.c_str(), kMarginConfig, nullptr, &shape, &dim,
                                    &result),
          "predicting");
    return std::vector<float>(result, result + x.rows);
}

float XGBoostBooster::predictMarginOne(std::span<const float> row) const {
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
    const auto values = arrayInterface(row.data(), 1, row.size());
    check(XGBoosterPredictFromDense(handle_, values.c_str(), kMarginConfig, nullptr, &shape, &dim,
                                    &result),
          "predicting");
    return result[0];
}

std::vector<float> XGBoostBooster::contributions(const DenseMatrix& x) const {
    DMatrix dm(x);
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
    check(
        XGBoosterPredictFromDMatrix(
            handle_, dm.get(),
            R"({"type": 2, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})",
            &shape, &dim, &result),
        "computing contributions");
    return std::vector<float>(result, result + x.rows * (x.cols + 1));
}

std::string XGBoostBooster::saveJson() const {
    bst_ulong length = 0;
    const char* data = nullptr;
    check(XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &length, &data),
          "saving the model");
    return std::string(data, length);
}

}  // namespace fraud
