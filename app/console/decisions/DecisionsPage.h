#pragma once

#include <QElapsedTimer>
#include <QPointer>
#include <deque>
#include <map>
#include <memory>
#include <optional>

#include "control/AsyncControlClient.h"
#include "decisions/DecisionFilterModel.h"
#include "decisions/DecisionStream.h"
#include "decisions/DecisionTableModel.h"
#include "models/ModelSummary.h"
#include "prometheus/PrometheusClient.h"
#include "shell/ConsolePage.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;
class QTabWidget;

namespace fraudops {

class DecisionDetailView;
class ReplayPanel;
class TestTransactionPanel;

// The analysts' live feed: decisions of every replica, merged (DecisionStream), newest first,
// the newest N kept; filtered by decision, minimum score, variant (sent to the scorers, so
// the sample is spent on matching decisions) and text on the ids; paused and resumed. The
// header says what the feed is: the sample rate received out of the cluster's decision rate
// (from Prometheus), and what was dropped. Selecting a row shows the decision whole, with
// its explanation as a waterfall (DecisionDetailView).
class DecisionsPage : public ConsolePage {
    Q_OBJECT
public:
    DecisionsPage(ConsoleSession& session, QWidget* parent);
    ~DecisionsPage() override;

    QString title() const override { return QStringLiteral("Decisions"); }
    void refresh(const TimeWindow& window) override;
    PageContent content() const override;

    DecisionTableModel& model() { return model_; }
    DecisionFilterModel& filter() { return filter_; }
    QTableView& table() const { return *table_; }
    DecisionDetailView& detail() const { return *detail_; }
    TestTransactionPanel& testPanel() const { return *test_; }
    ReplayPanel& replayPanel() const { return *replay_; }
    // Shows the test panel with a what-if from `decision`.
    void startWhatIf(std::shared_ptr<const fraud::v1::LiveDecision> decision);
    bool paused() const { return paused_; }
    void setPaused(bool paused);
    void setDecisionFilter(std::set<fraud::v1::Decision> decisions);
    void setMinScore(double minScore);
    void setVariantFilter(fraud::v1::Variant variant);
    void setTextFilter(const QString& text);
    void setCapacity(int rows);
    void selectRow(int proxyRow);
    QString feedSummary() const;
    // The summary of a version's manifest, once the Control API listed it.
    const ModelSummary* modelSummary(const QString& version) const;

private:
    void restartStream();
    void stopStream();
    void drain();
    void applyFilters();
    void showDetail();
    void updateSummary();
    void onModels();
    void onPrometheusClient();
    void onPrometheus(PrometheusClient::RequestId id, const PrometheusResult& result);
    double receivedPerSecond() const;

    DecisionTableModel model_;
    DecisionFilterModel filter_;
    QLabel* summary_;
    QPushButton* pause_;
    QCheckBox* approve_;
    QCheckBox* review_;
    QCheckBox* decline_;
    QDoubleSpinBox* minScore_;
    QComboBox* variant_;
    QLineEdit* text_;
    QSpinBox* keep_;
    QTableView* table_;
    DecisionDetailView* detail_;
    TestTransactionPanel* test_;
    ReplayPanel* replay_;
    QTabWidget* lower_;

    std::unique_ptr<DecisionStream> stream_;
    bool paused_ = false;
    bool selectedOnce_ = false;  // the first rows selected one, so the detail is never blank
    bool keepDetail_ = false;    // the selection goes with its row, the detail stays
    quint64 receivedTotal_ = 0;
    QElapsedTimer clock_;
    std::deque<std::pair<qint64, std::size_t>> arrivals_;  // (ms on clock_, count), last 10 s
    QPointer<PrometheusClient> prometheus_;
    std::optional<PrometheusClient::RequestId> rateInFlight_;
    std::optional<double> clusterRate_;  // decisions/s, all replicas, from Prometheus
    QString rateError_;
};

}  // namespace fraudops
