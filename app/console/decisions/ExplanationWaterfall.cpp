#include "decisions/ExplanationWaterfall.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace fraudops {
namespace {

double logit(double p) {
    p = std::clamp(p, 1e-12, 1 - 1e-12);
    return std::log(p / (1 - p));
}

}  // namespace

double explanationResidual(const fraud::v1::Explanation& explanation) {
    double sum = explanation.base_value();
    for (const auto& c : explanation.contributions())
        sum += c.contribution();
    return sum - explanation.margin();
}

QString featureValueText(double value) {
    if (std::isnan(value))
        return QStringLiteral("missing");
    if (value == std::floor(value) && std::abs(value) < 1e12)
        return QString::number(static_cast<qint64>(value));
    return QString::number(value, 'f', std::abs(value) >= 100 ? 2 : 4);
}

WaterfallData explanationWaterfall(const fraud::v1::ScoreResult& result, const ModelSummary* model,
                                   int shown) {
    const auto& e = result.explanation();
    WaterfallData data;
    data.startLabel = QStringLiteral("base value");
    data.start = e.base_value();
    std::vector<const fraud::v1::FeatureContribution*> parts;
    for (const auto& c : e.contributions())
        parts.push_back(&c);
    std::stable_sort(parts.begin(), parts.end(), [](const auto* a, const auto* b) {
        return std::abs(a->contribution()) > std::abs(b->contribution());
    });
    double others = 0;
    int folded = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& c = *parts[i];
        if (static_cast<int>(i) >= shown) {
            others += c.contribution();
            ++folded;
            continue;
        }
        WaterfallStep step;
        const QString name = QString::fromStdString(c.feature());
        step.label = name + " = " + featureValueText(c.value());
        if (model) {
            const auto it = model->baselines.find(name);
            if (it != model->baselines.end())
                step.detail = it->second.placement(c.value());
            if (model->cyclic.contains(name))
                step.detail += step.detail.isEmpty() ? "cyclic" : "; cyclic";
        }
        step.delta = c.contribution();
        data.steps.push_back(step);
    }
    if (folded > 0) {
        data.steps.push_back({QStringLiteral("others (%1 features)").arg(folded), {}, others});
    }
    data.endLabel =
        QStringLiteral("margin %1 → score %2")
            .arg(QString::number(e.margin(), 'f', 3), QString::number(result.score(), 'f', 4));
    if (model && model->reviewThreshold > 0) {
        data.markers.push_back(
            {logit(model->reviewThreshold),
             QStringLiteral("review ≥ %1").arg(model->reviewThreshold, 0, 'g', 3)});
    }
    if (model && model->declineThreshold > 0) {
        data.markers.push_back(
            {logit(model->declineThreshold),
             QStringLiteral("decline ≥ %1").arg(model->declineThreshold, 0, 'g', 3)});
    }
    return data;
}

}  // namespace fraudops
