#include "drift/FeatureDriftTableModel.h"

#include <QColor>
#include <QLocale>

namespace fraudops {
namespace {

QString psiText(double psi) {
    return QString::number(psi, 'f', psi < 10 ? 3 : 1);
}

int severity(const std::optional<DriftVerdict>& v) {
    if (!v)
        return -1;
    switch (*v) {
        case DriftVerdict::Stable:
            return 0;
        case DriftVerdict::NotEnoughData:
            return 1;
        case DriftVerdict::Drifted:
            return 2;
    }
    return -1;
}

QColor verdictColor(const std::optional<DriftVerdict>& v) {
    if (!v)
        return {};
    switch (*v) {
        case DriftVerdict::Stable:
            return QColor(0xc8, 0xe6, 0xc9);
        case DriftVerdict::NotEnoughData:
            return QColor(0xe0, 0xe0, 0xe0);
        case DriftVerdict::Drifted:
            return QColor(0xff, 0xcd, 0xd2);
    }
    return {};
}

QString percentText(double share) {
    return QLocale().toString(share * 100, 'f', 1) + QStringLiteral(" %");
}

}  // namespace

QString verdictText(const FeatureDriftRow& row, const DistributionComparison& c) {
    if (!row.problem.isEmpty())
        return row.problem;
    if (!c.present)
        return QStringLiteral("no values in the range");
    if (row.feature.cyclic)
        return QStringLiteral("cyclic: not judged");
    return QString::fromLatin1(verdictName(c.estimate.verdict));
}

std::optional<DriftVerdict> verdictOf(const FeatureDriftRow& row, const DistributionComparison& c) {
    if (!row.problem.isEmpty() || !c.present || row.feature.cyclic)
        return std::nullopt;
    return c.estimate.verdict;
}

QString intervalText(const DistributionComparison& c) {
    if (!c.present)
        return {};
    return psiText(c.estimate.lower) + QStringLiteral(" – ") + psiText(c.estimate.upper);
}

QColor psiBandColor(double psi) {
    if (psi < 0.1)
        return QColor(0xc8, 0xe6, 0xc9);
    if (psi < 0.25)
        return QColor(0xff, 0xe0, 0xb2);
    return QColor(0xff, 0xcd, 0xd2);
}

void FeatureDriftTableModel::setReport(DriftReport report) {
    bool sameRows = report.features.size() == report_.features.size();
    for (std::size_t i = 0; sameRows && i < report.features.size(); ++i)
        sameRows = report.features[i].feature.name == report_.features[i].feature.name;
    if (sameRows) {
        report_ = std::move(report);
        if (!report_.features.empty())
            emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        emit headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
        return;
    }
    beginResetModel();
    report_ = std::move(report);
    endResetModel();
}

const FeatureDriftRow* FeatureDriftTableModel::rowAt(int row) const {
    if (row < 0 || row >= rowCount())
        return nullptr;
    return &report_.features[static_cast<std::size_t>(row)];
}

int FeatureDriftTableModel::rowOf(const QString& feature) const {
    for (int r = 0; r < rowCount(); ++r) {
        if (report_.features[static_cast<std::size_t>(r)].feature.name == feature)
            return r;
    }
    return -1;
}

int FeatureDriftTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(report_.features.size());
}

int FeatureDriftTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FeatureDriftTableModel::data(const QModelIndex& index, int role) const {
    const auto* row = index.isValid() ? rowAt(index.row()) : nullptr;
    if (!row || index.column() < 0 || index.column() >= ColumnCount)
        return {};
    const bool canaryColumn = index.column() >= CanaryPsi && index.column() <= CanaryScores;
    const auto& c = canaryColumn ? row->canary : row->stable;
    const auto column = static_cast<Column>(index.column());
    const bool numeric = column == StablePsi || column == StableScores || column == Missing ||
                         column == CanaryPsi || column == CanaryScores;
    switch (role) {
        case Qt::DisplayRole:
            switch (column) {
                case Feature:
                    return row->feature.cyclic ? row->feature.name + QStringLiteral(" (cyclic)")
                                               : row->feature.name;
                case StablePsi:
                case CanaryPsi:
                    return c.present ? psiText(c.estimate.psi) : QString();
                case StableInterval:
                case CanaryInterval:
                    return intervalText(c);
                case StableVerdict:
                case CanaryVerdict:
                    if (canaryColumn && report_.canaryVersion.isEmpty())
                        return QString();
                    return verdictText(*row, c);
                case StableScores:
                case CanaryScores:
                    return c.samples > 0 ? QLocale().toString(qint64(c.samples)) : QString();
                case Missing:
                    return row->stable.samples > 0
                               ? percentText(row->stable.missingShare) + QStringLiteral(" (") +
                                     percentText(row->stable.referenceMissingShare) +
                                     QStringLiteral(" in training)")
                               : QString();
                case DependsOn:
                    return row->feature.dependsOn.join(QStringLiteral(", "));
                case ColumnCount:
                    break;
            }
            return {};
        case SortRole:
            switch (column) {
                case Feature:
                case DependsOn:
                    return data(index, Qt::DisplayRole);
                case StablePsi:
                case CanaryPsi:
                    return c.present ? c.estimate.psi : -1.0;
                case StableInterval:
                case CanaryInterval:
                    return c.present ? c.estimate.lower : -1.0;
                case StableVerdict:
                case CanaryVerdict:
                    return severity(verdictOf(*row, c));
                case StableScores:
                case CanaryScores:
                    return c.samples;
                case Missing:
                    return row->stable.missingShare;
                case ColumnCount:
                    break;
            }
            return {};
        case Qt::BackgroundRole:
            if ((column == StablePsi || column == CanaryPsi) && c.present && !row->feature.cyclic)
                return psiBandColor(c.estimate.psi);
            if (column == StableVerdict || column == CanaryVerdict) {
                const QColor color = verdictColor(verdictOf(*row, c));
                return color.isValid() ? QVariant(color) : QVariant();
            }
            return {};
        case Qt::TextAlignmentRole:
            return numeric ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
        case Qt::ToolTipRole:
            if (column == Feature) {
                QString tip = row->feature.description;
                if (row->feature.cyclic)
                    tip += QStringLiteral(
                        "\nCyclic by construction: a window shorter than its cycle sees part of "
                        "it only, so its PSI is shown and left out of the verdicts.");
                return tip;
            }
            if (column == StableInterval || column == CanaryInterval)
                return QStringLiteral(
                    "95 % interval of the PSI, from both sample sizes (bootstrap): drifted when "
                    "its lower end is at or above the threshold, stable when its upper end is "
                    "below it.");
            if (!row->problem.isEmpty())
                return row->problem;
            return {};
        default:
            return {};
    }
}

QVariant FeatureDriftTableModel::headerData(int section, Qt::Orientation orientation,
                                            int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        if (section >= StablePsi && section <= Missing)
            return QStringLiteral("The stable model's inputs against its training baseline");
        if (section >= CanaryPsi && section <= CanaryScores)
            return QStringLiteral(
                "The canary's inputs against the stable's, on the stable's "
                "bins, over the same range");
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    const QString stable = report_.stableVersion.isEmpty()
                               ? QStringLiteral("Stable")
                               : QStringLiteral("Stable %1").arg(report_.stableVersion);
    const QString canary = report_.canaryVersion.isEmpty()
                               ? QStringLiteral("Canary")
                               : QStringLiteral("Canary %1").arg(report_.canaryVersion);
    switch (section) {
        case Feature:
            return QStringLiteral("Feature");
        case StablePsi:
            return stable + QStringLiteral(" PSI");
        case StableInterval:
        case CanaryInterval:
            return QStringLiteral("95 % interval");
        case StableVerdict:
        case CanaryVerdict:
            return QStringLiteral("Verdict");
        case StableScores:
        case CanaryScores:
            return QStringLiteral("Scores");
        case Missing:
            return QStringLiteral("Missing");
        case CanaryPsi:
            return canary + QStringLiteral(" PSI vs stable");
        case DependsOn:
            return QStringLiteral("Depends on");
        default:
            return {};
    }
}

}  // namespace fraudops
