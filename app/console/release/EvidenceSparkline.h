#pragma once

#include <QWidget>
#include <utility>
#include <vector>

namespace fraudops {

// A gate's evidence over its step, small: −log10 of the anytime-valid p-value (or a flip
// share) look by look, with the line where it would decide. Drawn by hand: a sparkline needs no
// axes, and a chart per gate would cost more than the table it sits in.
class EvidenceSparkline : public QWidget {
    Q_OBJECT
public:
    explicit EvidenceSparkline(QWidget* parent = nullptr);

    // (seconds into the step, value); `decideAt`: the value at which the gate decides (0: none).
    void setPoints(std::vector<std::pair<double, double>> points, double decideAt,
                   const QString& caption);
    std::size_t pointCount() const { return points_.size(); }

    QSize sizeHint() const override { return {360, 70}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<std::pair<double, double>> points_;
    double decideAt_ = 0;
    QString caption_;
};

}  // namespace fraudops
