#include "models/ModelSummary.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cmath>

namespace fraudops {
namespace {

std::vector<double> numbers(const QJsonValue& value) {
    std::vector<double> out;
    for (const auto& v : value.toArray())
        out.push_back(v.toDouble());
    return out;
}

FeatureBaseline baselineFrom(const QJsonObject& o) {
    FeatureBaseline b;
    b.edges = numbers(o.value("edges"));
    b.fractions = numbers(o.value("fractions"));
    b.missingFraction = o.value("missing_fraction").toDouble();
    b.count = static_cast<quint64>(o.value("count").toDouble());
    const auto p = o.value("percentiles").toObject();
    b.percentileLevels = numbers(p.value("levels"));
    b.percentiles = numbers(p.value("values"));
    if (b.percentiles.size() != b.percentileLevels.size() ||
        !std::is_sorted(b.percentiles.begin(), b.percentiles.end())) {
        b.percentiles.clear();
        b.percentileLevels.clear();
    }
    if (b.fractions.size() != b.edges.size() + 1) {
        b.edges.clear();
        b.fractions.clear();
    }
    return b;
}

// The share of values at or below `v` (left: strictly below) on a piecewise-linear
// cumulative curve through (x[i], y[i]).
double curveAt(const std::vector<double>& x, const std::vector<double>& y, double v, bool left) {
    if (x.empty())
        return 0;
    const auto it =
        left ? std::lower_bound(x.begin(), x.end(), v) : std::upper_bound(x.begin(), x.end(), v);
    const auto i = static_cast<std::size_t>(it - x.begin());
    if (i == 0)
        return left ? 0 : (v >= x.front() ? y.front() : 0);
    if (i == x.size())
        return y.back();
    // Between x[i-1] and x[i]: linear (a run of equal x values is a tie, a step).
    const double x0 = x[i - 1], x1 = x[i];
    const double t = x1 > x0 ? (v - x0) / (x1 - x0) : 0;
    return y[i - 1] + std::clamp(t, 0.0, 1.0) * (y[i] - y[i - 1]);
}

QString percent(double share) {
    const double p = share * 100;
    if (p >= 99.85 || p <= 0.15)
        return QString::number(std::round(p * 10) / 10, 'f', 1);
    return QString::number(static_cast<int>(std::floor(p + 1e-9)));
}

}  // namespace

FeatureBaseline::Share FeatureBaseline::shareOf(double value) const {
    Share s;
    if (!percentiles.empty()) {
        s.below = curveAt(percentiles, percentileLevels, value, true);
        s.atOrBelow = curveAt(percentiles, percentileLevels, value, false);
        // Beyond the outermost percentiles all that is known is that they are passed.
        if (value > percentiles.back())
            s.below = s.atOrBelow = percentileLevels.back();
        if (value < percentiles.front()) {
            s.below = 0;
            s.atOrBelow = percentileLevels.front();
        }
        // The bins know the maximum: at or above the top edge, with nothing beyond it, is all.
        if (!edges.empty() && value >= edges.back() && fractions.back() == 0)
            s.atOrBelow = 1;
        return s;
    }
    s.approximate = true;
    const double present = 1 - missingFraction;
    if (edges.empty() || present <= 0)
        return s;
    // Cumulative shares at the edges, of the present values.
    std::vector<double> cumulative;
    double sum = 0;
    for (std::size_t i = 0; i < edges.size(); ++i) {
        sum += fractions[i];
        cumulative.push_back(std::min(1.0, sum / present));
    }
    // The first bin's lower end is unknown: its share is taken to sit at its edge.
    s.below = curveAt(edges, cumulative, value, true);
    s.atOrBelow = curveAt(edges, cumulative, value, false);
    if (value > edges.back())
        s.below = s.atOrBelow = cumulative.back();  // the open last bin: at least that many
    return s;
}

QString FeatureBaseline::placement(double value) const {
    if (std::isnan(value)) {
        return QStringLiteral("missing, as %1 % of training").arg(percent(missingFraction));
    }
    if (percentiles.empty() && edges.empty())
        return QStringLiteral("no training baseline");
    const Share s = shareOf(value);
    const QString suffix = s.approximate ? QStringLiteral(" (approximate: bins only)") : QString();
    if (s.atOrBelow - s.below >= 0.05) {
        return QStringLiteral("as %1 % of training").arg(percent(s.atOrBelow - s.below)) + suffix;
    }
    if (s.below >= 0.5)
        return QStringLiteral("above %1 % of training").arg(percent(s.below)) + suffix;
    return QStringLiteral("below %1 % of training").arg(percent(1 - s.atOrBelow)) + suffix;
}

std::optional<ModelSummary> parseModelManifest(const QByteArray& json, QString* error) {
    QJsonParseError parseError;
    const auto doc = QJsonDocument::fromJson(json, &parseError);
    if (!doc.isObject()) {
        if (error)
            *error = QStringLiteral("the manifest is not a JSON object: %1")
                         .arg(parseError.errorString());
        return std::nullopt;
    }
    const auto o = doc.object();
    ModelSummary m;
    m.version = o.value("version").toString();
    const auto schema = o.value("schema").toObject();
    m.schema = QStringLiteral("%1/%2/v%3")
                   .arg(schema.value("kind").toString(), schema.value("name").toString())
                   .arg(schema.value("version").toInt());
    for (const auto& f : schema.value("features").toArray())
        m.features.push_back(f.toString());
    for (const auto& f : schema.value("cyclic").toArray())
        m.cyclic.push_back(f.toString());
    const auto thresholds = o.value("thresholds").toObject();
    m.reviewThreshold = thresholds.value("review").toDouble();
    m.declineThreshold = thresholds.value("decline").toDouble();
    const auto baseline = o.value("baseline").toObject();
    const auto features = baseline.value("features").toObject();
    for (auto it = features.begin(); it != features.end(); ++it)
        m.baselines[it.key()] = baselineFrom(it.value().toObject());
    if (baseline.contains("score"))
        m.scoreBaseline = baselineFrom(baseline.value("score").toObject());
    if (m.version.isEmpty() || m.features.isEmpty()) {
        if (error)
            *error = QStringLiteral("the manifest names no version or no features");
        return std::nullopt;
    }
    return m;
}

const FeatureDescription* ModelSummary::describe(const QString& feature) const {
    for (const auto& d : descriptions) {
        if (d.name == feature)
            return &d;
    }
    return nullptr;
}

std::optional<ModelSummary> modelSummaryOf(const fraud::v1::ModelInfo& info, QString* error) {
    auto summary = parseModelManifest(QByteArray::fromStdString(info.manifest_json()), error);
    if (!summary)
        return summary;
    for (const auto& f : info.features()) {
        FeatureDescription d;
        d.name = QString::fromStdString(f.name());
        d.description = QString::fromStdString(f.description());
        for (const auto& raw : f.depends_on())
            d.dependsOn.push_back(QString::fromStdString(raw));
        d.cyclic = f.cyclic();
        summary->descriptions.push_back(std::move(d));
    }
    return summary;
}

}  // namespace fraudops
