#include "drift/FeatureDriftDetail.h"

#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>
#include <cmath>

#include "charts/HistogramChart.h"
#include "drift/FeatureDriftTableModel.h"

namespace fraudops {
namespace {

QString edgeText(double v) {
    return QString::number(v, 'g', 4);
}

QString percentText(double share) {
    return QLocale().toString(share * 100, 'f', 1) + QStringLiteral(" %");
}

QString comparisonText(const QString& who, const QString& against, const FeatureDriftRow& row,
                       const DistributionComparison& c) {
    if (!c.present)
        return QStringLiteral("%1: no values in the range.").arg(who);
    return QStringLiteral("%1 against %2: PSI %3 (95 %: %4) on %5 values, %6.")
        .arg(who, against, QString::number(c.estimate.psi, 'f', 3), intervalText(c),
             QLocale().toString(qint64(c.estimate.windowCount)), verdictText(row, c));
}

}  // namespace

std::vector<QString> binLabels(const std::vector<double>& upperEdges) {
    std::vector<QString> out;
    for (std::size_t i = 0; i < upperEdges.size(); ++i) {
        if (std::isinf(upperEdges[i]))
            out.push_back(i > 0 ? QStringLiteral("> ") + edgeText(upperEdges[i - 1])
                                : QStringLiteral("all"));
        else
            out.push_back(QStringLiteral("≤ ") + edgeText(upperEdges[i]));
    }
    return out;
}

FeatureDriftDetail::FeatureDriftDetail(bool showDependencies, QWidget* parent)
    : QWidget(parent),
      showDependencies_(showDependencies),
      title_(new QLabel(this)),
      dependencies_(new QLabel(this)),
      chart_(new HistogramChart(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    title_->setWordWrap(true);
    dependencies_->setWordWrap(true);
    dependencies_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    chart_->setValueSuffix(QStringLiteral(" %"));
    layout->addWidget(title_);
    layout->addWidget(chart_, 1);
    layout->addWidget(dependencies_);
}

void FeatureDriftDetail::showRow(const FeatureDriftRow& row, const DriftReport& report) {
    title_->setText(row.feature.name == QStringLiteral("score")
                        ? QStringLiteral("Score distribution")
                        : QStringLiteral("%1: training against now").arg(row.feature.name));
    QStringList lines;
    if (!row.feature.description.isEmpty())
        lines << row.feature.name + QStringLiteral(": ") + row.feature.description + ".";
    if (showDependencies_ && !row.feature.dependsOn.isEmpty())
        lines << QStringLiteral("Computed from the transaction's %1.")
                     .arg(row.feature.dependsOn.join(QStringLiteral(", ")));
    if (row.feature.cyclic)
        lines << QStringLiteral(
            "Cyclic by construction: a range shorter than its cycle sees "
            "part of it only, so it is shown and left out of the verdicts.");
    if (!row.problem.isEmpty()) {
        lines << row.problem;
    } else {
        lines << comparisonText(QStringLiteral("Stable %1").arg(report.stableVersion),
                                QStringLiteral("its training baseline"), row, row.stable);
        if (!report.canaryVersion.isEmpty())
            lines << comparisonText(QStringLiteral("Canary %1").arg(report.canaryVersion),
                                    QStringLiteral("the stable"), row, row.canary);
        if (row.stable.samples > 0 && row.feature.name != QStringLiteral("score"))
            lines << QStringLiteral(
                         "Missing: %1 over the range, %2 in training (apart from the "
                         "PSI, which compares the values present).")
                         .arg(percentText(row.stable.missingShare),
                              percentText(row.stable.referenceMissingShare));
    }
    dependencies_->setText(lines.join('\n'));

    const auto percent = [](std::vector<double> shares) {
        for (auto& s : shares)
            s *= 100;
        return shares;
    };
    std::vector<HistogramSeries> series;
    if (!row.stable.referenceShares.empty())
        series.push_back({QStringLiteral("training (%1)").arg(report.stableVersion),
                          QColor(0x9e, 0x9e, 0x9e), percent(row.stable.referenceShares)});
    if (row.stable.present)
        series.push_back({QStringLiteral("stable %1").arg(report.stableVersion),
                          QColor(0x1e, 0x88, 0xe5), percent(row.stable.shares)});
    if (row.canary.present)
        series.push_back({QStringLiteral("canary %1").arg(report.canaryVersion),
                          QColor(0xfb, 0x8c, 0x00), percent(row.canary.shares)});
    chart_->setData(binLabels(row.upperEdges), std::move(series));
}

void FeatureDriftDetail::clear(const QString& why) {
    title_->setText(why);
    dependencies_->clear();
    chart_->setData({}, {});
}

QString FeatureDriftDetail::titleText() const {
    return title_->text();
}

QString FeatureDriftDetail::dependencyText() const {
    return dependencies_->text();
}

}  // namespace fraudops
