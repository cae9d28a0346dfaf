#include "ViewSettings.h"

#include <QSettings>

namespace fraudops {
namespace {

QString group(const QString& profile) {
    return QStringLiteral("views/") + profile;
}

}  // namespace

ViewSettings ViewSettings::load(const QString& profile) {
    ViewSettings v;
    QSettings settings;
    settings.beginGroup(group(profile));
    const qint64 span = settings.value("range_seconds", 0).toLongLong();
    const auto from = QDateTime::fromString(settings.value("range_from").toString(), Qt::ISODate);
    const auto to = QDateTime::fromString(settings.value("range_to").toString(), Qt::ISODate);
    if (span > 0)
        v.range = TimeRange::last(std::chrono::seconds(span));
    else if (const auto absolute = TimeRange::between(from, to))
        v.range = *absolute;
    if (settings.contains("refresh_ms"))
        v.refresh = std::chrono::milliseconds(std::max(0, settings.value("refresh_ms").toInt()));
    return v;
}

void ViewSettings::save(const QString& profile) const {
    QSettings settings;
    settings.beginGroup(group(profile));
    if (range.isRelative()) {
        settings.setValue("range_seconds", static_cast<qint64>(range.span().count()));
        settings.remove("range_from");
        settings.remove("range_to");
    } else {
        settings.setValue("range_seconds", 0);
        settings.setValue("range_from", range.from().toString(Qt::ISODate));
        settings.setValue("range_to", range.to().toString(Qt::ISODate));
    }
    settings.setValue("refresh_ms", static_cast<int>(refresh.count()));
}

}  // namespace fraudops
