#pragma once

#include <QFrame>
#include <QLabel>
#include <optional>
#include <vector>

namespace fraudops {

class Sparkline;

// A big value with its unit, coloured by thresholds, with a sparkline of its recent values.
// Fed with plain values; an unknown value shows as "—" with the reason beneath.
class StatTile : public QFrame {
    Q_OBJECT
public:
    enum class Level { Unknown, Good, Warning, Critical };
    struct Thresholds {
        double warning = 0;
        double critical = 0;
        bool higherIsWorse = true;
    };

    StatTile(const QString& title, const QString& unit, QWidget* parent = nullptr);

    void setThresholds(std::optional<Thresholds> thresholds);
    // The value; `text` replaces its formatting (e.g. "2 / 3"), `detail` is the small line.
    void setValue(std::optional<double> value, const QString& text = {},
                  const QString& detail = {});
    // The level when no thresholds apply (e.g. replicas up against desired).
    void setLevel(Level level);
    void setSparkline(std::vector<double> values);

    Level level() const { return level_; }
    QString valueText() const { return value_->text(); }
    QString detailText() const { return detail_->text(); }
    bool hasValue() const { return current_.has_value(); }

private:
    void applyLevel();

    QLabel* title_;
    QLabel* value_;
    QLabel* unit_;
    QLabel* detail_;
    Sparkline* sparkline_;
    std::optional<Thresholds> thresholds_;
    std::optional<double> current_;
    QString text_;
    Level level_ = Level::Unknown;
    // The level whose colours the style sheets hold: setting a style sheet re-polishes the
    // tile and its labels and lays them out again, so it is done only when the level changes,
    // not at every value (eight tiles, every second).
    std::optional<Level> styled_;
};

}  // namespace fraudops
