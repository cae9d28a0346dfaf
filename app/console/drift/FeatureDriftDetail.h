#pragma once

#include <QWidget>

#include "drift/DriftReport.h"

class QLabel;

namespace fraudops {

class HistogramChart;

// One feature (or the score) against its reference: the training baseline's shares per bin
// beside the stable's over the range and the canary's (on the stable's bins), and what the
// feature is made of in the raw transaction (the dependency map).
class FeatureDriftDetail : public QWidget {
    Q_OBJECT
public:
    // `showDependencies`: false for the score, which is the model's, not the transaction's.
    explicit FeatureDriftDetail(bool showDependencies, QWidget* parent = nullptr);

    void showRow(const FeatureDriftRow& row, const DriftReport& report);
    void clear(const QString& why);
    const HistogramChart* chart() const { return chart_; }
    QString titleText() const;
    QString dependencyText() const;

private:
    bool showDependencies_;
    QLabel* title_;
    QLabel* dependencies_;
    HistogramChart* chart_;
};

// Bin labels of upper edges: "≤ 12.5" for each, "> 80" for the open last bin.
std::vector<QString> binLabels(const std::vector<double>& upperEdges);

}  // namespace fraudops
