#include "OverviewPage.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QVBoxLayout>
#include <cmath>

#include "charts/TimeSeriesChart.h"
#include "cluster/LocalCluster.h"
#include "prometheus/ScorerQueries.h"
#include "shell/ConsoleSession.h"
#include "tiles/StatTile.h"
#include "tiles/TileGrid.h"

namespace fraudops {

namespace q = scorerQueries;

OverviewPage::OverviewPage(ConsoleSession& session, QWidget* parent)
    : ConsolePage(session, parent), panels_(session) {
    scores_ = new StatTile("Scores", "/s", this);
    latency_ = new StatTile("p99 latency (Score)", "ms", this);
    auto* errors = new StatTile("Error rate", "%", this);
    auto* declines = new StatTile("Decline rate", "%", this);
    // Calls refused for overload: any at all means a replica is at capacity.
    auto* shed = new StatTile("Shed (overload)", "%", this);
    shed->setThresholds(StatTile::Thresholds{0.01, 1.0, true});
    replicas_ = new StatTile("Replicas up / desired", "", this);
    drift_ = new StatTile("Drift (max PSI, stable)", "", this);
    auto* capacity = new StatTile("Capacity", "scores/s per core", this);
    errors->setThresholds(StatTile::Thresholds{0.1, 1.0, true});
    drift_->setThresholds(StatTile::Thresholds{0.1, 0.25, true});

    panels_.addTile(scores_, q::scoresPerSecond());
    panels_.addTile(latency_, q::scoreLatencyQuantile(0.99), 1000.0);
    panels_.addTile(errors, q::errorPercent());
    panels_.addTile(declines, q::declinePercent());
    panels_.addTile(shed, q::shedPercent());
    panels_.addTile(replicas_, q::replicasUp(), 1,
                    [this](StatTile* tile, std::optional<double> up, const auto&) {
                        const int n = up ? static_cast<int>(std::lround(*up)) : 0;
                        const int desired = this->session().desiredReplicas();
                        const int want = desired > 0 ? desired : n;
                        tile->setValue(up, QStringLiteral("%1 / %2").arg(n).arg(want));
                        tile->setLevel(!up         ? StatTile::Level::Unknown
                                       : n >= want ? StatTile::Level::Good
                                       : n > 0     ? StatTile::Level::Warning
                                                   : StatTile::Level::Critical);
                    });
    // The feature that moved most, on replicas whose window holds enough scores, leaving out
    // features that cycle by construction (cyclic="true": the hour of day never matches a
    // whole-day baseline in a shorter window).
    panels_.addTile(drift_, q::maxStableDrift(kMinDriftSamples), 1,
                    [this](StatTile*, std::optional<double> psi, const auto& labels) {
                        const auto f = labels.find(QStringLiteral("feature"));
                        driftPsi_ = psi;
                        driftFeature_ = f == labels.end() ? QString() : f->second;
                        showDrift();
                    });
    panels_.addInstantQuery(q::stableDriftSamples(), [this](const PrometheusResult& r) {
        driftSamples_ = firstValue(r);
        showDrift();
    });
    panels_.addInstantQuery(q::cyclicDriftFeatures(), [this](const PrometheusResult& r) {
        QStringList cyclic;
        for (const auto& s : r.series) {
            const auto f = s.labels.find(QStringLiteral("feature"));
            if (f != s.labels.end())
                cyclic << f->second;
        }
        cyclic.sort();
        driftCyclic_ = cyclic.join(", ");
        showDrift();
    });
    // Scores per CPU-second across the cluster; replicas (one core each) for the target at 70 %.
    panels_.addTile(
        capacity, q::scoresPerCore(), 1,
        [](StatTile* tile, std::optional<double> perCore, const auto&) {
            if (!perCore || *perCore <= 0) {
                tile->setValue(std::nullopt, {}, QStringLiteral("no load yet"));
                return;
            }
            const double needed = std::ceil(kTargetRate / (*perCore * 0.7));
            tile->setValue(
                perCore, {},
                QStringLiteral("%1 replicas for %2/s at 70 % CPU").arg(needed).arg(kTargetRate));
            tile->setLevel(StatTile::Level::Good);
        });

    auto* throughput = new TimeSeriesChart("Throughput by variant", "scores/s", this);
    latencyChart_ = new TimeSeriesChart("Latency (Score)", "ms", this);
    auto* errorChart = new TimeSeriesChart("Errors by status code", "requests/s", this);
    auto* decisions = new TimeSeriesChart("Decisions by outcome", "decisions/s", this);
    panels_.addChartQuery(throughput, q::decisionsPerSecondBy("variant"), "variant");
    panels_.addChartQuery(latencyChart_, q::scoreLatencyQuantile(0.5), {}, "p50", 1000.0);
    panels_.addChartQuery(latencyChart_, q::scoreLatencyQuantile(0.95), {}, "p95", 1000.0);
    panels_.addChartQuery(latencyChart_, q::scoreLatencyQuantile(0.99), {}, "p99", 1000.0);
    panels_.addChartQuery(errorChart, q::errorsByCode(), "code", {}, 1, true);
    panels_.addChartQuery(decisions, q::decisionsPerSecondBy("decision"), "decision");

    auto* tiles = new TileGrid(this);
    for (auto* t : {scores_, latency_, errors, shed, declines, replicas_, drift_, capacity})
        tiles->addTile(t);
    auto* charts = new QGridLayout;
    charts->addWidget(throughput, 0, 0);
    charts->addWidget(latencyChart_, 0, 1);
    charts->addWidget(errorChart, 1, 0);
    charts->addWidget(decisions, 1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(tiles);
    layout->addLayout(charts, 1);

    setLatencySlo(session.profile().latencySloMs);
    connect(&session, &ConsoleSession::profileChanged, this,
            [this](const ConnectionProfile& p) { setLatencySlo(p.latencySloMs); });
    connect(&session, &ConsoleSession::warmupChanged, this, &OverviewPage::showWarmup);
    connect(&panels_, &PrometheusPanels::refreshed, this, [this](bool ok, const QString& error) {
        if (this->session().warmup())
            return;
        if (!ok)
            setState(PageState::Kind::Error, error);
        else if (!panels_.staleSince().isEmpty())
            setState(PageState::Kind::Stale,
                     QStringLiteral("No new samples since %1: the scorers are gone, or Prometheus "
                                    "no longer scrapes them.")
                         .arg(panels_.staleSince()));
        else if (!panels_.hadAnyData())
            setState(PageState::Kind::NoData,
                     QStringLiteral("Prometheus has no scorer metrics for this range yet (job "
                                    "%1)")
                         .arg(this->session().scrapeJob()));
        else
            setState(PageState::Kind::Live);
    });
    showWarmup();
}

void OverviewPage::showDrift() {
    if (session().warmup())
        return;
    const QString samples =
        driftSamples_ ? QLocale().toString(std::llround(*driftSamples_)) : QStringLiteral("no");
    const QString leftOut = driftCyclic_.isEmpty()
                                ? QString()
                                : QStringLiteral("; %1 left out (cyclic)").arg(driftCyclic_);
    if (!driftPsi_) {
        drift_->setValue(std::nullopt, {},
                         QStringLiteral("not enough data: %1 scores in the window, %2 a replica "
                                        "needed")
                             .arg(samples)
                             .arg(kMinDriftSamples));
        return;
    }
    const double psi = *driftPsi_;
    const QString verdict = psi < 0.1    ? QStringLiteral("stable")
                            : psi < 0.25 ? QStringLiteral("worth a look")
                                         : QStringLiteral("shifted");
    drift_->setValue(
        psi, {},
        QStringLiteral("%1: %2 · %3 scores%4").arg(driftFeature_, verdict, samples, leftOut));
}

void OverviewPage::showWarmup() {
    const auto progress = session().warmup();
    if (!progress) {
        if (state().kind == PageState::Kind::WarmingUp)
            setState(PageState::Kind::Loading);
        return;
    }
    const long percent = std::lround(100 * *progress);
    const auto* local = session().localCluster();
    setState(PageState::Kind::WarmingUp,
             local && local->state().loadRunning
                 ? QStringLiteral("The demo traffic is warming the scorers' card histories with "
                                  "a simulated day (%1 %): the figures start when it ends.")
                       .arg(percent)
                 : QStringLiteral("The local cluster is starting (models, replicas, Prometheus, "
                                  "then the demo traffic): the figures start when its traffic "
                                  "runs live."));
    for (auto* tile : findChildren<StatTile*>())
        tile->setValue(std::nullopt, {}, QStringLiteral("warming up (%1 %)").arg(percent));
}

void OverviewPage::refresh(const TimeWindow& window) {
    // While the demo warms up there is no live traffic: no figure would mean anything.
    if (!session().warmup())
        panels_.refresh(window);
    readAudit();
}

void OverviewPage::readAudit() {
    AsyncControlClient* control = session().control();
    if (control != control_) {
        if (control_)
            disconnect(control_, nullptr, this, nullptr);
        control_ = control;
        auditInFlight_.reset();
        if (control_)
            connect(control_, &AsyncControlClient::auditRead, this, &OverviewPage::onAudit);
    }
    if (control_ && !auditInFlight_)
        auditInFlight_ = control_->audit(200);
}

ChartAnnotation OverviewPage::annotationOf(const fraud::v1::AuditEntry& e) {
    ChartAnnotation a;
    a.timeMs = static_cast<double>(e.when().seconds()) * 1000.0 + e.when().nanos() / 1e6;
    const auto& after = e.after();
    const QString canary = QString::fromStdString(after.canary_version());
    if (e.action() == "set_canary") {
        a.label = QStringLiteral("%1 %2 % %3")
                      .arg(canary)
                      .arg(after.canary_weight_bp() / 100.0, 0, 'g', 4)
                      .arg(after.mode() == fraud::v1::ROLLOUT_MODE_SHADOW ? "shadow" : "split");
    } else if (e.action() == "promote") {
        a.label = QStringLiteral("promote %1").arg(QString::fromStdString(after.stable_version()));
        a.colour = QColor(46, 125, 50);
    } else if (e.action() == "abort_canary") {
        a.label =
            QStringLiteral("abort %1").arg(QString::fromStdString(e.before().canary_version()));
        a.colour = QColor(198, 40, 40);
    } else if (e.action() == "rollback") {
        a.label =
            QStringLiteral("rollback to %1").arg(QString::fromStdString(after.stable_version()));
        a.colour = QColor(198, 40, 40);
    } else {
        a.label = QString::fromStdString(e.action());
    }
    return a;
}

void OverviewPage::onAudit(AsyncControlClient::RequestId id,
                           const Outcome<fraud::v1::AuditLog>& outcome) {
    if (!auditInFlight_ || id != *auditInFlight_)
        return;
    auditInFlight_.reset();
    if (!outcome.ok())
        return;  // the charts keep the events they had; the Cluster page says why
    std::vector<ChartAnnotation> annotations;
    for (const auto& e : outcome.value->entries())
        annotations.push_back(annotationOf(e));
    if (annotations == annotations_)
        return;
    annotations_ = std::move(annotations);
    for (auto* chart : findChildren<TimeSeriesChart*>())
        chart->setAnnotations(annotations_);
}

PageContent OverviewPage::content() const {
    PageContent c;
    c.summary = panels_.describeContent();
    // The drift tile may rightly say "not enough data", and the capacity tile "no load yet".
    c.complete = !session().warmup() && panels_.chartsShowData() && scores_->hasValue() &&
                 latency_->hasValue() && replicas_->hasValue();
    return c;
}

void OverviewPage::setLatencySlo(double milliseconds) {
    latency_->setThresholds(StatTile::Thresholds{milliseconds * 0.8, milliseconds, true});
    if (latencyChart_)
        latencyChart_->setThreshold(QStringLiteral("SLO %1 ms").arg(milliseconds), milliseconds);
}

}  // namespace fraudops
