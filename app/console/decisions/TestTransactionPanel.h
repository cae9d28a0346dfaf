#pragma once

#include <QPointer>
#include <QWidget>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "decisions/ContributionComparisonModel.h"
#include "fraud/v1/scoring.pb.h"
#include "models/ModelSummary.h"
#include "scoring/AsyncScoringClient.h"
#include "scoring/TransactionPresets.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;

namespace fraudops {

class ConsoleSession;
class TransactionForm;
class WaterfallChart;

// Test transactions and what-ifs, always dry runs (RECORD_NONE: no card history, metric, drift
// or feed changes): a form with every field, validated as the scorer validates before anything
// is sent; presets of the trainer's fraud patterns; an optional card history sent as prior
// transactions; the result as a decision, a score and the explanation's waterfall. Started
// from a live decision (what-if), it first re-scores it unchanged and says whether that
// reproduces the live score, then shows each change side by side with the live explanation.
// The decision boundary asks the scorer where the amount (or a vector feature) would flip it.
class TestTransactionPanel : public QWidget {
    Q_OBJECT
public:
    using ModelLookup = std::function<const ModelSummary*(const QString& version)>;
    TestTransactionPanel(ConsoleSession& session, ModelLookup models, QWidget* parent = nullptr);

    // The stable version's summary: its schema decides the form's fields.
    void setStableModel(const ModelSummary* model);
    void applyPreset(PresetKind kind);
    void startWhatIf(std::shared_ptr<const fraud::v1::LiveDecision> decision);
    // Validates, then scores the form's transaction as a dry run; false if it is invalid.
    bool score();
    // Asks where the decision flips along the amount (or the chosen vector feature).
    bool findBoundary();

    TransactionForm& form() const { return *form_; }
    void setPrior(std::vector<fraud::v1::Transaction> prior);
    const std::vector<fraud::v1::Transaction>& prior() const { return prior_; }
    const std::optional<fraud::v1::ScoreResult>& result() const { return result_; }
    const std::optional<fraud::v1::DecisionBoundary>& boundary() const { return boundary_; }
    QString resultText() const;
    QString boundaryText() const;
    QString reproductionText() const;
    ContributionComparisonModel& comparison() { return comparison_; }

signals:
    void scored();         // a result or an error came back
    void boundaryFound();  // likewise

private:
    std::optional<QString> validationError(const fraud::v1::Transaction& tx) const;
    void onScored(AsyncScoringClient::RequestId id, const Outcome<fraud::v1::ScoreResult>& outcome);
    void onBoundary(AsyncScoringClient::RequestId id,
                    const Outcome<fraud::v1::DecisionBoundary>& outcome);
    AsyncScoringClient* clientFor(const fraud::v1::Transaction& tx);
    void followCard(const fraud::v1::Transaction& tx);
    void showResult();
    void updatePriorText();

    ConsoleSession& session_;
    ModelLookup models_;
    const ModelSummary* stable_ = nullptr;
    QComboBox* presets_;
    QLabel* presetText_;
    TransactionForm* form_;
    QLabel* priorText_;
    QSpinBox* priorCount_;
    QDoubleSpinBox* priorAmount_;
    QDoubleSpinBox* priorMinutes_;
    QComboBox* priorChannel_;
    QPushButton* scoreButton_;
    QPushButton* boundaryButton_;
    QComboBox* boundaryField_;
    QLabel* heading_;
    QLabel* reproduction_;
    QLabel* boundaryLabel_;
    WaterfallChart* waterfall_;
    QTableView* comparisonView_;
    ContributionComparisonModel comparison_;

    std::vector<fraud::v1::Transaction> prior_;
    std::uint64_t presetSeed_ = 1;
    std::shared_ptr<const fraud::v1::LiveDecision> whatIfFrom_;
    bool reproducing_ = false;  // the pending score is the unchanged re-score of a live one
    QString reproductionMessage_;
    QPointer<AsyncScoringClient> client_;
    std::optional<AsyncScoringClient::RequestId> scoreInFlight_, boundaryInFlight_;
    std::optional<fraud::v1::ScoreResult> result_;
    std::optional<fraud::v1::DecisionBoundary> boundary_;
    QString boundaryText_;
    QString error_;
};

}  // namespace fraudops
