#pragma once

#include <QAbstractTableModel>
#include <deque>
#include <memory>
#include <vector>

#include "fraud/v1/scoring.pb.h"

namespace fraudops {

// The live feed's newest decisions, newest first, at most `capacity` of them: older ones fall
// off the end as new ones arrive, so memory stays bounded however long the feed runs. Each row
// keeps its whole LiveDecision (transaction, result, explanation) for the detail view.
class DecisionTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Time,
        TransactionId,
        Card,
        Merchant,
        Amount,
        Channel,
        Countries,
        Score,
        Decision,
        Variant,
        Replica,
        ColumnCount
    };
    // The value a column sorts and filters by (time in ms, score and amount as numbers).
    static constexpr int SortRole = Qt::UserRole;
    static constexpr std::size_t kDefaultCapacity = 2000;

    explicit DecisionTableModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // Newest last in `batch`, as the stream delivers them; shown newest first.
    void add(std::vector<fraud::v1::LiveDecision>&& batch);
    void clear();
    void setCapacity(std::size_t capacity);
    std::size_t capacity() const { return capacity_; }
    // The decision of a row; null outside.
    std::shared_ptr<const fraud::v1::LiveDecision> decisionAt(int row) const;

    static QString decisionName(fraud::v1::Decision decision);
    static QString variantName(fraud::v1::Variant variant);
    static QString channelName(fraud::v1::Channel channel);

signals:
    // Rows from `first` on are about to go (only the newest `capacity` are kept); sent before
    // the views learn of it, so the page can act on its selection first.
    void aboutToTrim(int first);

private:
    void trim();

    std::deque<std::shared_ptr<const fraud::v1::LiveDecision>> rows_;  // newest first
    std::size_t capacity_ = kDefaultCapacity;
};

}  // namespace fraudops
