#pragma once

#include <QSortFilterProxyModel>
#include <set>

#include "fraud/v1/scoring.pb.h"

namespace fraudops {

// The feed's rows an analyst asked for: by decision, minimum score, variant and text on the
// ids (transaction, card, merchant, device). The scorer applies the first three too (the page
// sends them with WatchDecisions), so a filtered feed's sample is spent on matching rows; the
// proxy also holds them for rows that arrived before a filter changed.
class DecisionFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit DecisionFilterModel(QObject* parent = nullptr);

    void setDecisions(std::set<fraud::v1::Decision> decisions);  // empty: all
    void setMinScore(double minScore);
    void setVariant(fraud::v1::Variant variant);  // UNSPECIFIED: all
    void setText(const QString& text);

    const std::set<fraud::v1::Decision>& decisions() const { return decisions_; }
    double minScore() const { return minScore_; }
    fraud::v1::Variant variant() const { return variant_; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    std::set<fraud::v1::Decision> decisions_;
    double minScore_ = 0;
    fraud::v1::Variant variant_ = fraud::v1::VARIANT_UNSPECIFIED;
    QString text_;
};

}  // namespace fraudops
