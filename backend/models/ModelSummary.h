#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <map>
#include <optional>
#include <vector>

#include "fraud/v1/control.pb.h"

namespace fraudops {

// A version's training distribution of one feature (or of the score), as its manifest stores
// it: quantile bins with Prometheus's bucket semantics (bin i holds edges[i-1] < x <=
// edges[i]), and, for versions trained since the analysts' console, 101 percentiles.
struct FeatureBaseline {
    std::vector<double> edges;
    std::vector<double> fractions;  // edges.size() + 1 shares of all values
    double missingFraction = 0;
    quint64 count = 0;
    std::vector<double> percentileLevels;  // 0.001, 0.01, ..., 0.99, 0.999; empty: none stored
    std::vector<double> percentiles;

    // The share of the training values (missing ones left out) below `value`, and at or below
    // it: equal for a continuous feature, apart by the ties of a discrete one. From the
    // percentiles when stored, else interpolated within the bins.
    struct Share {
        double below = 0;
        double atOrBelow = 0;
        bool approximate = false;  // from bins only
    };
    Share shareOf(double value) const;
    // Where `value` falls, for an analyst: "above 99 % of training", "below 80 % of
    // training", "as 62 % of training" (a discrete feature's common value), "missing, as 7 %
    // of training".
    QString placement(double value) const;
};

// One input of a model as ListModels describes it: what it is and the raw transaction fields
// it is computed from (the dependency map).
struct FeatureDescription {
    QString name;
    QString description;
    QStringList dependsOn;  // e.g. "amount", "card_id"; a vector schema's "features[v3]"
    bool cyclic = false;
};

// What the console reads of a model version's manifest.
struct ModelSummary {
    QString version;
    QString schema;  // e.g. "transaction/transaction/v1"
    double reviewThreshold = 0;
    double declineThreshold = 0;
    QStringList features;  // in the schema's order
    QStringList cyclic;    // features whose drift is not a verdict (hour of day)
    std::map<QString, FeatureBaseline> baselines;
    std::optional<FeatureBaseline> scoreBaseline;
    std::vector<FeatureDescription> descriptions;  // from ListModels; empty from a manifest alone

    const FeatureDescription* describe(const QString& feature) const;
};

// Reads a manifest (ModelInfo.manifest_json). On failure returns nothing and sets `error`.
std::optional<ModelSummary> parseModelManifest(const QByteArray& json, QString* error);
// A ListModels entry: its manifest and the dependency map of its features.
std::optional<ModelSummary> modelSummaryOf(const fraud::v1::ModelInfo& info, QString* error);

}  // namespace fraudops
