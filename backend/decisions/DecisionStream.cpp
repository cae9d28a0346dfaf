#include "decisions/DecisionStream.h"

#include <grpcpp/grpcpp.h>

#include <QMetaMethod>
#include <algorithm>

#include "common/GrpcCodes.h"
#include "fraud/v1/scoring.grpc.pb.h"

namespace fraudops {

struct DecisionStream::Worker {
    std::size_t index = 0;  // into stats_.connections
    ScorerEndpoint endpoint;
    std::mutex callMutex;
    grpc::ClientContext* call = nullptr;  // the call in progress, for stop() to cancel
    std::jthread thread;
};

DecisionStream::DecisionStream(std::vector<ScorerEndpoint> endpoints,
                               fraud::v1::WatchDecisionsRequest request, QObject* parent)
    : DecisionStream(std::move(endpoints), std::move(request), Options{}, parent) {}

DecisionStream::DecisionStream(std::vector<ScorerEndpoint> endpoints,
                               fraud::v1::WatchDecisionsRequest request, Options options,
                               QObject* parent)
    : QObject(parent),
      endpoints_(std::move(endpoints)),
      request_(std::move(request)),
      options_(options) {
    qRegisterMetaType<fraudops::DecisionStreamConnection>();
    for (const auto& e : endpoints_) {
        DecisionStreamConnection c;
        c.address = QString::fromStdString(e.address);
        stats_.connections.push_back(c);
    }
}

DecisionStream::~DecisionStream() {
    stop();
}

void DecisionStream::start() {
    if (!workers_.empty())
        return;
    running_ = true;
    // Signals are posted only to a receiver connected before start(): fraudctl, which has no
    // event loop, takes without them (nothing piles up in a queue no loop ever reads).
    notifyAvailable_ = isSignalConnected(QMetaMethod::fromSignal(&DecisionStream::available));
    notifyConnections_ =
        isSignalConnected(QMetaMethod::fromSignal(&DecisionStream::connectionChanged));
    for (std::size_t i = 0; i < endpoints_.size(); ++i) {
        auto w = std::make_unique<Worker>();
        w->index = i;
        w->endpoint = endpoints_[i];
        workers_.push_back(std::move(w));
    }
    for (auto& w : workers_)
        w->thread =
            std::jthread([this, worker = w.get()](std::stop_token stop) { run(*worker, stop); });
}

void DecisionStream::stop() {
    running_ = false;
    for (auto& w : workers_) {
        w->thread.request_stop();
        const std::lock_guard lock(w->callMutex);
        if (w->call)
            w->call->TryCancel();
    }
    queued_.notify_all();
    workers_.clear();  // joins
}

void DecisionStream::run(Worker& worker, std::stop_token stop) {
    std::chrono::milliseconds backoff = options_.firstBackoff;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<fraud::v1::Scoring::Stub> stub;
    // Waits for `d` or until stop() is asked.
    const auto pause = [&](std::chrono::milliseconds d) {
        std::unique_lock lock(mutex_);
        queued_.wait_for(lock, stop, d, [] { return false; });
    };
    while (!stop.stop_requested()) {
        if (!channel) {
            try {
                channel = makeChannel(worker.endpoint);
                stub = fraud::v1::Scoring::NewStub(channel);
            } catch (const std::exception& e) {  // a TLS file that cannot be read
                setConnection(worker, false, QString::fromUtf8(e.what()));
                pause(options_.maxBackoff);
                continue;
            }
        }
        // Connected first, so that "connected" means it (the stream itself says nothing
        // until the first decision). Waited for in slices, since a wait cannot be cancelled:
        // stop(), on the console's thread when a replica restarts, joins this thread, and a
        // slice of 100 ms could hold the console that long.
        const auto giveUp = std::chrono::steady_clock::now() + backoff;
        bool connected = false;
        while (!connected && !stop.stop_requested() && std::chrono::steady_clock::now() < giveUp)
            connected = channel->WaitForConnected(std::chrono::system_clock::now() +
                                                  std::chrono::milliseconds(20));
        if (stop.stop_requested())
            return;
        if (!connected) {
            setConnection(worker, false, QStringLiteral("UNAVAILABLE: not reachable"));
            backoff = std::min(backoff * 2, options_.maxBackoff);
            continue;  // the wait was the backoff
        }
        grpc::ClientContext context;  // no deadline: it runs until stopped
        if (!worker.endpoint.bearerToken.empty())
            context.AddMetadata("authorization", "Bearer " + worker.endpoint.bearerToken);
        {
            const std::lock_guard lock(worker.callMutex);
            if (stop.stop_requested())
                return;
            worker.call = &context;
        }
        auto reader = stub->WatchDecisions(&context, request_);
        setConnection(worker, true, {});
        bool first = true;
        fraud::v1::LiveDecision d;
        while (reader->Read(&d)) {
            if (first) {
                first = false;
                backoff = options_.firstBackoff;
            }
            push(std::move(d));
            d.Clear();
        }
        const grpc::Status status = reader->Finish();
        {
            const std::lock_guard lock(worker.callMutex);
            worker.call = nullptr;
        }
        if (stop.stop_requested())
            return;
        setConnection(worker, false,
                      QString::fromLatin1(fraud::grpcCodeName(status.error_code())) + ": " +
                          QString::fromStdString(status.error_message()));
        pause(backoff);
        backoff = std::min(backoff * 2, options_.maxBackoff);
    }
}

void DecisionStream::push(fraud::v1::LiveDecision&& decision) {
    bool wasEmpty = false;
    {
        const std::lock_guard lock(mutex_);
        ++stats_.received;
        stats_.droppedByScorer += decision.dropped_before();
        // The newest decisions matter most to someone watching: the oldest make room.
        if (queue_.size() >= options_.queueCapacity) {
            queue_.pop_front();
            ++stats_.droppedByQueue;
        }
        wasEmpty = queue_.empty();
        queue_.push_back(std::move(decision));
    }
    queued_.notify_all();
    if (wasEmpty && notifyAvailable_)
        QMetaObject::invokeMethod(this, &DecisionStream::available, Qt::QueuedConnection);
}

void DecisionStream::setConnection(Worker& worker, bool connected, const QString& error) {
    DecisionStreamConnection now;
    {
        const std::lock_guard lock(mutex_);
        auto& c = stats_.connections[worker.index];
        const QDateTime at = QDateTime::currentDateTimeUtc();
        if (c.connected && !connected) {
            stats_.gaps.push_back({c.address, at, {}});
            if (stats_.gaps.size() > kMaxGaps)
                stats_.gaps.erase(stats_.gaps.begin());
        }
        if (!c.connected && connected) {
            ++c.connects;
            for (auto& g : stats_.gaps) {
                if (g.address == c.address && !g.to.isValid())
                    g.to = at;
            }
        }
        const bool changed = c.connected != connected || c.lastError != error;
        c.connected = connected;
        c.lastError = error;
        if (!changed || !notifyConnections_)
            return;
        now = c;
    }
    QMetaObject::invokeMethod(
        this, [this, now] { emit connectionChanged(now); }, Qt::QueuedConnection);
}

std::vector<fraud::v1::LiveDecision> DecisionStream::take(std::size_t max,
                                                          std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    if (wait.count() > 0)
        queued_.wait_for(lock, wait, [this] { return !queue_.empty() || !running_; });
    std::vector<fraud::v1::LiveDecision> out;
    const std::size_t n = std::min(max, queue_.size());
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(std::move(queue_.front()));
        queue_.pop_front();
    }
    return out;
}

DecisionStreamStats DecisionStream::stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
}

}  // namespace fraudops
