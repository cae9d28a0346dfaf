#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "scoring/ScorerChannel.h"

namespace grpc {
class ClientContext;
}

namespace fraudops {

// Rows that failed on one field: how many, and the first lines (for the analyst to fix).
struct ReplayFieldErrors {
    quint64 count = 0;
    std::vector<int> lines;  // at most kLinesKept
    QString example;         // the first message
    static constexpr std::size_t kLinesKept = 20;
};

// A batch that took long, by its lines: the slowest requests of a replay (a stream batch is the
// unit that has a latency).
struct ReplaySlowBatch {
    int firstLine = 0, lastLine = 0;
    double milliseconds = 0;
};

// Where a replay stands, and what it found so far: published as a value while it runs, and
// once more when it ends.
struct ReplaySummary {
    quint64 rows = 0;                                                   // read
    quint64 scored = 0;                                                 // with a decision
    std::array<quint64, 4> byDecision{};                                // by fraud::v1::Decision
    std::vector<quint64> scoreHistogram = std::vector<quint64>(20, 0);  // [0, 1] in 20 bins
    std::map<QString, ReplayFieldErrors> errors;                        // by field
    std::vector<ReplaySlowBatch> slowest;                               // slowest first, at most 10
    double fileProgress = 0;                                            // share of the file read
    double seconds = 0;
    double rowsPerSecond = 0;
    bool finished = false;
    bool cancelled = false;
    QString failure;     // the stream failed (the scorer went away): why
    QString resultsCsv;  // every row's result with its top contributions, written as it went

    quint64 failed() const;
};

// Replays a file of transactions through a scorer's ScoreStream as a dry run (RECORD_NONE:
// nothing recorded anywhere), rate-limited so the live cluster keeps its headroom. It runs on
// its own thread, reading the file a row at a time and writing each result to a CSV as it
// comes, so a file of any length costs no more memory than a batch; the GUI gets value
// snapshots (`progress`, at most ten a second) and the summary (`finished`) through queued
// signals. Cancel stops it within a batch.
class BatchReplay : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::string path;
        ScorerEndpoint endpoint;
        double rowsPerSecond = 2000;  // 0: as fast as the scorer answers
        int batchSize = 200;
        int topContributions = 3;  // per row, in the results CSV
        std::string resultsCsv;    // where to write the results
    };

    explicit BatchReplay(QObject* parent = nullptr);
    ~BatchReplay() override;  // cancels and waits

    // Starts (false with `error` if the file cannot be opened or a replay runs).
    bool start(Options options, QString* error);
    void cancel();
    bool running() const { return running_; }

signals:
    void progress(const fraudops::ReplaySummary& summary);
    void finished(const fraudops::ReplaySummary& summary);

private:
    void run(Options options, std::stop_token stop);

    std::atomic<bool> running_{false};
    std::mutex contextMutex_;
    grpc::ClientContext* context_ = nullptr;  // the running call's, to cancel it
    std::jthread worker_;
};

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::ReplaySummary)
