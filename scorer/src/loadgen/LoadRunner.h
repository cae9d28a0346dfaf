#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/ConsistentHashRing.h"
#include "fraud/v1/scoring.grpc.pb.h"
#include "loadgen/LoadStats.h"
#include "loadgen/TrafficSource.h"

namespace fraud {

struct LoadPlan {
    enum class Loop { Open, Closed };
    enum class Api { Unary, Stream };
    // How requests find a replica: by card (consistent hashing, so each card's history is on
    // one replica), or at random (what a plain load balancer does; replicas must share card
    // history, in Redis, to agree about a card).
    enum class Spread { ByCard, Random };

    Loop loop = Loop::Closed;
    Api api = Api::Unary;
    double rate = 1000;    // open loop: requests a second, on a fixed timetable
    int concurrency = 32;  // closed loop: calls (unary) or streams in flight
    int batch = 100;       // stream: transactions a message
    std::chrono::milliseconds warmup{2000};
    std::chrono::milliseconds duration{10000};
    std::uint64_t requests = 0;  // > 0: the measured phase ends after this many instead
    std::chrono::milliseconds deadline{5000};
    bool explain = false;
    Spread spread = Spread::ByCard;
    std::size_t maxInFlight = 200'000;  // open loop: the timetable waits beyond this
};

// Drives a plan against a set of scorer replicas. Each card goes to one replica (consistent
// hashing). In the open loop, requests follow a fixed timetable and latency counts from the
// time a request was due, so a stalled server shows in the percentiles instead of slowing
// the timetable (no coordinated omission). In the closed loop, each of `concurrency` slots
// sends its next request when the previous one completes.
class LoadRunner {
public:
    LoadRunner(LoadPlan plan, TrafficSource& source, std::vector<std::string> targets);
    ~LoadRunner();
    LoadRunner(const LoadRunner&) = delete;
    LoadRunner& operator=(const LoadRunner&) = delete;

    void updateTargets(std::vector<std::string> targets);
    // The targets requests go to now: those of updateTargets that answered their last health
    // check SERVING (all of them if none did).
    std::vector<std::string> targets() const;
    // Asks every target's grpc.health.v1 service every `every`, on a thread of its own, and
    // sends a card's requests only to replicas that answer SERVING: a replica that drains
    // (SIGTERM) or stops answering loses its cards to the others, by consistent hashing, so
    // only its cards move; it gets them back when it serves again.
    void watchHealth(std::chrono::milliseconds every);
    // How many times a target left the serving set, and came back.
    std::uint64_t targetsLeft() const { return targetsLeft_; }
    std::uint64_t targetsReturned() const { return targetsReturned_; }

    // Before start(): sends the population's warm-up history (TrafficSource::warmingUp) with
    // RECORD_HISTORY_ONLY as fast as the scorers take it, on `streams` ScoreStream calls of
    // `batch` transactions; returns when it is all sent and answered, or stop is requested.
    void sendHistory(int streams, int batch);
    void start();
    void requestStop() { stopRequested_ = true; }
    // True once every request is sent; then waitForDrain() lets the last ones complete.
    bool sendingDone() const { return sendingDone_; }
    // Waits until nothing is in flight, at most `timeout`; true if drained.
    bool waitForDrain(std::chrono::milliseconds timeout);

    LoadStats& warmupStats() { return warmup_; }
    LoadStats& measuredStats() { return measured_; }
    // Warm-up history of cards (RECORD_HISTORY_ONLY), whenever it was sent.
    LoadStats& historyStats() { return history_; }
    std::uint64_t sent() const { return sent_; }
    // Open loop: timetable slots left empty because the population had no transaction due
    // (it supplies the rate in real time, and the next one lay a moment ahead).
    std::uint64_t skipped() const { return skipped_; }
    std::uint64_t inFlight() const { return inFlight_; }
    bool inWarmup() const;

private:
    struct TargetSet {
        std::vector<std::string> all;  // as updateTargets gave them
        ConsistentHashRing ring;       // the serving ones
        std::vector<std::shared_ptr<grpc::Channel>> channels;
        std::vector<std::unique_ptr<v1::Scoring::Stub>> stubs;
        std::uint64_t generation = 0;
    };
    struct UnaryCall;
    using Clock = std::chrono::steady_clock;

    // The replica a transaction goes to, as plan_.spread says.
    std::size_t targetOf(const TargetSet& set, const v1::Transaction& tx);

    std::int64_t nanosSinceStart(Clock::time_point t) const;
    // Whether `count` requests due at `intended` are sent: all of the warm-up, then the
    // measured phase until its duration or its request count.
    bool admit(Clock::time_point intended, std::uint64_t count);
    void issueUnary(Clock::time_point intended, SourcedTransaction tx);
    void onUnaryDone(UnaryCall* call, const grpc::Status& status);
    void openLoop();
    // Batches of `batch` on streams until the measured phase ends, or (historyOnly) until
    // the warm-up history is all sent.
    void streamWorker(bool historyOnly, int batch);
    void finishedSending();

    // Publishes a new TargetSet of `all`, requests going to `serving` (all if empty).
    // targetsMutex_ held.
    void publishTargets(std::vector<std::string> all, const std::vector<std::string>& serving);
    std::shared_ptr<grpc::Channel> channelTo(const std::string& target);  // targetsMutex_ held
    // One round of health checks, each with `every` as its deadline; updates the ring.
    void checkHealth(std::chrono::milliseconds every);

    LoadPlan plan_;
    TrafficSource& source_;
    mutable std::mutex targetsMutex_;
    std::shared_ptr<const TargetSet> targets_;
    std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;  // one per target, kept
    std::atomic<bool> healthStop_{false};
    std::thread healthThread_;
    std::atomic<std::uint64_t> targetsLeft_{0};
    std::atomic<std::uint64_t> targetsReturned_{0};

    Clock::time_point start_;
    Clock::time_point warmupEnd_;
    Clock::time_point end_;
    std::atomic<bool> stopRequested_{false};
    std::atomic<bool> sendingDone_{false};
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> spreadCounter_{0};
    std::atomic<std::uint64_t> measuredSent_{0};
    std::atomic<std::uint64_t> inFlight_{0};
    std::atomic<std::uint64_t> skipped_{0};
    std::atomic<int> activeWorkers_{0};
    std::mutex flightMutex_;
    std::condition_variable flightChanged_;
    LoadStats warmup_;
    LoadStats measured_;
    LoadStats history_;
    std::vector<std::thread> threads_;
};

}  // namespace fraud
