#include "decisions/ContributionComparisonModel.h"

#include <QBrush>
#include <QColor>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "decisions/ExplanationWaterfall.h"

namespace fraudops {

ContributionComparisonModel::ContributionComparisonModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void ContributionComparisonModel::setExplanations(const fraud::v1::Explanation& before,
                                                  const fraud::v1::Explanation& after) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    std::map<QString, Row> byName;
    for (const auto& c : before.contributions()) {
        auto& r = byName[QString::fromStdString(c.feature())];
        r = {QString::fromStdString(c.feature()), c.value(), nan, c.contribution(), 0};
    }
    for (const auto& c : after.contributions()) {
        const QString name = QString::fromStdString(c.feature());
        auto it = byName.find(name);
        if (it == byName.end())
            it = byName.emplace(name, Row{name, nan, nan, 0, 0}).first;
        it->second.valueAfter = c.value();
        it->second.after = c.contribution();
    }
    beginResetModel();
    rows_.clear();
    for (auto& [name, row] : byName)
        rows_.push_back(row);
    std::stable_sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
        return std::abs(a.after - a.before) > std::abs(b.after - b.before);
    });
    endResetModel();
}

void ContributionComparisonModel::clear() {
    beginResetModel();
    rows_.clear();
    endResetModel();
}

int ContributionComparisonModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int ContributionComparisonModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ContributionComparisonModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const Row& r = rows_[static_cast<std::size_t>(index.row())];
    const double change = r.after - r.before;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
            case Feature:
                return r.feature;
            case ValueBefore:
                return featureValueText(r.valueBefore);
            case ValueAfter:
                return featureValueText(r.valueAfter);
            case Before:
                return QString::asprintf("%+.4f", r.before);
            case After:
                return QString::asprintf("%+.4f", r.after);
            case Change:
                return std::abs(change) < 5e-5 ? QString("—") : QString::asprintf("%+.4f", change);
            default:
                return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != Feature)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == Change && std::abs(change) >= 5e-5)
        return QBrush(change > 0 ? QColor(0xc6, 0x28, 0x28) : QColor(0x2e, 0x7d, 0x32));
    if (role == Qt::FontRole && index.column() == ValueAfter && r.valueAfter != r.valueBefore &&
        !(std::isnan(r.valueAfter) && std::isnan(r.valueBefore))) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

QVariant ContributionComparisonModel::headerData(int section, Qt::Orientation orientation,
                                                 int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
        case Feature:
            return QStringLiteral("Feature");
        case ValueBefore:
            return QStringLiteral("Value, live");
        case ValueAfter:
            return QStringLiteral("Value, what-if");
        case Before:
            return QStringLiteral("Contribution, live");
        case After:
            return QStringLiteral("Contribution, what-if");
        case Change:
            return QStringLiteral("Change");
        default:
            return {};
    }
}

}  // namespace fraudops
