#include "TimedApplication.h"

#include <QMetaEnum>
#include <QThread>
#include <algorithm>
#include <ctime>
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
    const qint64 cpuStart = threadCpuNs();
    ++depth_;
    const bool result = QApplication::notify(receiver, event);
    --depth_;
    const qint64 end = clock_.nsecsElapsed();
    const double ms = double(end - start) / 1e6;
    if (ms > 1)
        recent_.push_back({end, ms, double(threadCpuNs() - cpuStart) / 1e6, receiverClass, type});
    while (!recent_.empty() && recent_.front().endNs < end - 5'000'000'000)
        recent_.pop_front();
    return result;
}

qint64 TimedApplication::threadCpuNs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return qint64(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

QString TimedApplication::explain(qint64 from, qint64 to, int entries) const {
    struct Figures {
        int count = 0;
        double ms = 0, cpuMs = 0;
    };
    std::map<std::pair<QString, int>, Figures> byKind;
    for (const auto& d : recent_) {
        if (d.endNs >= from && d.endNs <= to) {
            auto& f = byKind[{QString::fromLatin1(d.receiverClass), d.type}];
            ++f.count;
            f.ms += d.ms;
            f.cpuMs += d.cpuMs;
        }
    }
    std::vector<std::pair<double, QString>> parts;
    const QMetaEnum types = QMetaEnum::fromType<QEvent::Type>();
    for (const auto& [kind, figures] : byKind) {
        const char* typeName = types.valueToKey(kind.second);
        QString part = kind.first + ' ' +
                       (typeName ? QString::fromLatin1(typeName) : QString::number(kind.second));
        if (figures.count > 1)
            part += QStringLiteral(" x%1").arg(figures.count);
        parts.emplace_back(figures.ms, part + QStringLiteral(" %1 ms (%2 on CPU)")
                                                  .arg(figures.ms, 0, 'f', 0)
                                                  .arg(figures.cpuMs, 0, 'f', 0));
    }
    std::sort(parts.begin(), parts.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    QStringList out;
    for (int i = 0; i < std::min<int>(entries, int(parts.size())); ++i)
        out << parts[std::size_t(i)].second;
    return out.isEmpty() ? QStringLiteral("no delivery over 1 ms") : out.join(", ");
}
