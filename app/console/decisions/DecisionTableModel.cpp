#include "decisions/DecisionTableModel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QLocale>

#include "scoring/ApiNames.h"

namespace fraudops {
namespace {

qint64 eventMillis(const fraud::v1::Transaction& tx) {
    return tx.timestamp().seconds() * 1000 + tx.timestamp().nanos() / 1'000'000;
}

}  // namespace

DecisionTableModel::DecisionTableModel(QObject* parent) : QAbstractTableModel(parent) {}

int DecisionTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int DecisionTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

namespace {

// The console shows "?" for a value the API leaves unset.
QString shown(std::string_view name) {
    return name.empty() ? QStringLiteral("?")
                        : QString::fromUtf8(name.data(), qsizetype(name.size()));
}

}  // namespace

QString DecisionTableModel::decisionName(fraud::v1::Decision decision) {
    return shown(fraudops::decisionName(decision));
}

QString DecisionTableModel::variantName(fraud::v1::Variant variant) {
    return shown(fraudops::variantName(variant));
}

QString DecisionTableModel::channelName(fraud::v1::Channel channel) {
    return shown(fraudops::channelName(channel));
}

QVariant DecisionTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const auto& d = *rows_[static_cast<std::size_t>(index.row())];
    const auto& tx = d.transaction();
    const auto& r = d.result();
    const auto str = [](const std::string& s) { return QString::fromStdString(s); };
    if (role == SortRole) {
        switch (index.column()) {
            case Time:
                return eventMillis(tx);
            case Amount:
                return tx.amount();
            case Score:
                return r.score();
            case Decision:
                return static_cast<int>(r.decision());
            default:
                return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
            case Time:
                return QDateTime::fromMSecsSinceEpoch(eventMillis(tx), Qt::UTC)
                    .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
            case TransactionId:
                return str(tx.transaction_id());
            case Card:
                return str(tx.card_id());
            case Merchant:
                return tx.merchant_category().empty()
                           ? str(tx.merchant_id())
                           : str(tx.merchant_id()) + " (" + str(tx.merchant_category()) + ")";
            case Amount:
                return QLocale::c().toString(tx.amount(), 'f', 2) + " " + str(tx.currency());
            case Channel:
                return channelName(tx.channel());
            case Countries:
                return tx.country() == tx.card_country()
                           ? str(tx.country())
                           : str(tx.card_country()) + " → " + str(tx.country());
            case Score:
                return QString::number(r.score(), 'f', 4);
            case Decision:
                return decisionName(r.decision());
            case Variant:
                return variantName(r.variant()) + " " + str(r.model_version());
            case Replica:
                return str(d.replica());
            default:
                return {};
        }
    }
    if (role == Qt::TextAlignmentRole && (index.column() == Amount || index.column() == Score))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == Decision) {
        if (r.decision() == fraud::v1::DECISION_DECLINE)
            return QBrush(QColor(0xc6, 0x28, 0x28));
        if (r.decision() == fraud::v1::DECISION_REVIEW)
            return QBrush(QColor(0xb2, 0x6a, 0x00));
    }
    if (role == Qt::ToolTipRole && index.column() == Time)
        return QStringLiteral("event time, UTC; generation %1").arg(d.generation());
    return {};
}

QVariant DecisionTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
        case Time:
            return QStringLiteral("Time (UTC)");
        case TransactionId:
            return QStringLiteral("Transaction");
        case Card:
            return QStringLiteral("Card");
        case Merchant:
            return QStringLiteral("Merchant (category)");
        case Amount:
            return QStringLiteral("Amount");
        case Channel:
            return QStringLiteral("Channel");
        case Countries:
            return QStringLiteral("Countries");
        case Score:
            return QStringLiteral("Score");
        case Decision:
            return QStringLiteral("Decision");
        case Variant:
            return QStringLiteral("Variant, version");
        case Replica:
            return QStringLiteral("Replica");
        default:
            return {};
    }
}

void DecisionTableModel::add(std::vector<fraud::v1::LiveDecision>&& batch) {
    if (batch.empty())
        return;
    // Only what can stay: a batch larger than the capacity keeps its newest.
    const std::size_t keep = std::min(batch.size(), capacity_);
    if (keep == 0)
        return;
    beginInsertRows({}, 0, static_cast<int>(keep) - 1);
    for (std::size_t i = batch.size() - keep; i < batch.size(); ++i)
        rows_.push_front(std::make_shared<const fraud::v1::LiveDecision>(std::move(batch[i])));
    endInsertRows();
    trim();
}

void DecisionTableModel::trim() {
    if (rows_.size() <= capacity_)
        return;
    emit aboutToTrim(static_cast<int>(capacity_));
    beginRemoveRows({}, static_cast<int>(capacity_), static_cast<int>(rows_.size()) - 1);
    rows_.resize(capacity_);
    endRemoveRows();
}

void DecisionTableModel::clear() {
    if (rows_.empty())
        return;
    beginResetModel();
    rows_.clear();
    endResetModel();
}

void DecisionTableModel::setCapacity(std::size_t capacity) {
    capacity_ = std::max<std::size_t>(1, capacity);
    trim();
}

std::shared_ptr<const fraud::v1::LiveDecision> DecisionTableModel::decisionAt(int row) const {
    if (row < 0 || row >= rowCount())
        return nullptr;
    return rows_[static_cast<std::size_t>(row)];
}

}  // namespace fraudops
