#include "decisions/DecisionDetailView.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <cmath>

#include "charts/WaterfallChart.h"
#include "decisions/DecisionTableModel.h"
#include "decisions/ExplanationWaterfall.h"

namespace fraudops {
namespace {

QString transactionHtml(const fraud::v1::LiveDecision& d) {
    const auto& tx = d.transaction();
    const auto str = [](const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); };
    QString html = QStringLiteral("<table cellspacing=2>");
    const auto row = [&](const QString& name, const QString& value) {
        html += QStringLiteral("<tr><td><i>%1</i></td><td>%2</td></tr>").arg(name, value);
    };
    row("transaction", str(tx.transaction_id()));
    row("card", str(tx.card_id()));
    row("merchant", str(tx.merchant_id()) + " (category " + str(tx.merchant_category()) + ")");
    row("amount", QString::number(tx.amount(), 'f', 2) + " " + str(tx.currency()));
    row("time", QString::fromStdString(google::protobuf::util::TimeUtil::ToString(tx.timestamp())));
    row("channel", DecisionTableModel::channelName(tx.channel()));
    row("country", str(tx.country()) + " (card issued in " + str(tx.card_country()) + ")");
    row("device", tx.device_id().empty() ? QStringLiteral("none") : str(tx.device_id()));
    for (const auto& [name, value] : tx.features())
        row(QString::fromStdString(name).toHtmlEscaped(), QString::number(value, 'g', 8));
    html += "</table>";
    return html;
}

}  // namespace

DecisionDetailView::DecisionDetailView(QWidget* parent)
    : QWidget(parent),
      heading_(new QLabel(this)),
      transaction_(new QTextBrowser(this)),
      waterfall_(new WaterfallChart(this)),
      sum_(new QLabel(this)),
      copy_(new QPushButton("Copy as JSON", this)),
      whatIf_(new QPushButton("What if…", this)) {
    heading_->setObjectName("decisionHeading");
    heading_->setTextFormat(Qt::RichText);
    heading_->setWordWrap(true);
    transaction_->setObjectName("decisionTransaction");
    transaction_->setMinimumWidth(240);
    waterfall_->setObjectName("decisionWaterfall");
    sum_->setObjectName("explanationSum");
    sum_->setWordWrap(true);
    copy_->setObjectName("copyDecisionJson");
    whatIf_->setObjectName("whatIfDecision");
    whatIf_->setToolTip("Re-score this transaction as a dry run, change any field, compare");
    connect(whatIf_, &QPushButton::clicked, this, [this] {
        if (decision_)
            emit whatIfRequested(decision_);
    });
    connect(copy_, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(json()); });

    auto* scroll = new QScrollArea(this);
    scroll->setWidget(waterfall_);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* right = new QVBoxLayout;
    right->addWidget(scroll, 1);
    right->addWidget(sum_);
    auto* body = new QHBoxLayout;
    body->addWidget(transaction_, 1);
    body->addLayout(right, 3);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(heading_, 1);
    buttons->addWidget(whatIf_);
    buttons->addWidget(copy_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addLayout(body, 1);
    clear();
}

void DecisionDetailView::markLeftTable(std::size_t kept) {
    if (!decision_ || leftTable_)
        return;
    leftTable_ = true;
    heading_->setText(headingText_ +
                      QStringLiteral("<br><span style='color:#616161'>No longer in the table: "
                                     "only the newest %L1 decisions are kept. Pause the feed "
                                     "to keep the rows shown.</span>")
                          .arg(kept));
}

void DecisionDetailView::clear() {
    decision_.reset();
    leftTable_ = false;
    drawnWithModel_ = false;
    heading_->setText(QStringLiteral("Select a decision to see why it was made."));
    transaction_->clear();
    waterfall_->setData({});
    waterfall_->setVisible(false);
    sum_->clear();
    copy_->setEnabled(false);
    whatIf_->setEnabled(false);
}

void DecisionDetailView::setDecision(std::shared_ptr<const fraud::v1::LiveDecision> decision,
                                     const ModelSummary* model) {
    if (!decision) {
        clear();
        return;
    }
    decision_ = std::move(decision);
    leftTable_ = false;
    drawnWithModel_ = model != nullptr;
    const auto& r = decision_->result();
    headingText_ =
        (QStringLiteral("<b>%1</b> · score %2 · %3 %4 · replica %5 · generation %6")
             .arg(DecisionTableModel::decisionName(r.decision()).toUpper(),
                  QString::number(r.score(), 'f', 4), DecisionTableModel::variantName(r.variant()),
                  QString::fromStdString(r.model_version()).toHtmlEscaped(),
                  QString::fromStdString(decision_->replica()).toHtmlEscaped())
             .arg(decision_->generation()) +
         (r.card_history_missing()
              ? QStringLiteral("<br><span style='color:#b35900'>Scored without the "
                               "card's history (its store did not answer): the "
                               "velocity features were missing.</span>")
              : QString()));
    heading_->setText(headingText_);
    transaction_->setHtml(transactionHtml(*decision_));
    copy_->setEnabled(true);
    whatIf_->setEnabled(true);
    if (!r.has_explanation()) {
        waterfall_->setVisible(false);
        sum_->setText(QStringLiteral("No explanation came with this decision."));
        return;
    }
    waterfall_->setData(explanationWaterfall(r, model));
    waterfall_->setVisible(true);
    sum_->setText(sumText() + (model ? QString()
                                     : QStringLiteral(" Thresholds and training baselines of "
                                                      "this version are not known yet.")));
}

QString DecisionDetailView::sumText() const {
    if (!decision_ || !decision_->result().has_explanation())
        return {};
    const auto& e = decision_->result().explanation();
    const double residual = explanationResidual(e);
    const bool sums = std::abs(residual) <= 1e-5;
    return QStringLiteral(
               "%1: base value %2 + %3 contributions = margin %4 (residual %5); "
               "score = sigmoid(margin) = %6.")
        .arg(sums ? QStringLiteral("The explanation sums to the margin")
                  : QStringLiteral("The explanation does NOT sum to the margin"),
             QString::number(e.base_value(), 'f', 4))
        .arg(e.contributions_size())
        .arg(QString::number(e.margin(), 'f', 4), QString::number(residual, 'g', 2),
             QString::number(decision_->result().score(), 'f', 4));
}

QString DecisionDetailView::json() const {
    if (!decision_)
        return {};
    std::string out;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(*decision_, &out, options).ok())
        return {};
    return QString::fromStdString(out);
}

}  // namespace fraudops
