#pragma once

#include <QWidget>
#include <optional>

#include "replay/BatchReplay.h"

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTextBrowser;

namespace fraudops {

class ConsoleSession;
class HistogramChart;

// Batch replay: a file of transactions (JSON lines, or a CSV of named features for vector
// schemas) scored as a dry run, rate-limited so the live cluster keeps its headroom, with
// progress, rate and cancel; then decisions by outcome, the score histogram, errors by field
// with their line numbers and the slowest batches; every row's result, with its top
// contributions, exported to CSV. The replay runs on its own thread (BatchReplay); this panel
// only draws the snapshots it publishes.
class ReplayPanel : public QWidget {
    Q_OBJECT
public:
    explicit ReplayPanel(ConsoleSession& session, QWidget* parent = nullptr);
    ~ReplayPanel() override;

    void setPath(const QString& path);
    void setRate(int rowsPerSecond);
    bool start();
    void cancel();
    // Copies the results CSV to `path`; false with the reason in `error`.
    bool exportResults(const QString& path, QString* error) const;
    const std::optional<ReplaySummary>& summary() const { return summary_; }
    bool running() const { return replay_.running(); }
    QString statusText() const;

signals:
    void replayFinished();

private:
    void show(const ReplaySummary& summary);

    ConsoleSession& session_;
    BatchReplay replay_;
    QLineEdit* path_;
    QSpinBox* rate_;
    QPushButton* start_;
    QPushButton* cancel_;
    QPushButton* export_;
    QProgressBar* progress_;
    QLabel* status_;
    QLabel* outcomes_;
    HistogramChart* histogram_;
    QTextBrowser* errors_;
    std::optional<ReplaySummary> summary_;
    QString resultsCsv_;
};

}  // namespace fraudops
