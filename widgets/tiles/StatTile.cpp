#include "tiles/StatTile.h"

#include <QHBoxLayout>
#include <QPainter>
#include <QPainterPath>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace fraudops {

// The tile's recent values as a line, scaled to its own range.
class Sparkline : public QWidget {
public:
    explicit Sparkline(QWidget* parent) : QWidget(parent) { setMinimumHeight(28); }
    void setValues(std::vector<double> v) {
        values_ = std::move(v);
        update();
    }
    void setColour(QColor c) {
        colour_ = c;
        update();
    }

protected:
    void paintEvent(QPaintEvent*) override {
        std::vector<double> finite;
        std::copy_if(values_.begin(), values_.end(), std::back_inserter(finite),
                     [](double v) { return std::isfinite(v); });
        if (finite.size() < 2)
            return;
        const auto [lo, hi] = std::minmax_element(finite.begin(), finite.end());
        const double span = *hi > *lo ? *hi - *lo : 1.0;
        QPainterPath path;
        bool started = false;
        for (std::size_t i = 0; i < values_.size(); ++i) {
            if (!std::isfinite(values_[i])) {
                started = false;
                continue;
            }
            const double x =
                static_cast<double>(i) * (width() - 2) / static_cast<double>(values_.size() - 1) +
                1;
            const double y = height() - 2 - (values_[i] - *lo) / span * (height() - 4);
            if (started)
                path.lineTo(x, y);
            else
                path.moveTo(x, y);
            started = true;
        }
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(QPen(colour_, 1.5));
        p.drawPath(path);
    }

private:
    std::vector<double> values_;
    QColor colour_ = QColor(80, 80, 80);
};

namespace {

QString format(double v) {
    const double a = std::abs(v);
    if (a >= 1e6)
        return QString::number(v / 1e6, 'f', 2) + " M";
    if (a >= 1e4)
        return QString::number(v / 1e3, 'f', 1) + " k";
    if (a >= 100)
        return QString::number(v, 'f', 0);
    if (a >= 1)
        return QString::number(v, 'f', 2);
    return QString::number(v, 'g', 3);
}

}  // namespace

StatTile::StatTile(const QString& title, const QString& unit, QWidget* parent)
    : QFrame(parent),
      title_(new QLabel(title, this)),
      value_(new QLabel("—", this)),
      unit_(new QLabel(unit, this)),
      detail_(new QLabel(this)),
      sparkline_(new Sparkline(this)) {
    setFrameShape(QFrame::StyledPanel);
    setObjectName("StatTile");
    QFont big = value_->font();
    big.setPointSizeF(big.pointSizeF() * 2.2);
    big.setBold(true);
    value_->setFont(big);
    QFont small = detail_->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    detail_->setFont(small);
    detail_->setWordWrap(true);
    auto* valueRow = new QHBoxLayout;
    valueRow->addWidget(value_);
    valueRow->addWidget(unit_, 0, Qt::AlignBottom);
    valueRow->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(title_);
    layout->addLayout(valueRow);
    layout->addWidget(detail_);
    layout->addWidget(sparkline_);
    setMinimumWidth(170);
    applyLevel();
}

void StatTile::setThresholds(std::optional<Thresholds> thresholds) {
    thresholds_ = thresholds;
    setValue(current_, text_, detail_->text());
}

void StatTile::setValue(std::optional<double> value, const QString& text, const QString& detail) {
    current_ = value;
    text_ = text;
    value_->setText(!text.isEmpty() ? text : value ? format(*value) : QStringLiteral("—"));
    detail_->setText(detail);
    detail_->setVisible(!detail.isEmpty());
    if (thresholds_) {
        if (!value || !std::isfinite(*value)) {
            level_ = Level::Unknown;
        } else {
            const auto& t = *thresholds_;
            const double v = t.higherIsWorse ? *value : -*value;
            const double w = t.higherIsWorse ? t.warning : -t.warning;
            const double c = t.higherIsWorse ? t.critical : -t.critical;
            level_ = v >= c ? Level::Critical : v >= w ? Level::Warning : Level::Good;
        }
    } else if (!value && text.isEmpty()) {
        level_ = Level::Unknown;
    }
    applyLevel();
}

void StatTile::setLevel(Level level) {
    level_ = level;
    applyLevel();
}

void StatTile::setSparkline(std::vector<double> values) {
    sparkline_->setValues(std::move(values));
}

void StatTile::applyLevel() {
    if (styled_ == level_)
        return;
    styled_ = level_;
    static const QColor kColours[] = {QColor(117, 117, 117), QColor(46, 125, 50),
                                      QColor(239, 108, 0), QColor(198, 40, 40)};
    const QColor c = kColours[static_cast<int>(level_)];
    value_->setStyleSheet(QStringLiteral("color: %1;").arg(c.name()));
    setStyleSheet(QStringLiteral("#StatTile { border: 1px solid #ccc; border-left: 5px solid %1;"
                                 " border-radius: 4px; background: white; }")
                      .arg(c.name()));
    sparkline_->setColour(c);
}

}  // namespace fraudops
