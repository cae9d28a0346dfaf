#include "TimedApplication.h"

#include <QMetaEnum>
#include <QThread>
#include <algorithm>
#include <map>
#include <vector>

TimedApplication::TimedApplication(int& argc, char** argv) : QApplication(argc, argv) {
    clock_.start();
}

bool TimedApplication::notify(QObject* receiver, QEvent* event) {
    // Worker threads with event loops deliver through here too: only the GUI thread is timed.
    if (depth_ > 0 || QThread::currentThread() != thread())
        return QApplication::notify(receiver, event);
    // Read before delivery: the receiver may be deleted by it (DeferredDelete).
    const char* receiverClass = receiver->metaObject()->className();
    const int type = event->type();
    const qint64 start = clock_.nsecsElapsed();
    ++depth_;
    const bool result = QApplication::notify(receiver, event);
    --depth_;
    const qint64 end = clock_.nsecsElapsed();
    const double ms = double(end - start) / 1e6;
    if (ms > 1)
        recent_.push_back({end, ms, receiverClass, type});
    while (!recent_.empty() && recent_.front().endNs < end - 5'000'000'000)
        recent_.pop_front();
    return result;
}

QString TimedApplication::explain(qint64 from, qint64 to, int entries) const {
    std::map<std::pair<QString, int>, std::pair<int, double>> byKind;  // count, ms
    for (const auto& d : recent_) {
        if (d.endNs >= from && d.endNs <= to) {
            auto& [count, ms] = byKind[{QString::fromLatin1(d.receiverClass), d.type}];
            ++count;
            ms += d.ms;
        }
    }
    std::vector<std::pair<double, QString>> parts;
    const QMetaEnum types = QMetaEnum::fromType<QEvent::Type>();
    for (const auto& [kind, figures] : byKind) {
        const char* typeName = types.valueToKey(kind.second);
        QString part = kind.first + ' ' +
                       (typeName ? QString::fromLatin1(typeName) : QString::number(kind.second));
        if (figures.first > 1)
            part += QStringLiteral(" x%1").arg(figures.first);
        parts.emplace_back(figures.second,
                           part + QStringLiteral(" %1 ms").arg(figures.second, 0, 'f', 0));
    }
    std::sort(parts.begin(), parts.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    QStringList out;
    for (int i = 0; i < std::min<int>(entries, int(parts.size())); ++i)
        out << parts[std::size_t(i)].second;
    return out.isEmpty() ? QStringLiteral("no delivery over 1 ms") : out.join(", ");
}
