#include "AuditTableModel.h"

#include <QColor>
#include <QDateTime>

#include "control/RolloutWords.h"

namespace fraudops {

namespace {

QString describe(const fraud::v1::RolloutState& s) {
    return QString::fromStdString(describeRollout(s));
}

}  // namespace

void AuditTableModel::setEntries(std::vector<fraud::v1::AuditEntry> entries,
                                 const std::optional<fraud::v1::AuditVerification>& verification) {
    beginResetModel();
    entries_ = std::move(entries);
    findings_.clear();
    verified_ = verification.has_value();
    if (verification) {
        for (const auto& f : verification->findings()) {
            if (f.tampering() && f.line() > 0)
                findings_[f.line()].push_back(f);
        }
    }
    endResetModel();
}

int AuditTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(entries_.size());
}

int AuditTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : Columns;
}

QVariant AuditTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const auto& e = entries_[static_cast<std::size_t>(index.row())];
    const auto note = [&](const char* key) {
        const auto it = e.annotations().find(key);
        return it == e.annotations().end() ? QString() : QString::fromStdString(it->second);
    };
    const auto found = findings_.find(e.line());
    const bool tampered = found != findings_.end();
    if (role == Qt::BackgroundRole && tampered)
        return QColor(QStringLiteral("#f8d0d0"));
    if (role == Qt::ToolTipRole && index.column() == Chain && tampered) {
        QStringList details;
        for (const auto& f : found->second)
            details << QString::fromStdString(f.detail());
        return details.join(QLatin1Char('\n'));
    }
    if (role == Qt::ToolTipRole) {
        QString tip = QStringLiteral("before: %1\nafter: %2")
                          .arg(e.has_before() ? describe(e.before()) : QStringLiteral("none"),
                               describe(e.after()));
        for (const auto& [key, value] : e.annotations())
            tip += QStringLiteral("\n%1: %2")
                       .arg(QString::fromStdString(key), QString::fromStdString(value).left(400));
        return tip;
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
        case When:
            return QDateTime::fromSecsSinceEpoch(e.when().seconds(), Qt::UTC)
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
        case Chain: {
            if (!verified_)
                return QString();
            if (tampered) {
                QStringList kinds;
                for (const auto& f : found->second)
                    kinds << QString::fromStdString(f.kind()).toUpper();
                return QStringLiteral("line %1: %2").arg(e.line()).arg(kinds.join(u", "));
            }
            return (e.chained() ? QStringLiteral("line %1: linked")
                                : QStringLiteral("line %1: unchained"))
                .arg(e.line());
        }
        case Who:
            return QString::fromStdString(e.who());
        case Action:
            return QString::fromStdString(e.action());
        case Change:
            return (e.has_before() ? describe(e.before()) : QStringLiteral("(none)")) +
                   QStringLiteral(" → ") + describe(e.after());
        case Why:
            return QString::fromStdString(e.why());
        case Step:
            return note("step");
    }
    return {};
}

QVariant AuditTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* kNames[] = {"When",           "Chain", "Who",      "Action",
                                   "Before → after", "Why",   "Plan step"};
    return section >= 0 && section < Columns ? QString::fromLatin1(kNames[section]) : QVariant();
}

}  // namespace fraudops
