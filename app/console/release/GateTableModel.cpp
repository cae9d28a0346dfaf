#include "GateTableModel.h"

#include <QBrush>
#include <QColor>
#include <cmath>

namespace fraudops {
namespace {

using rollout::GateResult;
using Kind = GateSpec::Kind;

QString number(double x, int digits) {
    if (!std::isfinite(x))
        return x > 0 ? QStringLiteral("∞") : QStringLiteral("–");
    return QString::number(x, 'f', digits);
}

bool isRatio(const GateResult& r) {
    return r.spec.kind == Kind::EventRate;
}

QString valueOf(const GateResult& r, bool canary) {
    switch (r.spec.kind) {
        case Kind::EventRate:
            return number(100 * (canary ? r.canaryRate : r.stableRate), 2) + " %";
        case Kind::FlipRate:
        case Kind::FlipBalance:
            return canary ? number(100 * r.estimate, 2) + " %" : QStringLiteral("–");
        case Kind::ScoreDistribution:
            return QStringLiteral("PSI ") + number(canary ? r.canaryRate : r.stableRate, 3);
    }
    return {};
}

QString intervalOf(const GateResult& r) {
    if (r.canaryExposure + r.stableExposure == 0)
        return QStringLiteral("–");
    const bool share = r.spec.kind == Kind::FlipRate || r.spec.kind == Kind::FlipBalance;
    const double scale = share ? 100 : 1;
    const QString unit = share ? QStringLiteral(" %") : QString();
    return QStringLiteral("[%1, %2]%3 vs %4%5")
        .arg(number(scale * r.interval.lower, 2), number(scale * r.interval.upper, 2), unit,
             number(scale * r.threshold, 2), unit);
}

}  // namespace

void GateTableModel::setResults(std::vector<rollout::GateResult> results) {
    if (results.size() == results_.size()) {
        results_ = std::move(results);
        if (!results_.empty())
            emit dataChanged(index(0, 0), index(rowCount() - 1, Columns - 1));
        return;
    }
    beginResetModel();
    results_ = std::move(results);
    endResetModel();
}

int GateTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(results_.size());
}

int GateTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : Columns;
}

QVariant GateTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const auto& r = results_[static_cast<std::size_t>(index.row())];
    if (role == Qt::ToolTipRole)
        return QString::fromStdString(r.summary);
    if (role == Qt::ForegroundRole && index.column() == Verdict) {
        switch (r.verdict) {
            case gates::GateVerdict::Pass:
                return QBrush(QColor(0x2e, 0x7d, 0x32));
            case gates::GateVerdict::Fail:
                return QBrush(QColor(0xc6, 0x28, 0x28));
            case gates::GateVerdict::NotEnoughData:
                return QBrush(QColor(0x8d, 0x6e, 0x00));
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
        case Gate:
            return QString::fromStdString(r.name);
        case Verdict:
            return QString::fromLatin1(gates::verdictName(r.verdict));
        case Canary:
            return valueOf(r, true);
        case Stable:
            return valueOf(r, false);
        case Interval:
            return intervalOf(r);
        case Evidence:
            return isRatio(r) ? QStringLiteral("p ≤ %1").arg(number(r.pValue, 4))
                              : QStringLiteral("–");
        case Sample: {
            const bool requests = r.spec.unit == GateSpec::Unit::Requests && isRatio(r);
            const QString unit = r.spec.kind == Kind::ScoreDistribution ? QStringLiteral("scores")
                                 : requests                             ? QStringLiteral("requests")
                                                                        : QStringLiteral("cards");
            QString text = QStringLiteral("%1 / %2 %3")
                               .arg(QString::number(r.canaryExposure, 'f', 0),
                                    QString::number(r.stableExposure, 'f', 0), unit);
            if (r.canaryTransactions && r.stableTransactions) {
                text += QStringLiteral(" (%1 / %2 transactions)")
                            .arg(QString::number(*r.canaryTransactions, 'f', 0),
                                 QString::number(*r.stableTransactions, 'f', 0));
            } else if (r.canaryTransactions) {
                text += QStringLiteral(" (%1 transactions)")
                            .arg(QString::number(*r.canaryTransactions, 'f', 0));
            }
            return text;
        }
        case TimeLeft:
            if (r.verdict != gates::GateVerdict::NotEnoughData)
                return QStringLiteral("decided");
            if (!r.secondsToDecision)
                return QStringLiteral("not at this rate");
            if (*r.secondsToDecision < 1)
                return QStringLiteral("any moment now");
            return QStringLiteral("about %1 s").arg(static_cast<long>(*r.secondsToDecision));
    }
    return {};
}

QVariant GateTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* kNames[] = {"Gate",
                                   "Verdict",
                                   "Canary",
                                   "Stable",
                                   "Interval vs limit",
                                   "Evidence",
                                   "Sample (canary / stable)",
                                   "Time to a decision"};
    return section >= 0 && section < Columns ? QString::fromLatin1(kNames[section]) : QVariant();
}

}  // namespace fraudops
