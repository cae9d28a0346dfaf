#pragma once

#include <QObject>
#include <QPointer>
#include <chrono>
#include <functional>
#include <map>

#include "TimeRange.h"
#include "prometheus/PrometheusClient.h"

namespace fraudops {

class ConsoleSession;
class TimeSeriesChart;
class StatTile;

// Binds PromQL (from ScorerQueries) to views: a chart whose series are a range query's series
// (named by a label, or fixed), a tile whose value is an instant query and whose sparkline is
// a range query. Each refresh sends every query at once to the session's Prometheus client;
// results arrive as values through its queued signal and are drawn as they come; `refreshed`
// says when all are in, and the session hears whether Prometheus answered.
//
// Expressions say `$job` where the Prometheus job that scrapes the scorers belongs (the
// profile's), and `$window` for the range of rate(): for a chart, max(step + scrape
// interval, 4 scrape intervals), so that every step averages all the samples it spans (a long
// range at a coarse step is not a sample of spikes) and a dead target's line ends within a
// few scrapes; for a tile's current value, at least a minute.
class PrometheusPanels : public QObject {
    Q_OBJECT
public:
    explicit PrometheusPanels(ConsoleSession& session, QObject* parent = nullptr);

    // A chart series per query; `seriesLabel` names each series by that label's value, or
    // `fixedName` when empty. `scale` multiplies values (seconds to milliseconds, say).
    // `hideAllZero`: series that are zero over the whole range are not drawn (error codes).
    void addChartQuery(TimeSeriesChart* chart, QString expression, QString seriesLabel,
                       QString fixedName = {}, double scale = 1, bool hideAllZero = false);
    // The tile's value and the labels of the series it came from.
    using TileFormatter = std::function<void(StatTile*, std::optional<double>,
                                             const std::map<QString, QString>& labels)>;
    void addTile(StatTile* tile, QString expression, double scale = 1, TileFormatter format = {});
    // An instant query whose whole answer goes to `onResult`, for a page that combines it with
    // a panel's (a tile's sample count, say).
    void addInstantQuery(QString expression, std::function<void(const PrometheusResult&)> onResult);

    void refresh(const TimeWindow& window);
    bool busy() const { return !pending_.empty(); }
    // Every panel has shown data at least once.
    bool hadDataEverywhere() const;
    bool hadAnyData() const;
    // After a refresh: the time of the oldest last sample of a chart whose series stopped
    // ("HH:mm:ss"), or empty if every chart is current.
    QString staleSince() const { return staleSince_; }
    // Charts, series and points drawn, and tiles with a value, for PageContent.
    QString describeContent() const;
    // Every chart draws points (one that hides all-zero series: has answered with series).
    bool chartsShowData() const;

signals:
    void refreshed(bool allOk, QString firstError);

private:
    struct ChartQuery {
        TimeSeriesChart* chart;
        QString expression, seriesLabel, fixedName;
        double scale;
        bool hideAllZero;
    };
    struct TileQuery {
        StatTile* tile;
        QString expression;
        double scale;
        TileFormatter format;
    };
    void onClientChanged();
    void onFinished(PrometheusClient::RequestId id, const PrometheusResult& result);
    QString expand(const QString& expression, std::chrono::seconds window) const;
    std::chrono::seconds rateWindow(std::chrono::seconds step) const;

    ConsoleSession& session_;
    QPointer<PrometheusClient> client_;
    std::vector<ChartQuery> charts_;
    std::vector<TileQuery> tiles_;
    std::vector<std::pair<QString, std::function<void(const PrometheusResult&)>>> instants_;
    std::map<PrometheusClient::RequestId, std::function<void(const PrometheusResult&)>> pending_;
    std::map<const void*, bool> hadData_;
    bool allOk_ = true;
    QString staleSince_;
    QString firstError_;
};

}  // namespace fraudops
