#include "decisions/ReplayPanel.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "charts/HistogramChart.h"
#include "shell/ConsoleSession.h"

namespace fraudops {
namespace {

QString count(quint64 n) {
    return QLocale::c().toString(n);
}

}  // namespace

ReplayPanel::ReplayPanel(ConsoleSession& session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      path_(new QLineEdit(this)),
      rate_(new QSpinBox(this)),
      start_(new QPushButton("Replay", this)),
      cancel_(new QPushButton("Cancel", this)),
      export_(new QPushButton("Export CSV…", this)),
      progress_(new QProgressBar(this)),
      status_(new QLabel(this)),
      outcomes_(new QLabel(this)),
      histogram_(new HistogramChart(this)),
      errors_(new QTextBrowser(this)) {
    static int panels = 0;
    resultsCsv_ = QDir::temp().filePath(QStringLiteral("fraudops-replay-%1-%2.csv")
                                            .arg(QCoreApplication::applicationPid())
                                            .arg(++panels));
    path_->setObjectName("replayFile");
    path_->setPlaceholderText("JSON lines of transactions, or a CSV of named features");
    auto* choose = new QPushButton("Choose…", this);
    connect(choose, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this, "Replay a file", {}, "Transactions (*.jsonl *.json *.ndjson *.csv);;All (*)");
        if (!file.isEmpty())
            setPath(file);
    });
    rate_->setObjectName("replayRate");
    rate_->setRange(0, 1'000'000);
    rate_->setSingleStep(500);
    // A pace that leaves a laptop cluster at 50/s, or a real one, most of its capacity.
    rate_->setValue(2000);
    rate_->setSuffix(" rows/s");
    rate_->setSpecialValueText("as fast as it answers");
    rate_->setToolTip("A dry run still costs the scorer CPU: keep it below the cluster's headroom");
    start_->setObjectName("startReplay");
    cancel_->setObjectName("cancelReplay");
    cancel_->setEnabled(false);
    export_->setObjectName("exportReplay");
    export_->setEnabled(false);
    connect(start_, &QPushButton::clicked, this, &ReplayPanel::start);
    connect(cancel_, &QPushButton::clicked, this, &ReplayPanel::cancel);
    connect(export_, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, "Export the results",
                                                          "replay-results.csv", "CSV (*.csv)");
        QString error;
        if (!file.isEmpty() && !exportResults(file, &error))
            status_->setText(error);
    });
    progress_->setRange(0, 1000);
    status_->setObjectName("replayStatus");
    status_->setWordWrap(true);
    outcomes_->setObjectName("replayOutcomes");
    outcomes_->setWordWrap(true);
    outcomes_->setTextFormat(Qt::RichText);
    errors_->setObjectName("replayErrors");
    connect(&replay_, &BatchReplay::progress, this, &ReplayPanel::show);
    connect(&replay_, &BatchReplay::finished, this, [this](const ReplaySummary& s) {
        show(s);
        start_->setEnabled(true);
        cancel_->setEnabled(false);
        export_->setEnabled(true);
        emit replayFinished();
    });

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel("File", this));
    controls->addWidget(path_, 1);
    controls->addWidget(choose);
    controls->addWidget(rate_);
    controls->addWidget(start_);
    controls->addWidget(cancel_);
    controls->addWidget(export_);
    auto* results = new QSplitter(Qt::Horizontal, this);
    results->addWidget(histogram_);
    results->addWidget(errors_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(outcomes_);
    layout->addWidget(results, 1);
    status_->setText(
        "A replay is a dry run: nothing is recorded in card histories, metrics, "
        "drift or the live feed.");
}

ReplayPanel::~ReplayPanel() {
    replay_.cancel();
    QFile::remove(resultsCsv_);
}

void ReplayPanel::setPath(const QString& path) {
    path_->setText(path);
}
void ReplayPanel::setRate(int rowsPerSecond) {
    rate_->setValue(rowsPerSecond);
}

bool ReplayPanel::start() {
    const auto endpoints = session_.scorerEndpoints();
    if (endpoints.empty()) {
        status_->setText("No scorer to replay against yet.");
        return false;
    }
    BatchReplay::Options options;
    options.path = path_->text().trimmed().toStdString();
    // One replica: its card histories are the ones the rows are scored against.
    options.endpoint = endpoints.front();
    options.rowsPerSecond = rate_->value();
    options.resultsCsv = resultsCsv_.toStdString();
    QString error;
    if (!replay_.start(options, &error)) {
        status_->setText(error);
        return false;
    }
    summary_.reset();
    start_->setEnabled(false);
    cancel_->setEnabled(true);
    export_->setEnabled(false);
    progress_->setValue(0);
    status_->setText(
        QStringLiteral("Replaying on %1…").arg(QString::fromStdString(options.endpoint.address)));
    return true;
}

void ReplayPanel::cancel() {
    replay_.cancel();
}

void ReplayPanel::show(const ReplaySummary& s) {
    summary_ = s;
    progress_->setValue(static_cast<int>(s.fileProgress * 1000));
    status_->setText(statusText());
    outcomes_->setText(
        QStringLiteral("<b>%1</b> approved · <b>%2</b> to review · <b>%3</b> declined · "
                       "<b>%4</b> failed")
            .arg(count(s.byDecision[fraud::v1::DECISION_APPROVE]),
                 count(s.byDecision[fraud::v1::DECISION_REVIEW]),
                 count(s.byDecision[fraud::v1::DECISION_DECLINE]), count(s.failed())));
    std::vector<QString> labels;
    std::vector<double> shares;
    for (std::size_t b = 0; b < s.scoreHistogram.size(); ++b) {
        labels.push_back(QString::number(double(b) / s.scoreHistogram.size(), 'f', 2));
        shares.push_back(s.scored ? 100.0 * s.scoreHistogram[b] / s.scored : 0);
    }
    histogram_->setValueSuffix(" %");
    histogram_->setData(labels, {{"scores, % of rows", QColor(0x15, 0x65, 0xc0), shares}});
    QString html;
    if (s.errors.empty()) {
        html += "<p>No row failed.</p>";
    } else {
        html += "<p><b>Errors by field</b></p><ul>";
        for (const auto& [field, e] : s.errors) {
            QStringList lines;
            for (int l : e.lines)
                lines << QString::number(l);
            html += QStringLiteral("<li><b>%1</b>: %2 rows, lines %3%4 — %5</li>")
                        .arg(field.toHtmlEscaped(), count(e.count), lines.join(", "),
                             e.count > e.lines.size() ? QStringLiteral(", …") : QString(),
                             e.example.toHtmlEscaped());
        }
        html += "</ul>";
    }
    if (!s.slowest.empty()) {
        html += "<p><b>Slowest batches</b></p><ul>";
        for (const auto& b : s.slowest)
            html += QStringLiteral("<li>lines %1–%2: %3 ms</li>")
                        .arg(b.firstLine)
                        .arg(b.lastLine)
                        .arg(b.milliseconds, 0, 'f', 1);
        html += "</ul>";
    }
    errors_->setHtml(html);
}

QString ReplayPanel::statusText() const {
    if (!summary_)
        return status_->text();
    const auto& s = *summary_;
    QString text = QStringLiteral("%1 rows in %2 s, %3 rows/s")
                       .arg(count(s.rows))
                       .arg(s.seconds, 0, 'f', 1)
                       .arg(s.rowsPerSecond, 0, 'f', 0);
    if (s.finished)
        text += s.cancelled ? QStringLiteral("; cancelled") : QStringLiteral("; done");
    if (!s.failure.isEmpty())
        text += QStringLiteral("; stopped: ") + s.failure;
    return text;
}

bool ReplayPanel::exportResults(const QString& path, QString* error) const {
    if (!summary_ || !summary_->finished) {
        *error = QStringLiteral("No finished replay to export");
        return false;
    }
    QFile::remove(path);
    if (!QFile::copy(resultsCsv_, path)) {
        *error = QStringLiteral("Could not write %1").arg(path);
        return false;
    }
    return true;
}

}  // namespace fraudops
