#include "decisions/TestTransactionPanel.h"

#include <google/protobuf/util/time_util.h>

#include <QComboBox>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <cmath>
#include <numeric>

#include "charts/WaterfallChart.h"
#include "common/TransactionValidation.h"
#include "decisions/DecisionTableModel.h"
#include "decisions/ExplanationWaterfall.h"
#include "decisions/TransactionForm.h"
#include "shell/ConsoleSession.h"

namespace fraudops {
namespace {

QString presetLabel(PresetKind kind) {
    return makePreset(kind, 0, 1).name;
}

QString money(double amount) {
    return QString::number(amount, 'f', 2);
}

}  // namespace

TestTransactionPanel::TestTransactionPanel(ConsoleSession& session, ModelLookup models,
                                           QWidget* parent)
    : QWidget(parent),
      session_(session),
      models_(std::move(models)),
      presets_(new QComboBox(this)),
      presetText_(new QLabel(this)),
      form_(new TransactionForm(this)),
      priorText_(new QLabel(this)),
      priorCount_(new QSpinBox(this)),
      priorAmount_(new QDoubleSpinBox(this)),
      priorMinutes_(new QDoubleSpinBox(this)),
      priorChannel_(new QComboBox(this)),
      scoreButton_(new QPushButton("Score (dry run)", this)),
      boundaryButton_(new QPushButton("Where does the decision change?", this)),
      boundaryField_(new QComboBox(this)),
      heading_(new QLabel(this)),
      reproduction_(new QLabel(this)),
      boundaryLabel_(new QLabel(this)),
      waterfall_(new WaterfallChart(this)),
      comparisonView_(new QTableView(this)) {
    presets_->setObjectName("presets");
    presets_->addItem("Preset…", -1);
    for (auto kind : presetKinds())
        presets_->addItem(presetLabel(kind), int(kind));
    connect(presets_, &QComboBox::activated, this, [this](int index) {
        const int kind = presets_->itemData(index).toInt();
        if (kind >= 0)
            applyPreset(static_cast<PresetKind>(kind));
    });
    presetText_->setWordWrap(true);
    presetText_->setObjectName("presetDescription");

    priorText_->setObjectName("priorSummary");
    priorText_->setWordWrap(true);
    priorCount_->setRange(1, 200);
    priorCount_->setValue(5);
    priorCount_->setSuffix(" payments");
    priorAmount_->setRange(0, 1e6);
    priorAmount_->setValue(2.5);
    priorAmount_->setPrefix("of ");
    priorMinutes_->setRange(0.1, 7 * 24 * 60);
    priorMinutes_->setValue(10);
    priorMinutes_->setSuffix(" min apart");
    for (auto c : {fraud::v1::CHANNEL_ECOM, fraud::v1::CHANNEL_POS, fraud::v1::CHANNEL_ATM,
                   fraud::v1::CHANNEL_MOTO})
        priorChannel_->addItem(DecisionTableModel::channelName(c), int(c));
    auto* setPrior = new QPushButton("Set history", this);
    setPrior->setObjectName("setPrior");
    auto* clearPrior = new QPushButton("Clear", this);
    connect(setPrior, &QPushButton::clicked, this, [this] {
        this->setPrior(
            priorPayments(form_->transaction(), priorCount_->value(), priorAmount_->value(),
                          priorMinutes_->value(),
                          static_cast<fraud::v1::Channel>(priorChannel_->currentData().toInt())));
    });
    connect(clearPrior, &QPushButton::clicked, this, [this] { this->setPrior({}); });

    scoreButton_->setObjectName("scoreTest");
    scoreButton_->setDefault(true);
    connect(scoreButton_, &QPushButton::clicked, this, &TestTransactionPanel::score);
    boundaryButton_->setObjectName("findBoundary");
    connect(boundaryButton_, &QPushButton::clicked, this, &TestTransactionPanel::findBoundary);
    boundaryField_->setObjectName("boundaryField");
    boundaryField_->addItem("amount");
    heading_->setObjectName("testHeading");
    heading_->setTextFormat(Qt::RichText);
    heading_->setWordWrap(true);
    reproduction_->setObjectName("reproduction");
    reproduction_->setWordWrap(true);
    boundaryLabel_->setObjectName("boundary");
    boundaryLabel_->setWordWrap(true);
    boundaryLabel_->setTextFormat(Qt::RichText);
    comparisonView_->setObjectName("whatIfComparison");
    comparisonView_->setModel(&comparison_);
    comparisonView_->verticalHeader()->hide();
    comparisonView_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    comparisonView_->setVisible(false);

    // Left: what to send. Right: what came back.
    auto* history = new QGroupBox("Card history for this dry run", this);
    auto* historyLayout = new QVBoxLayout(history);
    historyLayout->addWidget(priorText_);
    auto* generator = new QHBoxLayout;
    generator->addWidget(priorCount_);
    generator->addWidget(priorAmount_);
    generator->addWidget(priorMinutes_);
    generator->addWidget(priorChannel_);
    historyLayout->addLayout(generator);
    auto* historyButtons = new QHBoxLayout;
    historyButtons->addStretch(1);
    historyButtons->addWidget(setPrior);
    historyButtons->addWidget(clearPrior);
    historyLayout->addLayout(historyButtons);
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(presets_);
    leftLayout->addWidget(presetText_);
    leftLayout->addWidget(form_);
    leftLayout->addWidget(history);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(scoreButton_);
    buttons->addStretch(1);
    leftLayout->addLayout(buttons);
    leftLayout->addStretch(1);
    auto* leftScroll = new QScrollArea(this);
    leftScroll->setWidget(left);
    leftScroll->setWidgetResizable(true);
    leftScroll->setFrameShape(QFrame::NoFrame);

    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(heading_);
    rightLayout->addWidget(reproduction_);
    auto* boundaryRow = new QHBoxLayout;
    boundaryRow->addWidget(boundaryButton_);
    boundaryRow->addWidget(boundaryField_);
    boundaryRow->addStretch(1);
    rightLayout->addLayout(boundaryRow);
    rightLayout->addWidget(boundaryLabel_);
    auto* waterfallScroll = new QScrollArea(this);
    waterfallScroll->setWidget(waterfall_);
    waterfallScroll->setWidgetResizable(true);
    waterfallScroll->setFrameShape(QFrame::NoFrame);
    auto* results = new QSplitter(Qt::Vertical, this);
    results->addWidget(waterfallScroll);
    results->addWidget(comparisonView_);
    rightLayout->addWidget(results, 1);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(leftScroll);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(form_, &TransactionForm::edited, form_, &TransactionForm::clearErrors);
    applyPreset(PresetKind::Legitimate);
    heading_->setText(
        "Choose a preset or fill the form, then score it: a dry run that changes "
        "nothing in the cluster.");
}

void TestTransactionPanel::setStableModel(const ModelSummary* model) {
    stable_ = model;
    const bool vector = model && model->schema.startsWith("vector/");
    if (vector == form_->vectorSchema())
        return;
    form_->setVectorFeatures(vector ? model->features : QStringList());
    boundaryField_->clear();
    if (vector) {
        for (const auto& f : model->features)
            boundaryField_->addItem(f, "features[" + f + "]");
    } else {
        boundaryField_->addItem("amount", "amount");
    }
    presets_->setEnabled(!vector);  // the presets are the transaction schema's patterns
}

void TestTransactionPanel::applyPreset(PresetKind kind) {
    const auto preset = makePreset(kind, QDateTime::currentMSecsSinceEpoch(), presetSeed_++);
    whatIfFrom_.reset();
    comparison_.clear();
    comparisonView_->setVisible(false);
    reproduction_->clear();
    reproductionMessage_.clear();
    form_->setTransaction(preset.transaction);
    presetText_->setText(preset.description);
    setPrior(preset.prior);
}

void TestTransactionPanel::setPrior(std::vector<fraud::v1::Transaction> prior) {
    prior_ = std::move(prior);
    updatePriorText();
}

void TestTransactionPanel::updatePriorText() {
    if (prior_.empty()) {
        priorText_->setText("None: the card's live history only (on the replica that has it).");
        return;
    }
    double sum = 0;
    for (const auto& p : prior_)
        sum += p.amount();
    const auto first =
        google::protobuf::util::TimeUtil::TimestampToMilliseconds(prior_.front().timestamp());
    priorText_->setText(
        QStringLiteral("%1 earlier transactions, %2 EUR in all, the first at %3 "
                       "UTC: added to a scratch copy of the card's live history.")
            .arg(prior_.size())
            .arg(money(sum))
            .arg(QDateTime::fromMSecsSinceEpoch(first, Qt::UTC).toString("yyyy-MM-dd HH:mm:ss")));
}

void TestTransactionPanel::startWhatIf(std::shared_ptr<const fraud::v1::LiveDecision> decision) {
    if (!decision)
        return;
    whatIfFrom_ = std::move(decision);
    form_->setTransaction(whatIfFrom_->transaction());
    presetText_->setText(
        QStringLiteral(
            "What-if from the live decision %1: re-scored unchanged first, then change any field "
            "and score again to compare.")
            .arg(QString::fromStdString(whatIfFrom_->transaction().transaction_id())));
    setPrior({});
    comparison_.clear();
    reproducing_ = true;
    score();
}

std::optional<QString> TestTransactionPanel::validationError(
    const fraud::v1::Transaction& tx) const {
    fraud::ExpectedInput expected;
    if (stable_ && stable_->schema.startsWith("vector/")) {
        expected.vector = true;
        for (const auto& f : stable_->features)
            expected.features.push_back(f.toStdString());
        expected.schemaId = stable_->schema.toStdString();
    }
    fraud::ValidationLimits limits;
    limits.maxEventAge = std::chrono::hours(24 * 365 * 100);  // a dry run: any age
    const auto now = QDateTime::currentMSecsSinceEpoch();
    auto error = fraud::validateTransaction(tx, expected, limits, now);
    for (std::size_t i = 0; !error && i < prior_.size(); ++i) {
        if (auto e = fraud::validateTransaction(prior_[i], expected, limits, now)) {
            e->field = "prior[" + std::to_string(i) + "]." + e->field;
            error = e;
        }
    }
    if (!error)
        return std::nullopt;
    const QString field = QString::fromStdString(error->field);
    const QString message = QString::fromStdString(error->message);
    form_->showError(field, message);  // a prior's has no widget: shown as text only
    return field + ": " + message;
}

AsyncScoringClient* TestTransactionPanel::clientFor(const fraud::v1::Transaction& tx) {
    auto* client = session_.scoringFor(tx.card_id().empty() ? tx.transaction_id() : tx.card_id());
    if (client != client_) {
        if (client_)
            disconnect(client_, nullptr, this, nullptr);
        client_ = client;
        scoreInFlight_.reset();
        boundaryInFlight_.reset();
        if (client_) {
            connect(client_, &AsyncScoringClient::scored, this, &TestTransactionPanel::onScored);
            connect(client_, &AsyncScoringClient::boundaryFound, this,
                    &TestTransactionPanel::onBoundary);
        }
    }
    return client_;
}

void TestTransactionPanel::followCard(const fraud::v1::Transaction& tx) {
    // The history is the card's: a card changed in the form takes its history along.
    for (auto& p : prior_)
        p.set_card_id(tx.card_id());
}

bool TestTransactionPanel::score() {
    const auto tx = form_->transaction();
    followCard(tx);
    if (auto error = validationError(tx)) {
        error_ = *error;
        heading_->setText(QStringLiteral("<b>Not sent</b>: %1").arg(error->toHtmlEscaped()));
        reproducing_ = false;
        emit scored();
        return false;
    }
    auto* client = clientFor(tx);
    if (!client) {
        heading_->setText("No scorer to ask yet.");
        return false;
    }
    fraud::v1::ScoreRequest request;
    *request.mutable_transaction() = tx;
    for (const auto& p : prior_)
        *request.add_prior() = p;
    request.set_explain(true);
    request.set_record_mode(fraud::v1::RECORD_NONE);
    scoreInFlight_ = client->score(request);
    heading_->setText(
        QStringLiteral("Scoring on %1…").arg(QString::fromStdString(client->endpoint().address)));
    return true;
}

void TestTransactionPanel::onScored(AsyncScoringClient::RequestId id,
                                    const Outcome<fraud::v1::ScoreResult>& outcome) {
    if (!scoreInFlight_ || id != *scoreInFlight_)
        return;
    scoreInFlight_.reset();
    if (!outcome.ok()) {
        error_ = QString::fromStdString(outcome.error->message);
        const QString field = QString::fromStdString(outcome.error->field);
        if (!field.isEmpty())
            form_->showError(field, error_);
        heading_->setText(
            QStringLiteral("<b>The scorer refused it</b>: %1").arg(error_.toHtmlEscaped()));
        result_.reset();
        reproducing_ = false;
        emit scored();
        return;
    }
    error_.clear();
    result_ = *outcome.value;
    if (reproducing_ && whatIfFrom_) {
        reproducing_ = false;
        const double live = whatIfFrom_->result().score(), again = result_->score();
        reproductionMessage_ =
            live == again ? QStringLiteral("Re-scored unchanged: %1, exactly the live score.")
                                .arg(again, 0, 'f', 6)
                          : QStringLiteral(
                                "Re-scored unchanged: %1, the live score was %2: the card's "
                                "history or the serving version changed since (live %3, now %4).")
                                .arg(again, 0, 'f', 6)
                                .arg(live, 0, 'f', 6)
                                .arg(QString::fromStdString(whatIfFrom_->result().model_version()),
                                     QString::fromStdString(result_->model_version()));
        reproduction_->setText(reproductionMessage_);
    }
    showResult();
    emit scored();
}

void TestTransactionPanel::showResult() {
    if (!result_)
        return;
    heading_->setText(resultText());
    const ModelSummary* model =
        models_ ? models_(QString::fromStdString(result_->model_version())) : nullptr;
    waterfall_->setData(explanationWaterfall(*result_, model));
    if (whatIfFrom_ && whatIfFrom_->result().has_explanation()) {
        comparison_.setExplanations(whatIfFrom_->result().explanation(), result_->explanation());
        comparisonView_->setVisible(true);
    }
}

QString TestTransactionPanel::resultText() const {
    if (!result_)
        return error_;
    QString text = QStringLiteral("<b>%1</b> · score %2 · %3 %4 · dry run, nothing recorded")
                       .arg(DecisionTableModel::decisionName(result_->decision()).toUpper(),
                            QString::number(result_->score(), 'f', 4),
                            DecisionTableModel::variantName(result_->variant()),
                            QString::fromStdString(result_->model_version()).toHtmlEscaped());
    if (result_->card_history_missing())
        text += QStringLiteral(
            "<br>Scored without the card's history (its store did not "
            "answer): the velocity features were missing.");
    if (whatIfFrom_) {
        const auto& live = whatIfFrom_->result();
        text += QStringLiteral("<br>Live: %1 · score %2")
                    .arg(DecisionTableModel::decisionName(live.decision()),
                         QString::number(live.score(), 'f', 4));
    }
    return text;
}

QString TestTransactionPanel::reproductionText() const {
    return reproductionMessage_;
}

bool TestTransactionPanel::findBoundary() {
    const auto tx = form_->transaction();
    followCard(tx);
    if (auto error = validationError(tx)) {
        boundaryText_ = *error;
        boundaryLabel_->setText(error->toHtmlEscaped());
        emit boundaryFound();
        return false;
    }
    auto* client = clientFor(tx);
    if (!client)
        return false;
    fraud::v1::DecisionBoundaryRequest request;
    *request.mutable_transaction() = tx;
    for (const auto& p : prior_)
        *request.add_prior() = p;
    const QString field = boundaryField_->currentData().toString().isEmpty()
                              ? QStringLiteral("amount")
                              : boundaryField_->currentData().toString();
    request.set_field(field.toStdString());
    boundaryInFlight_ = client->boundary(request);
    boundaryLabel_->setText("Looking for the nearest flips…");
    return true;
}

void TestTransactionPanel::onBoundary(AsyncScoringClient::RequestId id,
                                      const Outcome<fraud::v1::DecisionBoundary>& outcome) {
    if (!boundaryInFlight_ || id != *boundaryInFlight_)
        return;
    boundaryInFlight_.reset();
    if (!outcome.ok()) {
        boundary_.reset();
        boundaryText_ = QString::fromStdString(outcome.error->message);
        boundaryLabel_->setText(boundaryText_.toHtmlEscaped());
        emit boundaryFound();
        return;
    }
    boundary_ = *outcome.value;
    const auto& b = *boundary_;
    const bool amount = b.field() == "amount";
    const QString unit =
        amount ? " " + QString::fromStdString(form_->transaction().currency()) : "";
    const auto show = [&](double v) {
        return amount ? money(v) + unit : QString::number(v, 'g', 6);
    };
    QStringList parts;
    for (const auto& flip : b.flips()) {
        // Amounts in whole cents: the first cent at or past the flip.
        const double cents = std::ceil(flip.value() * 100 - 1e-6);
        const double at = amount ? (flip.above() ? cents : cents - 1) / 100 : flip.value();
        parts << QStringLiteral("%1 at %2 and %3 (score %4)")
                     .arg(DecisionTableModel::decisionName(flip.decision()), show(at),
                          flip.above() ? "above" : "below", QString::number(flip.score(), 'f', 4));
    }
    const QString now =
        QStringLiteral("%1 at %2")
            .arg(DecisionTableModel::decisionName(b.current().decision()), show(b.value()));
    boundaryText_ =
        parts.isEmpty()
            ? QStringLiteral("%1; no %2 changes the decision (%3 split thresholds checked).")
                  .arg(now, amount ? QStringLiteral("amount") : QString::fromStdString(b.field()))
                  .arg(b.thresholds())
            : QStringLiteral("%1; %2. From %3 split thresholds of %4.")
                  .arg(now, parts.join("; "))
                  .arg(b.thresholds())
                  .arg(QString::fromStdString(
                      std::accumulate(b.dependents().begin(), b.dependents().end(), std::string(),
                                      [](std::string a, const std::string& d) {
                                          return a.empty() ? d : a + ", " + d;
                                      })));
    boundaryLabel_->setText(boundaryText_.toHtmlEscaped());
    emit boundaryFound();
}

QString TestTransactionPanel::boundaryText() const {
    return boundaryText_;
}

}  // namespace fraudops
