// AdmissionQueue alone: calls run on its workers in order; once the calls ahead would keep a
// new one waiting past the bound (by the measured time a call takes) it is refused at once,
// and so is one past the count bound; destruction runs what is queued. Waits are on conditions (a
// latch the jobs hold), never on the clock.
#include <QtTest>
#include <atomic>
#include <cstdlib>
#include <latch>
#include <mutex>
#include <vector>

#include "serving/AdmissionQueue.h"

using fraud::AdmissionQueue;
using namespace std::chrono_literals;

class AdmissionQueueTest : public QObject {
    Q_OBJECT

private slots:
    void callsRunInOrderOnTheWorkers() {
        std::mutex mutex;
        std::vector<int> order;
        {
            AdmissionQueue queue({.workers = 1, .maxQueued = 100, .maxWait = 0us});
            for (int i = 0; i < 50; ++i) {
                const auto v = queue.submit([&, i] {
                    std::lock_guard lock(mutex);
                    order.push_back(i);
                });
                QCOMPARE(v.refusal, AdmissionQueue::Refusal::None);
            }
        }  // the destructor runs what is queued
        QCOMPARE(order.size(), std::size_t{50});
        for (int i = 0; i < 50; ++i)
            QCOMPARE(order[static_cast<std::size_t>(i)], i);
    }

    void aFullQueueRefusesAtOnce() {
        std::latch release(1);
        std::atomic<int> ran = 0;
        AdmissionQueue queue({.workers = 1, .maxQueued = 3, .maxWait = 0us});
        // One call holds the worker; three wait; the fifth is refused without being run.
        queue.submit([&] {
            release.wait();
            ++ran;
        });
        QTRY_COMPARE(queue.queued(), std::size_t{0});
        for (int i = 0; i < 3; ++i)
            QCOMPARE(queue.submit([&] { ++ran; }).refusal, AdmissionQueue::Refusal::None);
        const auto refused = queue.submit([&] { QFAIL("a refused call ran"); });
        QCOMPARE(refused.refusal, AdmissionQueue::Refusal::QueueFull);
        QCOMPARE(refused.ahead, std::size_t{3});
        release.count_down();
        QTRY_COMPARE(ran.load(), 4);
    }

    void aPredictedWaitPastTheBoundIsRefused() {
        // Calls of at least 20 ms (more on a busy machine: the measure decides), a bound of
        // 30 ms: the first call that k calls ahead would keep waiting k x the average past it
        // is refused, and the one before it was not.
        AdmissionQueue queue({.workers = 1, .maxQueued = 100, .maxWait = 30ms});
        std::atomic<int> done = 0;
        const auto slowCall = [&] {
            const auto until = std::chrono::steady_clock::now() + 20ms;
            while (std::chrono::steady_clock::now() < until) {
            }
            ++done;
        };
        queue.submit(slowCall);
        QTRY_COMPARE(done.load(), 1);  // the moving average has its first measure
        const auto average = queue.serviceTime();
        QVERIFY(average >= 20ms);
        std::latch release(1);
        queue.submit([&] { release.wait(); });
        QTRY_COMPARE(queue.queued(), std::size_t{0});
        AdmissionQueue::Verdict verdict;
        int admitted = 0;
        while (admitted < 10) {
            verdict = queue.submit(slowCall);
            if (verdict.refusal != AdmissionQueue::Refusal::None)
                break;
            ++admitted;
        }
        QCOMPARE(verdict.refusal, AdmissionQueue::Refusal::WaitTooLong);
        QCOMPARE(verdict.ahead, std::size_t(admitted));
        // (to the microsecond: the average is kept in nanoseconds)
        QVERIFY(std::abs(verdict.predictedWait.count() - admitted * average.count()) <= admitted);
        QVERIFY(verdict.predictedWait > 30ms);
        QVERIFY((admitted - 1) * average <= 30ms);
        release.count_down();
        QTRY_COMPARE(done.load(), 1 + admitted);
    }

    void workersRunInParallel() {
        // Four workers: four calls that each wait for all four to have started finish.
        AdmissionQueue queue({.workers = 4, .maxQueued = 100, .maxWait = 0us});
        std::latch together(4);
        std::atomic<int> done = 0;
        for (int i = 0; i < 4; ++i) {
            queue.submit([&] {
                together.arrive_and_wait();
                ++done;
            });
        }
        QTRY_COMPARE(done.load(), 4);
    }
};

QTEST_MAIN(AdmissionQueueTest)
#include "tst_admission_queue.moc"
