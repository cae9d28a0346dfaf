#pragma once

#include <QString>
#include <QWidget>
#include <vector>

namespace fraudops {

// One bar of a waterfall: what moved the running total, and by how much.
struct WaterfallStep {
    QString label;   // e.g. "amount = 714.19"
    QString detail;  // a second line, e.g. "above 99 % of training"
    double delta = 0;
};

// A value marked across the whole chart (a decision threshold).
struct WaterfallMarker {
    double value = 0;
    QString label;
};

// A start, the steps that move it, and where they end: an explanation's base value, each
// feature's contribution and the margin.
struct WaterfallData {
    QString startLabel;  // e.g. "base value"
    double start = 0;
    std::vector<WaterfallStep> steps;
    QString endLabel;  // e.g. "margin -1.92 → score 0.128"
    std::vector<WaterfallMarker> markers;

    double end() const;  // start + every step
};

// Draws WaterfallData as horizontal bars, one row per step, each bar from the running total
// before it to the one after it (increases in one colour, decreases in another), the start
// and end as bars from zero, and the markers as dashed vertical lines through every row.
// Painted, not a Qt Charts series: a waterfall's floating bars and per-row labels are not a
// chart type there, and a few dozen rects paint in microseconds.
class WaterfallChart : public QWidget {
    Q_OBJECT
public:
    explicit WaterfallChart(QWidget* parent = nullptr);

    void setData(WaterfallData data);
    const WaterfallData& data() const { return data_; }
    void setIncreaseColor(const QColor& color) { increase_ = color; }
    void setDecreaseColor(const QColor& color) { decrease_ = color; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    WaterfallData data_;
    QColor increase_{0xc6, 0x28, 0x28};  // toward fraud
    QColor decrease_{0x2e, 0x7d, 0x32};  // toward legitimate
};

}  // namespace fraudops
