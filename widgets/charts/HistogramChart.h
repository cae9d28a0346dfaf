#pragma once

#include <QColor>
#include <QString>
#include <QWidget>
#include <vector>

namespace fraudops {

// One distribution over the chart's bins: shares (or counts) per bin.
struct HistogramSeries {
    QString name;
    QColor color;
    std::vector<double> values;  // one per bin
};

// Distributions over the same bins, side by side in each bin (a training baseline beside the
// live stable and canary, say), with a legend. Fed plain values; shares are drawn as they are,
// so series of different sizes compare when given as fractions.
class HistogramChart : public QWidget {
    Q_OBJECT
public:
    explicit HistogramChart(QWidget* parent = nullptr);

    // `binLabels`: one per bin, drawn under it when there is room (e.g. "0.05").
    void setData(std::vector<QString> binLabels, std::vector<HistogramSeries> series);
    void setValueSuffix(const QString& suffix) { suffix_ = suffix; }
    const std::vector<HistogramSeries>& series() const { return series_; }
    std::size_t bins() const { return labels_.size(); }

    QSize sizeHint() const override { return {480, 220}; }
    QSize minimumSizeHint() const override { return {240, 140}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<QString> labels_;
    std::vector<HistogramSeries> series_;
    QString suffix_;
};

}  // namespace fraudops
