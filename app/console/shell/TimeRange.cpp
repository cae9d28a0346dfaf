#include "TimeRange.h"

namespace fraudops {

std::optional<TimeRange> TimeRange::between(const QDateTime& from, const QDateTime& to) {
    if (!from.isValid() || !to.isValid() || from >= to)
        return std::nullopt;
    return TimeRange(from.toUTC(), to.toUTC());
}

std::chrono::seconds TimeRange::span() const {
    return span_ ? *span_ : std::chrono::seconds(std::max<qint64>(1, from_.secsTo(to_)));
}

TimeWindow TimeRange::window(const QDateTime& now) const {
    if (span_)
        return {now.addSecs(-span_->count()), now, true};
    return {from_, to_, to_ >= now};
}

QString TimeRange::label() const {
    if (span_)
        return QStringLiteral("last ") + spanLabel(*span_);
    const QString format = QStringLiteral("yyyy-MM-dd HH:mm");
    return from_.toLocalTime().toString(format) + QStringLiteral(" – ") +
           to_.toLocalTime().toString(from_.toLocalTime().date() == to_.toLocalTime().date()
                                          ? QStringLiteral("HH:mm")
                                          : format);
}

QString spanLabel(std::chrono::seconds span) {
    const qint64 s = span.count();
    if (s % 86400 == 0)
        return QStringLiteral("%1 d").arg(s / 86400);
    if (s % 3600 == 0)
        return QStringLiteral("%1 h").arg(s / 3600);
    if (s % 60 == 0)
        return QStringLiteral("%1 m").arg(s / 60);
    return QStringLiteral("%1 s").arg(s);
}

}  // namespace fraudops
