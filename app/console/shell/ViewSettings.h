#pragma once

#include <QString>
#include <chrono>

#include "TimeRange.h"

namespace fraudops {

// How a profile's pages are looked at: the time range and the auto-refresh interval (0: off),
// kept per profile in QSettings (group `views/<profile>`), so that a production profile
// reopens on its 24 hours and the laptop's on its 15 minutes.
struct ViewSettings {
    TimeRange range = TimeRange::last(std::chrono::minutes(15));
    std::chrono::milliseconds refresh{5000};

    static ViewSettings load(const QString& profile);
    void save(const QString& profile) const;
};

}  // namespace fraudops
