#pragma once

#include <QWidget>

#include "TimeRange.h"

class QComboBox;

namespace fraudops {

// The range every page shows: presets (last 5 m to 7 d) and "Custom…", which asks for an
// absolute from-to range (an incident's, say) that stays put while the clock moves.
class TimeRangePicker : public QWidget {
    Q_OBJECT
public:
    explicit TimeRangePicker(QWidget* parent = nullptr);

    TimeRange range() const { return range_; }
    // Shows `range`: its preset, or an entry of its own.
    void setRange(const TimeRange& range);
    static const std::vector<std::chrono::seconds>& presets();

signals:
    void rangeChanged(const fraudops::TimeRange& range);

private:
    void askForCustomRange();
    void show(const TimeRange& range);

    QComboBox* combo_;
    TimeRange range_;
};

}  // namespace fraudops
