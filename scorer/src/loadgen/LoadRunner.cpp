#include "loadgen/LoadRunner.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "common/Hash.h"
#include "common/ScoreRetryPolicy.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace fraud {
namespace {

// A card's transactions go to one replica, which keeps the card's history. Replayed rows of
// a vector schema have no card (and no history): they spread by transaction id.
std::string_view routingKey(const v1::Transaction& tx) {
    return tx.card_id().empty() ? std::string_view(tx.transaction_id())
                                : std::string_view(tx.card_id());
}

}  // namespace

struct LoadRunner::UnaryCall {
    grpc::ClientContext context;
    v1::ScoreRequest request;
    v1::ScoreResult response;
    Clock::time_point intended;
    bool warmup = false;
    bool history = false;
    std::shared_ptr<const TargetSet> targets;  // keeps the stub alive until the call is done
};

std::size_t LoadRunner::targetOf(const TargetSet& set, const v1::Transaction& tx) {
    if (plan_.spread == LoadPlan::Spread::ByCard || set.stubs.empty())
        return set.ring.targetOf(routingKey(tx));
    // Random, yet the same for the same run: a counter through a mixing function.
    return mix64(spreadCounter_.fetch_add(1, std::memory_order_relaxed) + 0x5eed) %
           set.stubs.size();
}

LoadRunner::LoadRunner(LoadPlan plan, TrafficSource& source, std::vector<std::string> targets)
    : plan_(plan), source_(source) {
    updateTargets(std::move(targets));
}

LoadRunner::~LoadRunner() {
    healthStop_ = true;
    if (healthThread_.joinable())
        healthThread_.join();
    requestStop();
    for (auto& t : threads_) {
        if (t.joinable())
            t.join();
    }
    waitForDrain(plan_.deadline + std::chrono::seconds(5));
}

std::shared_ptr<grpc::Channel> LoadRunner::channelTo(const std::string& target) {
    auto& channel = channels_[target];
    if (!channel) {
        grpc::ChannelArguments args;
        // One connection per target per runner; the default would share it across stubs.
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        args.SetServiceConfigJSON(kScoreRetryServiceConfig);
        channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    }
    return channel;
}

void LoadRunner::publishTargets(std::vector<std::string> all,
                                const std::vector<std::string>& serving) {
    auto set = std::make_shared<TargetSet>();
    const auto& routed = serving.empty() ? all : serving;
    set->ring = ConsistentHashRing(routed);
    for (const auto& t : routed) {
        set->channels.push_back(channelTo(t));
        set->stubs.push_back(v1::Scoring::NewStub(set->channels.back()));
    }
    set->all = std::move(all);
    set->generation = targets_ ? targets_->generation + 1 : 1;
    targets_ = std::move(set);
}

void LoadRunner::updateTargets(std::vector<std::string> targets) {
    std::lock_guard lock(targetsMutex_);
    // Until the health checks say otherwise, the new targets serve; those that were not
    // serving stay out.
    std::vector<std::string> serving;
    for (const auto& t : targets) {
        const bool known = targets_ && std::find(targets_->all.begin(), targets_->all.end(), t) !=
                                           targets_->all.end();
        const auto& routed = targets_ ? targets_->ring.targets() : std::vector<std::string>{};
        if (!known || std::find(routed.begin(), routed.end(), t) != routed.end())
            serving.push_back(t);
    }
    for (auto it = channels_.begin(); it != channels_.end();) {
        if (std::find(targets.begin(), targets.end(), it->first) == targets.end())
            it = channels_.erase(it);  // calls in flight keep theirs through their TargetSet
        else
            ++it;
    }
    publishTargets(std::move(targets), serving);
}

std::vector<std::string> LoadRunner::targets() const {
    std::lock_guard lock(targetsMutex_);
    return targets_->ring.targets();
}

void LoadRunner::watchHealth(std::chrono::milliseconds every) {
    // The first answers before any request: a target already gone gets none.
    checkHealth(every);
    healthThread_ = std::thread([this, every] {
        while (!healthStop_) {
            const auto next = Clock::now() + every;
            checkHealth(every);
            std::this_thread::sleep_until(next);  // the checks' period, not a wait for one
        }
    });
}

void LoadRunner::checkHealth(std::chrono::milliseconds every) {
    using grpc::health::v1::Health;
    using grpc::health::v1::HealthCheckResponse;
    {
        std::shared_ptr<const TargetSet> set;
        std::vector<std::shared_ptr<grpc::Channel>> channels;
        {
            std::lock_guard lock(targetsMutex_);
            set = targets_;
            for (const auto& t : set->all)
                channels.push_back(channelTo(t));
        }
        // All targets asked at once, each with the period as its deadline.
        struct Ask {
            grpc::ClientContext context;
            grpc::health::v1::HealthCheckRequest request;
            HealthCheckResponse response;
            grpc::Status status;
            std::unique_ptr<Health::Stub> stub;
            std::mutex mutex;
            std::condition_variable done;
            bool finished = false;
        };
        std::vector<std::unique_ptr<Ask>> asks;
        for (const auto& channel : channels) {
            auto ask = std::make_unique<Ask>();
            ask->context.set_deadline(std::chrono::system_clock::now() + every);
            ask->stub = Health::NewStub(channel);
            ask->stub->async()->Check(&ask->context, &ask->request, &ask->response,
                                      [a = ask.get()](grpc::Status status) {
                                          std::lock_guard lock(a->mutex);
                                          a->status = std::move(status);
                                          a->finished = true;
                                          a->done.notify_all();
                                      });
            asks.push_back(std::move(ask));
        }
        std::vector<std::string> serving;
        for (std::size_t i = 0; i < asks.size(); ++i) {
            auto& a = *asks[i];
            std::unique_lock lock(a.mutex);
            a.done.wait(lock, [&] { return a.finished; });
            if (a.status.ok() && a.response.status() == HealthCheckResponse::SERVING)
                serving.push_back(set->all[i]);
        }
        {
            std::lock_guard lock(targetsMutex_);
            // Only if no updateTargets came meanwhile: its set is checked next time.
            const auto& routed = targets_->ring.targets();
            const bool sameAll = targets_ == set;
            const auto& wanted = serving.empty() ? set->all : serving;
            if (sameAll && wanted != routed) {
                const std::set<std::string> before(routed.begin(), routed.end());
                const std::set<std::string> after(wanted.begin(), wanted.end());
                for (const auto& t : before) {
                    if (!after.contains(t)) {
                        ++targetsLeft_;
                        std::cerr << "target " << t
                                  << " is not serving: its cards go to the others\n";
                    }
                }
                for (const auto& t : after) {
                    if (!before.contains(t)) {
                        ++targetsReturned_;
                        std::cerr << "target " << t << " serves again\n";
                    }
                }
                publishTargets(set->all, serving);
            }
        }
    }
}

std::int64_t LoadRunner::nanosSinceStart(Clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - start_).count();
}

bool LoadRunner::inWarmup() const {
    return Clock::now() < warmupEnd_;
}

bool LoadRunner::admit(Clock::time_point intended, std::uint64_t count) {
    if (stopRequested_)
        return false;
    if (intended < warmupEnd_)
        return true;
    // Reserved atomically, so slots racing at the end never send more than --requests.
    if (plan_.requests > 0)
        return measuredSent_.fetch_add(count) < plan_.requests;
    return intended < end_;
}

void LoadRunner::start() {
    start_ = Clock::now();
    warmupEnd_ = start_ + plan_.warmup;
    end_ = warmupEnd_ + plan_.duration;
    warmup_.markStart(0);
    measured_.markStart(nanosSinceStart(warmupEnd_));
    if (plan_.api == LoadPlan::Api::Stream) {
        activeWorkers_ = plan_.concurrency;
        for (int i = 0; i < plan_.concurrency; ++i)
            threads_.emplace_back([this] { streamWorker(false, plan_.batch); });
    } else if (plan_.loop == LoadPlan::Loop::Open) {
        activeWorkers_ = 1;
        threads_.emplace_back([this] { openLoop(); });
    } else {
        activeWorkers_ = plan_.concurrency;
        for (int i = 0; i < plan_.concurrency; ++i) {
            const auto now = Clock::now();
            if (admit(now, 1)) {
                issueUnary(now, source_.next());
            } else {
                finishedSending();
            }
        }
    }
}

void LoadRunner::finishedSending() {
    if (--activeWorkers_ == 0) {
        const auto now = Clock::now();
        warmup_.markEnd(nanosSinceStart(std::min(now, warmupEnd_)));
        measured_.markEnd(
            nanosSinceStart(plan_.requests > 0 || stopRequested_ ? now : std::min(now, end_)));
        sendingDone_ = true;
        flightChanged_.notify_all();
    }
}

void LoadRunner::sendHistory(int streams, int batch) {
    const auto started = Clock::now();
    history_.markStart(0);
    std::vector<std::thread> workers;
    for (int i = 0; i < streams; ++i)
        workers.emplace_back([this, batch] { streamWorker(true, batch); });
    for (auto& w : workers)
        w.join();
    history_.markEnd(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started).count());
}

void LoadRunner::issueUnary(Clock::time_point intended, SourcedTransaction tx) {
    auto* call = new UnaryCall();
    call->intended = intended;
    call->warmup = intended < warmupEnd_;
    call->history = tx.history;
    *call->request.mutable_transaction() = std::move(tx.tx);
    call->request.set_explain(plan_.explain && !tx.history);
    if (tx.history)
        call->request.set_record_mode(v1::RECORD_HISTORY_ONLY);
    {
        std::lock_guard lock(targetsMutex_);
        call->targets = targets_;
    }
    call->context.set_deadline(std::chrono::system_clock::now() + plan_.deadline);
    const std::size_t target = targetOf(*call->targets, call->request.transaction());
    ++sent_;
    ++inFlight_;
    call->targets->stubs[target]->async()->Score(
        &call->context, &call->request, &call->response,
        [this, call](grpc::Status status) { onUnaryDone(call, status); });
}

void LoadRunner::onUnaryDone(UnaryCall* call, const grpc::Status& status) {
    const auto now = Clock::now();
    const auto latency =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - call->intended).count();
    (call->history  ? history_
     : call->warmup ? warmup_
                    : measured_)
        .record(latency, status.error_code());
    delete call;
    if (plan_.loop == LoadPlan::Loop::Closed) {
        const auto next = Clock::now();
        if (admit(next, 1)) {
            --inFlight_;
            issueUnary(next, source_.next());
            return;
        }
        finishedSending();
    }
    {
        std::lock_guard lock(flightMutex_);
        --inFlight_;
    }
    flightChanged_.notify_all();
}

void LoadRunner::openLoop() {
    const auto period = std::chrono::duration<double>(1.0 / plan_.rate);
    std::uint64_t k = 0;
    for (;;) {
        const auto intended =
            start_ + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(k));
        if (stopRequested_ || (plan_.requests == 0 && intended >= end_))
            break;
        const auto now = Clock::now();
        if (intended > now) {
            std::this_thread::sleep_until(intended);
            continue;
        }
        // Everything due is sent now; a late timetable is measured, not forgiven.
        if (inFlight_ >= plan_.maxInFlight) {
            std::unique_lock lock(flightMutex_);
            flightChanged_.wait_for(lock, std::chrono::milliseconds(10),
                                    [&] { return inFlight_ < plan_.maxInFlight; });
            continue;
        }
        if (!admit(intended, 1))
            break;
        if (auto tx = source_.tryNext())
            issueUnary(intended, std::move(*tx));
        else
            ++skipped_;  // nothing due yet: the population supplies the rate in real time
        ++k;
    }
    finishedSending();
}

void LoadRunner::streamWorker(bool historyOnly, int batchSize) {
    struct Stream {
        std::unique_ptr<grpc::ClientContext> context;
        std::unique_ptr<grpc::ClientReaderWriter<v1::ScoreBatch, v1::ScoreBatchResult>> rw;
    };
    std::shared_ptr<const TargetSet> set;
    std::map<std::size_t, Stream> streams;
    const auto closeAll = [&] {
        for (auto& [_, s] : streams) {
            s.rw->WritesDone();
            s.rw->Finish();
        }
        streams.clear();
    };
    std::uint64_t batchId = 0;
    // [target * 2 + history]: warm-up history goes in batches of its own (one record mode a
    // batch).
    std::vector<std::vector<v1::Transaction>> byTarget;
    for (;;) {
        const auto sendTime = Clock::now();
        const bool warm = sendTime < warmupEnd_;
        if (historyOnly ? stopRequested_ || !source_.warmingUp()
                        : !admit(sendTime, static_cast<std::uint64_t>(batchSize)))
            break;
        {
            std::lock_guard lock(targetsMutex_);
            if (!set || set->generation != targets_->generation) {
                closeAll();
                set = targets_;
            }
        }
        byTarget.assign(set->stubs.size() * 2, {});
        int taken = 0;
        for (; taken < batchSize; ++taken) {
            SourcedTransaction tx;
            if (historyOnly) {
                if (!source_.warmingUp())
                    break;
                auto next = source_.tryNext();
                if (!next)
                    break;
                tx = std::move(*next);
            } else {
                tx = source_.next();
            }
            byTarget[targetOf(*set, tx.tx) * 2 + (tx.history ? 1 : 0)].push_back(std::move(tx.tx));
        }
        sent_ += static_cast<std::uint64_t>(taken);
        inFlight_ += static_cast<std::uint64_t>(taken);
        const auto statsFor = [&](std::size_t slot) -> LoadStats& {
            return slot % 2 == 1 ? history_ : warm ? warmup_ : measured_;
        };
        std::vector<std::size_t> written;
        for (std::size_t slot = 0; slot < byTarget.size(); ++slot) {
            if (byTarget[slot].empty())
                continue;
            const std::size_t t = slot / 2;
            auto& s = streams[t];
            if (!s.rw) {
                s.context = std::make_unique<grpc::ClientContext>();
                s.context->set_deadline(std::chrono::system_clock::now() + plan_.warmup +
                                        plan_.duration + std::chrono::hours(24));
                s.rw = set->stubs[t]->ScoreStream(s.context.get());
            }
            v1::ScoreBatch batch;
            batch.set_batch_id(++batchId);
            const bool history = slot % 2 == 1;
            batch.set_explain(plan_.explain && !history);
            if (history)
                batch.set_record_mode(v1::RECORD_HISTORY_ONLY);
            for (auto& tx : byTarget[slot])
                *batch.add_transactions() = std::move(tx);
            if (s.rw->Write(batch)) {
                written.push_back(slot);
            } else {
                for (std::size_t i = 0; i < byTarget[slot].size(); ++i)
                    statsFor(slot).record(0, grpc::StatusCode::UNAVAILABLE);
                s.rw->Finish();
                streams.erase(t);
            }
        }
        for (std::size_t slot : written) {
            const std::size_t t = slot / 2;
            if (streams.count(t) == 0) {  // the stream broke on the other half's write
                for (std::size_t i = 0; i < byTarget[slot].size(); ++i)
                    statsFor(slot).record(0, grpc::StatusCode::UNAVAILABLE);
                continue;
            }
            v1::ScoreBatchResult reply;
            auto& s = streams[t];
            const bool ok = s.rw->Read(&reply);
            const auto latency =
                std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - sendTime)
                    .count();
            if (ok) {
                for (const auto& r : reply.results())
                    statsFor(slot).record(latency, r.has_error() ? r.error().code() : 0);
            } else {
                const auto status = s.rw->Finish();
                for (std::size_t i = 0; i < byTarget[slot].size(); ++i) {
                    statsFor(slot).record(
                        latency, status.ok() ? grpc::StatusCode::UNAVAILABLE : status.error_code());
                }
                streams.erase(t);
            }
        }
        inFlight_ -= static_cast<std::uint64_t>(taken);
        if (historyOnly && taken == 0)
            break;
    }
    closeAll();
    if (!historyOnly)
        finishedSending();
}

bool LoadRunner::waitForDrain(std::chrono::milliseconds timeout) {
    for (auto& t : threads_) {
        if (t.joinable())
            t.join();
    }
    threads_.clear();
    std::unique_lock lock(flightMutex_);
    return flightChanged_.wait_for(lock, timeout, [&] { return sendingDone_ && inFlight_ == 0; });
}

}  // namespace fraud
