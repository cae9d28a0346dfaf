#include "replay/BatchReplay.h"

#include <QMetaObject>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>

#include "fraud/v1/scoring.grpc.pb.h"
#include "replay/ReplayReader.h"
#include "scoring/ApiNames.h"

namespace fraudops {
namespace {

using Clock = std::chrono::steady_clock;

// One CSV cell, quoted when it must be; a message's line breaks become spaces, so a row is a
// line (as spreadsheet and shell tools read it).
std::string csvCell(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"')
            out += '"';
        out += c == '\n' || c == '\r' ? ' ' : c;
    }
    return out + "\"";
}

void noteError(ReplaySummary& s, const std::string& field, int line, const std::string& message) {
    auto& e = s.errors[QString::fromStdString(field)];
    if (e.count++ == 0)
        e.example = QString::fromStdString(message);
    if (e.lines.size() < ReplayFieldErrors::kLinesKept)
        e.lines.push_back(line);
}

}  // namespace

quint64 ReplaySummary::failed() const {
    quint64 n = 0;
    for (const auto& [field, e] : errors)
        n += e.count;
    return n;
}

BatchReplay::BatchReplay(QObject* parent) : QObject(parent) {
    qRegisterMetaType<fraudops::ReplaySummary>();
}

BatchReplay::~BatchReplay() {
    cancel();
    if (worker_.joinable())
        worker_.join();
}

bool BatchReplay::start(Options options, QString* error) {
    if (running_) {
        *error = QStringLiteral("a replay is running");
        return false;
    }
    if (worker_.joinable())
        worker_.join();
    ReplayReader probe;
    std::string why;
    if (!probe.open(options.path, &why)) {
        *error = QString::fromStdString(why);
        return false;
    }
    running_ = true;
    worker_ = std::jthread(
        [this, options = std::move(options)](std::stop_token stop) { run(options, stop); });
    return true;
}

void BatchReplay::cancel() {
    worker_.request_stop();
    std::lock_guard lock(contextMutex_);
    if (context_)
        context_->TryCancel();
}

void BatchReplay::run(Options options, std::stop_token stop) {
    ReplaySummary summary;
    summary.resultsCsv = QString::fromStdString(options.resultsCsv);
    const auto started = Clock::now();
    auto lastPublish = started;
    const auto publish = [&](bool final) {
        summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        summary.rowsPerSecond = summary.seconds > 0 ? summary.rows / summary.seconds : 0;
        summary.finished = final;
        const auto copy = summary;
        QMetaObject::invokeMethod(
            this, [this, copy, final] { final ? emit finished(copy) : emit progress(copy); },
            Qt::QueuedConnection);
    };

    ReplayReader reader;
    std::string why;
    reader.open(options.path, &why);
    std::ofstream results(options.resultsCsv, std::ios::trunc);
    results << "line,transaction_id,decision,score,model_version,variant,error_field,error";
    for (int i = 1; i <= options.topContributions; ++i)
        results << ",feature_" << i << ",value_" << i << ",contribution_" << i;
    results << "\n";

    auto channel = makeChannel(options.endpoint);
    auto stub = fraud::v1::Scoring::NewStub(channel);
    grpc::ClientContext context;
    if (!options.endpoint.bearerToken.empty())
        context.AddMetadata("authorization", "Bearer " + options.endpoint.bearerToken);
    {
        std::lock_guard lock(contextMutex_);
        context_ = &context;
    }
    auto stream = stub->ScoreStream(&context);
    std::condition_variable_any paced;
    std::mutex paceMutex;

    std::vector<int> lines;
    fraud::v1::ScoreBatch batch;
    batch.set_record_mode(fraud::v1::RECORD_NONE);
    batch.set_explain(options.topContributions > 0);
    quint64 sent = 0;
    bool more = true;
    while (more && !stop.stop_requested()) {
        batch.clear_transactions();
        lines.clear();
        while (batch.transactions_size() < options.batchSize) {
            auto row = reader.next();
            if (!row) {
                more = false;
                break;
            }
            ++summary.rows;
            if (!row->transaction) {
                noteError(summary, row->field, row->line, row->error);
                results << row->line << ",,,,,," << csvCell(row->field) << ","
                        << csvCell(row->error) << "\n";
                continue;
            }
            lines.push_back(row->line);
            *batch.add_transactions() = std::move(*row->transaction);
        }
        if (batch.transactions_size() == 0)
            continue;
        // The pace: row n goes no sooner than n / rate after the start.
        if (options.rowsPerSecond > 0) {
            const auto due =
                started + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(sent / options.rowsPerSecond));
            std::unique_lock lock(paceMutex);
            paced.wait_until(lock, stop, due, [] { return false; });
            if (stop.stop_requested())
                break;
        }
        batch.set_batch_id(sent);
        const auto asked = Clock::now();
        fraud::v1::ScoreBatchResult reply;
        if (!stream->Write(batch) || !stream->Read(&reply)) {
            if (!stop.stop_requested())
                summary.failure = QStringLiteral("the scorer stopped answering");
            break;
        }
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - asked).count();
        summary.slowest.push_back({lines.front(), lines.back(), ms});
        std::sort(summary.slowest.begin(), summary.slowest.end(),
                  [](const auto& a, const auto& b) { return a.milliseconds > b.milliseconds; });
        if (summary.slowest.size() > 10)
            summary.slowest.pop_back();
        sent += static_cast<quint64>(batch.transactions_size());
        for (int i = 0; i < reply.results_size(); ++i) {
            const auto& r = reply.results(i);
            const int line = lines[static_cast<std::size_t>(i)];
            results << line << "," << csvCell(r.transaction_id()) << ",";
            if (r.has_error()) {
                noteError(summary, r.error().field(), line, r.error().message());
                results << ",,,," << csvCell(r.error().field()) << ","
                        << csvCell(r.error().message()) << "\n";
                continue;
            }
            ++summary.scored;
            ++summary.byDecision[static_cast<std::size_t>(r.decision()) % 4];
            const auto bin = std::min<std::size_t>(
                summary.scoreHistogram.size() - 1,
                static_cast<std::size_t>(r.score() * summary.scoreHistogram.size()));
            ++summary.scoreHistogram[bin];
            results << decisionName(r.decision()) << "," << r.score() << ","
                    << csvCell(r.model_version()) << "," << variantName(r.variant()) << ",,";
            const auto& c = r.explanation().contributions();
            for (int k = 0; k < options.topContributions; ++k) {
                if (k < c.size())
                    results << "," << csvCell(c[k].feature()) << "," << c[k].value() << ","
                            << c[k].contribution();
                else
                    results << ",,,";
            }
            results << "\n";
        }
        summary.fileProgress = reader.progress();
        if (Clock::now() - lastPublish > std::chrono::milliseconds(100)) {
            lastPublish = Clock::now();
            publish(false);
        }
    }
    summary.cancelled = stop.stop_requested();
    if (!summary.cancelled) {
        stream->WritesDone();
        const auto status = stream->Finish();
        if (!status.ok() && summary.failure.isEmpty())
            summary.failure = QString::fromStdString(status.error_message());
    } else {
        context.TryCancel();
        stream->Finish();
    }
    {
        std::lock_guard lock(contextMutex_);
        context_ = nullptr;
    }
    results.close();
    summary.fileProgress = summary.cancelled ? reader.progress() : 1.0;
    running_ = false;
    publish(true);
}

}  // namespace fraudops
