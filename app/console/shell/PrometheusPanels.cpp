#include "PrometheusPanels.h"

#include <QDateTime>
#include <algorithm>
#include <cmath>
#include <set>

#include "ConsoleSession.h"
#include "charts/TimeSeriesChart.h"
#include "prometheus/QueryStep.h"
#include "prometheus/QueryTemplate.h"
#include "tiles/StatTile.h"

namespace fraudops {
namespace {

// The newest sample any of the chart's series has, in ms since the epoch; 0 if none.
double newestSample(const TimeSeriesChart* chart) {
    double newest = 0;
    for (const QString& name : chart->seriesNames())
        newest = std::max(newest, chart->lastX(name));
    return newest;
}

QString describe(const PrometheusError& e) {
    switch (e.kind) {
        case PrometheusError::Kind::Refused:
            return "Prometheus is down: " + e.message;
        case PrometheusError::Kind::Timeout:
            return "Prometheus does not answer: " + e.message;
        default:
            return e.message;
    }
}

}  // namespace

PrometheusPanels::PrometheusPanels(ConsoleSession& session, QObject* parent)
    : QObject(parent), session_(session) {
    connect(&session_, &ConsoleSession::prometheusChanged, this,
            &PrometheusPanels::onClientChanged);
    onClientChanged();
}

void PrometheusPanels::onClientChanged() {
    if (client_)
        disconnect(client_, nullptr, this, nullptr);
    client_ = session_.prometheus();
    pending_.clear();
    if (client_)
        connect(client_, &PrometheusClient::finished, this, &PrometheusPanels::onFinished);
}

void PrometheusPanels::addChartQuery(TimeSeriesChart* chart, QString expression,
                                     QString seriesLabel, QString fixedName, double scale,
                                     bool hideAllZero) {
    charts_.push_back({chart, std::move(expression), std::move(seriesLabel), std::move(fixedName),
                       scale, hideAllZero});
    hadData_[chart] = false;
}

void PrometheusPanels::addTile(StatTile* tile, QString expression, double scale,
                               TileFormatter format) {
    tiles_.push_back({tile, std::move(expression), scale, std::move(format)});
    hadData_[tile] = false;
}

void PrometheusPanels::addInstantQuery(QString expression,
                                       std::function<void(const PrometheusResult&)> onResult) {
    instants_.emplace_back(std::move(expression), std::move(onResult));
}

std::chrono::seconds PrometheusPanels::rateWindow(std::chrono::seconds step) const {
    const auto scrape = std::max(session_.scrapeInterval(), std::chrono::seconds(1));
    return std::max(step + scrape, 4 * scrape);
}

QString PrometheusPanels::expand(const QString& expression, std::chrono::seconds window) const {
    return expandQuery(expression, QueryContext{session_.scrapeJob(), window});
}

bool PrometheusPanels::hadAnyData() const {
    return std::any_of(hadData_.begin(), hadData_.end(), [](const auto& kv) { return kv.second; });
}

bool PrometheusPanels::hadDataEverywhere() const {
    return std::all_of(hadData_.begin(), hadData_.end(), [](const auto& kv) { return kv.second; });
}

void PrometheusPanels::refresh(const TimeWindow& window) {
    if (!client_ || busy())
        return;
    allOk_ = true;
    firstError_.clear();
    staleSince_.clear();
    const QDateTime end = window.end;
    const QDateTime start = window.start;
    const auto span = window.span();
    const bool live = window.live;
    std::set<TimeSeriesChart*> ranged;  // a chart of several queries is redrawn once
    for (const ChartQuery& q : charts_) {
        if (ranged.insert(q.chart).second)
            q.chart->setTimeRange(start.toLocalTime(), end.toLocalTime());
        const auto step = chooseStep(span, q.chart->width(), std::chrono::seconds(1));
        // A missing sample breaks the line; rate() windows bridge single missed scrapes.
        q.chart->setMaximumGap(1.5 * static_cast<double>(step.count()) * 1000.0);
        const auto id =
            client_->queryRange(expand(q.expression, rateWindow(step)), start, end, step);
        pending_[id] = [this, q, end, step, live](const PrometheusResult& r) {
            if (!r.ok()) {
                allOk_ = false;
                if (firstError_.isEmpty())
                    firstError_ = describe(*r.error);
                const double newest = newestSample(q.chart);
                q.chart->setOverlay(
                    TimeSeriesChart::Overlay::Error,
                    newest > 0 ? describe(*r.error) + QStringLiteral("\nshowing data up to ") +
                                     QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(newest))
                                         .toString("HH:mm:ss")
                               : describe(*r.error));
                return;
            }
            QStringList names;
            for (const auto& s : r.series) {
                if (q.hideAllZero &&
                    std::all_of(s.samples.begin(), s.samples.end(),
                                [](const PrometheusSample& p) { return p.value == 0; }))
                    continue;
                const auto it = s.labels.find(q.seriesLabel);
                const QString name = !q.fixedName.isEmpty() ? q.fixedName
                                     : it != s.labels.end() ? it->second
                                                            : QStringLiteral("all");
                std::vector<QPointF> points;
                points.reserve(s.samples.size());
                for (const auto& p : s.samples)
                    points.emplace_back(p.time * 1000.0, p.value * q.scale);
                q.chart->setSeries(name, std::move(points));
                names << name;
            }
            if (q.fixedName.isEmpty()) {
                // The label values that vanished from the range go; fixed names stay.
                QStringList keep = names;
                for (const auto& other : charts_) {
                    if (other.chart == q.chart && !other.fixedName.isEmpty())
                        keep << other.fixedName;
                }
                q.chart->keepOnly(keep);
            }
            const bool any = !r.series.empty();  // all-zero series are data too
            if (any)
                hadData_[q.chart] = true;
            // Prometheus answers, but the series stopped: the scorers are gone or no longer
            // scraped. Say so rather than show an old line as if it were current.
            const double newest = newestSample(q.chart);
            const double staleAfter = std::max(3.0 * static_cast<double>(step.count()), 30.0);
            if (live && any && newest > 0 &&
                (static_cast<double>(end.toMSecsSinceEpoch()) - newest) / 1000.0 > staleAfter) {
                const QString since = QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(newest))
                                          .toString("HH:mm:ss");
                q.chart->setOverlay(TimeSeriesChart::Overlay::Stale,
                                    QStringLiteral("No new samples since ") + since);
                if (staleSince_.isEmpty() || since < staleSince_)
                    staleSince_ = since;
            } else
                q.chart->setOverlay(any || hadData_[q.chart] ? TimeSeriesChart::Overlay::None
                                                             : TimeSeriesChart::Overlay::NoData);
        };
    }
    for (const auto& [expression, onResult] : instants_) {
        const auto id = client_->query(expand(expression, std::chrono::seconds(60)));
        pending_[id] = onResult;
    }
    for (const TileQuery& q : tiles_) {
        const auto id = client_->query(expand(
            q.expression, std::max(rateWindow(std::chrono::seconds(0)), std::chrono::seconds(60))));
        pending_[id] = [this, q](const PrometheusResult& r) {
            if (!r.ok()) {
                allOk_ = false;
                if (firstError_.isEmpty())
                    firstError_ = describe(*r.error);
                q.tile->setValue(std::nullopt, {}, describe(*r.error));
                return;
            }
            std::optional<double> value = firstValue(r);
            if (value)
                *value *= q.scale;
            const std::map<QString, QString> labels =
                r.series.empty() ? std::map<QString, QString>() : r.series[0].labels;
            if (value)
                hadData_[q.tile] = true;
            if (q.format)
                q.format(q.tile, value, labels);
            else
                q.tile->setValue(value, {}, value ? QString() : QStringLiteral("no data yet"));
        };
        const auto step = chooseStep(span, 60, std::chrono::seconds(1));
        const auto spark =
            client_->queryRange(expand(q.expression, rateWindow(step)), start, end, step);
        pending_[spark] = [q](const PrometheusResult& r) {
            std::vector<double> values;
            if (r.ok() && !r.series.empty()) {
                for (const auto& p : r.series[0].samples)
                    values.push_back(p.value * q.scale);
            }
            q.tile->setSparkline(std::move(values));
        };
    }
}

void PrometheusPanels::onFinished(PrometheusClient::RequestId id, const PrometheusResult& result) {
    const auto it = pending_.find(id);
    if (it == pending_.end())
        return;
    auto handler = std::move(it->second);
    pending_.erase(it);
    handler(result);
    if (pending_.empty()) {
        session_.notePrometheusAnswer(allOk_, firstError_);
        emit refreshed(allOk_, firstError_);
    }
}

bool PrometheusPanels::chartsShowData() const {
    for (const ChartQuery& q : charts_) {
        // A chart of what is all zero when well (errors) shows nothing, and that is data.
        if (q.hideAllZero) {
            if (!hadData_.at(q.chart))
                return false;
            continue;
        }
        bool points = false;
        for (const QString& name : q.chart->seriesNames())
            points = points || q.chart->drawnPointCount(name) > 0;
        if (!points)
            return false;
    }
    return true;
}

QString PrometheusPanels::describeContent() const {
    std::set<const TimeSeriesChart*> charts;
    std::size_t series = 0, points = 0;
    for (const ChartQuery& q : charts_) {
        if (!charts.insert(q.chart).second)
            continue;
        for (const QString& name : q.chart->seriesNames()) {
            const auto n = q.chart->drawnPointCount(name);
            series += n > 0;
            points += n;
        }
    }
    const auto withValue = std::count_if(tiles_.begin(), tiles_.end(),
                                         [](const TileQuery& q) { return q.tile->hasValue(); });
    return QStringLiteral("%1 charts, %2 series with %3 points; %4 of %5 tiles with values")
        .arg(charts.size())
        .arg(series)
        .arg(points)
        .arg(withValue)
        .arg(tiles_.size());
}

}  // namespace fraudops
