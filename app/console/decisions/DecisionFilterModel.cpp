#include "decisions/DecisionFilterModel.h"

#include "decisions/DecisionTableModel.h"

namespace fraudops {

DecisionFilterModel::DecisionFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(DecisionTableModel::SortRole);
    setDynamicSortFilter(true);
}

void DecisionFilterModel::setDecisions(std::set<fraud::v1::Decision> decisions) {
    decisions_ = std::move(decisions);
    invalidateRowsFilter();
}

void DecisionFilterModel::setMinScore(double minScore) {
    minScore_ = minScore;
    invalidateRowsFilter();
}

void DecisionFilterModel::setVariant(fraud::v1::Variant variant) {
    variant_ = variant;
    invalidateRowsFilter();
}

void DecisionFilterModel::setText(const QString& text) {
    text_ = text.trimmed();
    invalidateRowsFilter();
}

bool DecisionFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex&) const {
    const auto* model = qobject_cast<const DecisionTableModel*>(sourceModel());
    const auto d = model ? model->decisionAt(sourceRow) : nullptr;
    if (!d)
        return false;
    const auto& r = d->result();
    if (!decisions_.empty() && !decisions_.contains(r.decision()))
        return false;
    if (r.score() < minScore_)
        return false;
    if (variant_ != fraud::v1::VARIANT_UNSPECIFIED && r.variant() != variant_)
        return false;
    if (text_.isEmpty())
        return true;
    const auto& tx = d->transaction();
    for (const std::string* id :
         {&tx.transaction_id(), &tx.card_id(), &tx.merchant_id(), &tx.device_id()}) {
        if (QString::fromStdString(*id).contains(text_, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

}  // namespace fraudops
