#include "decisions/TransactionForm.h"

#include <google/protobuf/util/time_util.h>

#include <QComboBox>
#include <QDateTimeEdit>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QTableWidget>
#include <QTimeZone>
#include <cmath>

#include "decisions/DecisionTableModel.h"

namespace fraudops {
namespace {

QString str(const std::string& s) {
    return QString::fromStdString(s);
}
std::string std8(const QString& s) {
    return s.trimmed().toStdString();
}

}  // namespace

TransactionForm::TransactionForm(QWidget* parent)
    : QWidget(parent),
      layout_(new QFormLayout),
      id_(new QLineEdit(this)),
      card_(new QLineEdit(this)),
      merchant_(new QLineEdit(this)),
      category_(new QLineEdit(this)),
      amount_(new QDoubleSpinBox(this)),
      currency_(new QLineEdit(this)),
      time_(new QDateTimeEdit(this)),
      channel_(new QComboBox(this)),
      country_(new QLineEdit(this)),
      cardCountry_(new QLineEdit(this)),
      device_(new QLineEdit(this)),
      features_(new QTableWidget(0, 2, this)),
      error_(new QLabel(this)) {
    id_->setObjectName("transaction_id");
    card_->setObjectName("card_id");
    merchant_->setObjectName("merchant_id");
    category_->setObjectName("merchant_category");
    category_->setPlaceholderText("four digits, e.g. 5411");
    amount_->setObjectName("amount");
    // Negative and absurd amounts can be typed, so the form says what the scorer would say.
    amount_->setRange(-1e9, 1e9);
    amount_->setDecimals(2);
    currency_->setObjectName("currency");
    time_->setObjectName("timestamp");
    time_->setTimeSpec(Qt::UTC);
    time_->setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'");
    time_->setCalendarPopup(true);
    channel_->setObjectName("channel");
    for (auto c : {fraud::v1::CHANNEL_POS, fraud::v1::CHANNEL_ECOM, fraud::v1::CHANNEL_ATM,
                   fraud::v1::CHANNEL_MOTO})
        channel_->addItem(DecisionTableModel::channelName(c), int(c));
    country_->setObjectName("country");
    country_->setPlaceholderText("merchant's, ISO 3166-1 alpha-2");
    cardCountry_->setObjectName("card_country");
    cardCountry_->setPlaceholderText("issuer's, ISO 3166-1 alpha-2");
    device_->setObjectName("device_id");
    device_->setPlaceholderText("empty: no device");
    features_->setObjectName("features");
    features_->setHorizontalHeaderLabels({"Feature", "Value"});
    features_->horizontalHeader()->setStretchLastSection(true);
    features_->verticalHeader()->hide();
    error_->setObjectName("formError");
    error_->setWordWrap(true);
    error_->setStyleSheet("color: #c62828");

    layout_->addRow("Transaction id", id_);
    layout_->addRow("Card", card_);
    layout_->addRow("Merchant", merchant_);
    layout_->addRow("Category (MCC)", category_);
    layout_->addRow("Amount", amount_);
    layout_->addRow("Currency", currency_);
    layout_->addRow("Time", time_);
    layout_->addRow("Channel", channel_);
    layout_->addRow("Country", country_);
    layout_->addRow("Card's country", cardCountry_);
    layout_->addRow("Device", device_);
    layout_->addRow("Features", features_);
    layout_->addRow(error_);
    layout_->setRowVisible(features_, false);
    setLayout(layout_);
    for (QLineEdit* e :
         {id_, card_, merchant_, category_, currency_, country_, cardCountry_, device_})
        connect(e, &QLineEdit::textEdited, this, &TransactionForm::edited);
    connect(amount_, &QDoubleSpinBox::valueChanged, this, &TransactionForm::edited);
    connect(time_, &QDateTimeEdit::dateTimeChanged, this, &TransactionForm::edited);
    connect(channel_, &QComboBox::currentIndexChanged, this, &TransactionForm::edited);
    connect(features_, &QTableWidget::cellChanged, this, &TransactionForm::edited);
}

void TransactionForm::setVectorFeatures(const QStringList& names) {
    vectorFeatures_ = names;
    const bool vector = !names.isEmpty();
    for (QWidget* w : {static_cast<QWidget*>(card_), static_cast<QWidget*>(merchant_),
                       static_cast<QWidget*>(category_), static_cast<QWidget*>(amount_),
                       static_cast<QWidget*>(currency_), static_cast<QWidget*>(time_),
                       static_cast<QWidget*>(channel_), static_cast<QWidget*>(country_),
                       static_cast<QWidget*>(cardCountry_), static_cast<QWidget*>(device_)})
        layout_->setRowVisible(w, !vector);
    layout_->setRowVisible(features_, vector);
    features_->setRowCount(static_cast<int>(names.size()));
    for (int i = 0; i < names.size(); ++i) {
        auto* name = new QTableWidgetItem(names[i]);
        name->setFlags(Qt::ItemIsEnabled);
        features_->setItem(i, 0, name);
        if (!features_->item(i, 1))
            features_->setItem(i, 1, new QTableWidgetItem("0"));
    }
}

fraud::v1::Transaction TransactionForm::transaction() const {
    fraud::v1::Transaction tx;
    tx.set_transaction_id(std8(id_->text()));
    if (vectorSchema()) {
        for (const auto& [name, value] : otherFeatures_)
            (*tx.mutable_features())[name] = value;
        for (int i = 0; i < features_->rowCount(); ++i) {
            const auto* value = features_->item(i, 1);
            bool ok = false;
            const double v = value ? value->text().toDouble(&ok) : 0;
            // Not a number: left out, so the scorer's rule ("is required") names it.
            if (ok)
                (*tx.mutable_features())[std8(features_->item(i, 0)->text())] = v;
            else
                tx.mutable_features()->erase(std8(features_->item(i, 0)->text()));
        }
        return tx;
    }
    tx.set_card_id(std8(card_->text()));
    tx.set_merchant_id(std8(merchant_->text()));
    tx.set_merchant_category(std8(category_->text()));
    tx.set_amount(amount_->value());
    tx.set_currency(std8(currency_->text()));
    *tx.mutable_timestamp() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
        time_->dateTime().toMSecsSinceEpoch());
    tx.set_channel(static_cast<fraud::v1::Channel>(channel_->currentData().toInt()));
    tx.set_country(std8(country_->text()));
    tx.set_card_country(std8(cardCountry_->text()));
    tx.set_device_id(std8(device_->text()));
    return tx;
}

void TransactionForm::setTransaction(const fraud::v1::Transaction& tx) {
    const QSignalBlocker block(this);
    id_->setText(str(tx.transaction_id()));
    card_->setText(str(tx.card_id()));
    merchant_->setText(str(tx.merchant_id()));
    category_->setText(str(tx.merchant_category()));
    amount_->setValue(tx.amount());
    currency_->setText(str(tx.currency()));
    time_->setDateTime(QDateTime::fromMSecsSinceEpoch(
        google::protobuf::util::TimeUtil::TimestampToMilliseconds(tx.timestamp()), Qt::UTC));
    channel_->setCurrentIndex(std::max(0, channel_->findData(int(tx.channel()))));
    country_->setText(str(tx.country()));
    cardCountry_->setText(str(tx.card_country()));
    device_->setText(str(tx.device_id()));
    otherFeatures_.clear();
    for (const auto& [name, value] : tx.features()) {
        if (!vectorFeatures_.contains(QString::fromStdString(name)))
            otherFeatures_[name] = value;
    }
    for (int i = 0; i < features_->rowCount(); ++i) {
        const auto it = tx.features().find(std8(features_->item(i, 0)->text()));
        features_->setItem(
            i, 1,
            new QTableWidgetItem(it == tx.features().end() ? QString()
                                                           : QString::number(it->second, 'g', 10)));
    }
    clearErrors();
}

QWidget* TransactionForm::widgetFor(const QString& field) const {
    if (field.startsWith("features"))
        return features_;
    return findChild<QWidget*>(field);
}

bool TransactionForm::showError(const QString& field, const QString& message) {
    clearErrors();
    QWidget* w = widgetFor(field);
    error_->setText(field + ": " + message);
    if (!w)
        return false;
    w->setStyleSheet("border: 1px solid #c62828");
    w->setFocus();
    if (field.startsWith("features[")) {
        const QString name = field.mid(9, field.size() - 10);
        for (int i = 0; i < features_->rowCount(); ++i) {
            if (features_->item(i, 0)->text() == name)
                features_->setCurrentCell(i, 1);
        }
    }
    return true;
}

void TransactionForm::clearErrors() {
    error_->clear();
    for (auto* w : findChildren<QWidget*>())
        if (!w->styleSheet().isEmpty() && w != error_)
            w->setStyleSheet({});
}

QString TransactionForm::errorText() const {
    return error_->text();
}

}  // namespace fraudops
