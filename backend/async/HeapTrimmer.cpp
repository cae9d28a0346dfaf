#include "async/HeapTrimmer.h"

#include <malloc.h>

namespace fraudops {

HeapTrimmer::HeapTrimmer(std::chrono::milliseconds interval, QObject* parent) : QObject(parent) {
    worker_.setMaxThreadCount(1);
    connect(&timer_, &QTimer::timeout, this, [this] {
        // One at a time: a trim still running (a large heap takes milliseconds) is enough.
        if (worker_.activeThreadCount() == 0)
            worker_.start([] { trimNow(); });
    });
    timer_.start(interval);
}

HeapTrimmer::~HeapTrimmer() {
    timer_.stop();
    worker_.waitForDone();
}

bool HeapTrimmer::trimNow() {
    return malloc_trim(0) == 1;
}

}  // namespace fraudops
