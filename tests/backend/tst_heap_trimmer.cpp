// HeapTrimmer gives back what a worker thread's malloc arena keeps after the thread freed it:
// 100 MB in small blocks, all freed but the last (which pins the arena's top, as a worker's
// long-lived allocation does), stay resident until the trimmer runs, on its own timer.
#include <QtTest>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "async/HeapTrimmer.h"

using namespace fraudops;

namespace {

double residentMegabytes() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stod(line.substr(6)) / 1024;
    }
    return -1;
}

}  // namespace

class HeapTrimmerTest : public QObject {
    Q_OBJECT

private slots:
    void freedArenaMemoryGoesBack() {
#if defined(__SANITIZE_ADDRESS__)
        QSKIP("AddressSanitizer's allocator replaces glibc's arenas");
#endif
        void* pinned = nullptr;
        std::thread worker([&] {
            std::vector<char*> blocks;
            for (int i = 0; i < 200'000; ++i) {
                blocks.push_back(new char[512]);
                blocks.back()[0] = 1;  // touched: resident
            }
            pinned = blocks.back();
            blocks.pop_back();
            for (char* b : blocks)
                delete[] b;
        });
        worker.join();
        const double before = residentMegabytes();
        QVERIFY2(before > 100, qPrintable(QString::number(before)));  // still resident

        HeapTrimmer trimmer(std::chrono::milliseconds(100));
        QTRY_VERIFY_WITH_TIMEOUT(residentMegabytes() < before - 60, 10'000);
        delete[] static_cast<char*>(pinned);
    }
};

QTEST_GUILESS_MAIN(HeapTrimmerTest)
#include "tst_heap_trimmer.moc"
