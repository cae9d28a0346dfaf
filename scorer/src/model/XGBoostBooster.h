#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fraud {

// Rows of float features in row-major order; NaN marks a missing value.
struct DenseMatrix {
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<float> values;

    std::span<const float> row(std::size_t r) const { return {values.data() + r * cols, cols}; }
    std::span<float> row(std::size_t r) { return {values.data() + r * cols, cols}; }
};

// Owns an XGBoost booster through the C API. Used to train, and as the reference every
// model the scorer loads is checked against. Errors become std::runtime_error carrying
// XGBoost's own message.
class XGBoostBooster {
public:
    struct TrainingParams {
        int rounds = 300;
        int maxDepth = 6;
        double eta = 0.1;
        double subsample = 0.8;
        double colsampleByTree = 0.8;
        double minChildWeight = 1;
        double scalePosWeight = 1;
        int seed = 42;
        int threads = 0;  // 0: all cores
    };

    static XGBoostBooster fromJson(std::string_view modelJson);
    static XGBoostBooster train(const DenseMatrix& x, std::span<const float> labels,
                                std::span<const float> weights,
                                std::span<const std::string> featureNames,
                                const TrainingParams& params);

    XGBoostBooster(XGBoostBooster&& other) noexcept
        : handle_(std::exchange(other.handle_, nullptr)) {}
    XGBoostBooster& operator=(XGBoostBooster&& other) noexcept;
    XGBoostBooster(const XGBoostBooster&) = delete;
    XGBoostBooster& operator=(const XGBoostBooster&) = delete;
    ~XGBoostBooster();

    void setThreads(int threads);
    // Margins of all rows through XGBoosterPredictFromDense (in-place prediction).
    std::vector<float> predictMargin(const DenseMatrix& x) const;
    // Margin of one row, the way a request-at-a-time service would call XGBoost.
    float predictMarginOne(std::span<const float> row) const;
    // Exact TreeSHAP contributions, rows x (cols + 1), the last column the bias.
    std::vector<float> contributions(const DenseMatrix& x) const;
    std::string saveJson() const;

    static std::string version();

private:
    explicit XGBoostBooster(void* handle) : handle_(handle) {}
    void* handle_ = nullptr;
};

}  // namespace fraud
