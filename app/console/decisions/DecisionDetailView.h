#pragma once

#include <QWidget>
#include <memory>

#include "fraud/v1/scoring.pb.h"
#include "models/ModelSummary.h"

class QLabel;
class QPushButton;
class QTextBrowser;

namespace fraudops {

class WaterfallChart;

// One decision, whole: its transaction, its outcome, and why, as a waterfall of the score's
// explanation with the thresholds marked and each feature's value placed in the version's
// training baseline. Says whether the explanation sums to the margin. Copies as JSON.
class DecisionDetailView : public QWidget {
    Q_OBJECT
public:
    explicit DecisionDetailView(QWidget* parent = nullptr);

    // `model`: the deciding version's summary, if known (thresholds, baselines).
    void setDecision(std::shared_ptr<const fraud::v1::LiveDecision> decision,
                     const ModelSummary* model);
    void clear();
    // The decision shown is no longer in the table (only the newest `kept` are): said in the
    // heading; the detail stays until another is chosen.
    void markLeftTable(std::size_t kept);
    bool leftTable() const { return leftTable_; }
    // Whether the deciding version's summary was known when it was drawn.
    bool drawnWithModel() const { return drawnWithModel_; }
    std::shared_ptr<const fraud::v1::LiveDecision> decision() const { return decision_; }
    // The decision in the proto3 JSON mapping, as `fraudctl` and gRPC tools read it.
    QString json() const;
    const WaterfallChart& waterfall() const { return *waterfall_; }
    QString sumText() const;

signals:
    // What-if from this decision: the page opens the test panel with it.
    void whatIfRequested(std::shared_ptr<const fraud::v1::LiveDecision> decision);

private:
    std::shared_ptr<const fraud::v1::LiveDecision> decision_;
    QString headingText_;  // without the note of markLeftTable
    bool leftTable_ = false;
    bool drawnWithModel_ = false;
    QLabel* heading_;
    QTextBrowser* transaction_;
    WaterfallChart* waterfall_;
    QLabel* sum_;
    QPushButton* copy_;
    QPushButton* whatIf_;
};

}  // namespace fraudops
