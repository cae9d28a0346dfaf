#pragma once

#include <QApplication>
#include <QElapsedTimer>
#include <QString>
#include <deque>

// A QApplication that times every event its GUI thread delivers (outermost deliveries only:
// nested sends count in their parent) and keeps those over a millisecond for a few seconds,
// so that a benchmark seeing a stall can say what filled it: "fraudops::DecisionsPage
// MetaCall x12 61 ms, QWidgetWindow UpdateRequest 38 ms". A queued signal is a MetaCall to the
// receiving object; painting is an UpdateRequest to the window. Each delivery's time on the CPU
// is kept beside its wall time ("61 ms, 22 on CPU"): the rest is time the thread waited for a
// core (shared with a cluster) or the hypervisor held its CPU, not work it did.
class TimedApplication : public QApplication {
public:
    TimedApplication(int& argc, char** argv);

    bool notify(QObject* receiver, QEvent* event) override;
    // Nanoseconds on the application's clock, the one `explain` takes.
    qint64 now() const { return clock_.nsecsElapsed(); }
    // The deliveries that ended in [from, to] (ns), by receiver class and event type, the
    // costliest first; at most `entries`.
    QString explain(qint64 from, qint64 to, int entries = 4) const;

private:
    // The calling thread's CPU time, ns.
    static qint64 threadCpuNs();

    struct Delivery {
        qint64 endNs;
        double ms;
        double cpuMs;               // the GUI thread's CPU time during the delivery
        const char* receiverClass;  // static strings of the meta-objects
        int type;
    };
    QElapsedTimer clock_;
    std::deque<Delivery> recent_;
    int depth_ = 0;
};
