#pragma once

#include <QMetaType>
#include <QPointF>
#include <QString>
#include <map>
#include <vector>

#include "drift/DriftCounts.h"
#include "drift/PsiInterval.h"
#include "models/ModelSummary.h"

namespace fraudops {

// One distribution against its reference, on the reference's bins.
struct DistributionComparison {
    bool present = false;  // values were counted over the range
    PsiEstimate estimate;  // windowCount: the present values; the verdict, unless cyclic
    double samples = 0;    // values counted, present and missing
    double missingShare = 0;
    double referenceMissingShare = 0;  // the training's, or the stable's over the range
    std::vector<double> shares;        // the window's, per bin (of the present values)
    std::vector<double> referenceShares;
};

// A feature's drift over the range: the stable model's inputs against its training baseline,
// and the canary's against the stable's over the same range (on the stable's bins).
struct FeatureDriftRow {
    FeatureDescription feature;      // "score" for the score (cyclic if any input is)
    std::vector<double> upperEdges;  // the stable's baseline bins (last +inf)
    DistributionComparison stable;
    DistributionComparison canary;
    QString problem;  // why the feature cannot be compared (bins that differ from the manifest)
};

// The Drift page's figures, computed from the cluster's counts (DriftCounts) and the models'
// manifests: one row per input of the stable model, and the score.
struct DriftReport {
    QString stableVersion;
    QString canaryVersion;  // empty: no canary
    double threshold = 0.1;
    FeatureDriftRow score;
    std::vector<FeatureDriftRow> features;  // in the schema's order
    QString problem;                        // why there are no figures at all
};

// Runs the bootstrap for every comparison: a few tens of milliseconds, so callers on a GUI
// thread run it on a worker.
DriftReport analyseDrift(const DriftCounts& counts, const ModelSummary& stable,
                         const QString& canaryVersion, const PsiOptions& options);

// One line of the PSI-over-time chart: a feature of one version against that version's own
// baseline.
struct PsiSeries {
    QString name;  // the feature, or "feature · version" when the range saw several
    QString feature;
    QString variant;
    QString version;
    std::vector<QPointF> points;  // x: ms since the epoch
};

// PSI at each step of a range query (each version on its own bins and baseline, since each
// has its own), for `features`, of the variants stable and canary. A step with fewer than
// `minimumValues` values of a version gives no point: sampling noise alone puts PSI near
// (bins - 1) / n, so a handful of values would draw spikes that mean nothing.
std::vector<PsiSeries> psiOverTime(const std::map<qint64, DriftCounts>& steps,
                                   const std::map<QString, ModelSummary>& models,
                                   const QStringList& features, double minimumValues = 0);

// Baseline shares of the present values, as the scorer's gauge takes them.
std::vector<double> presentShares(const FeatureBaseline& baseline);

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::DriftReport)
