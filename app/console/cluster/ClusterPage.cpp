#include "ClusterPage.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "cluster/LocalCluster.h"
#include "prometheus/QueryTemplate.h"
#include "prometheus/ScorerQueries.h"
#include "shell/ConsoleSession.h"

namespace fraudops {
namespace {

enum Metric { Scores, P99, Cpu, Memory };

QString metricQuery(int metric) {
    namespace q = scorerQueries;
    switch (metric) {
        case Scores:
            return q::scoresPerSecond("replica");
        case P99:
            return q::scoreLatencyQuantile(0.99, "replica");
        case Cpu:
            return q::cpuPercentBy("replica");
        default:
            return q::residentMegabytesBy("replica");
    }
}

// A local replica's supervisor knows about starts and restarts; GetStatus knows whether it
// answers, and to this token. Remote replicas have only the second.
ReplicaHealth merged(ReplicaHealth supervised, const std::optional<ReplicaStatusReading>& read) {
    if (supervised == ReplicaHealth::Unknown)
        return read ? read->health : ReplicaHealth::Unknown;
    if (supervised == ReplicaHealth::Up && read && read->health != ReplicaHealth::Up)
        return read->health;
    return supervised;
}

}  // namespace

ClusterPage::ClusterPage(ConsoleSession& session, QWidget* parent)
    : ConsolePage(session, parent),
      proxy_(new QSortFilterProxyModel(this)),
      table_(new QTableView(this)),
      summary_(new QLabel(this)),
      start_(new QPushButton("Start", this)),
      stop_(new QPushButton("Stop", this)),
      scale_(new QSpinBox(this)),
      restart_(new QPushButton("Restart selected", this)),
      demoDrift_(new QDoubleSpinBox(this)),
      cardHistory_(new QComboBox(this)) {
    proxy_->setSourceModel(&model_);
    proxy_->setSortRole(Qt::UserRole);
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->hide();
    scale_->setRange(0, 16);
    scale_->setPrefix("replicas: ");
    // The demo traffic's drift knob: to see the drift tile, alerts and gates react.
    demoDrift_->setRange(0.1, 10);
    demoDrift_->setSingleStep(0.5);
    demoDrift_->setValue(1);
    demoDrift_->setPrefix("demo amounts ×");
    demoDrift_->setToolTip(
        "Multiplies the amounts of the local demo traffic from now on (1: no drift)");
    cardHistory_->addItem("card history in each replica");
    cardHistory_->addItem("card history shared (Redis)");
    cardHistory_->setToolTip(
        "Each replica keeps its cards' history (a snapshot keeps it across restarts; cards go to\n"
        "one replica each), or all share it in a local Redis (cards go to any replica).\n"
        "Changing it restarts every replica.");
    auto* controls = new QHBoxLayout;
    controls->addWidget(summary_, 1);
    const auto localControls = {
        static_cast<QWidget*>(start_),       static_cast<QWidget*>(stop_),
        static_cast<QWidget*>(scale_),       static_cast<QWidget*>(restart_),
        static_cast<QWidget*>(cardHistory_), static_cast<QWidget*>(demoDrift_)};
    for (QWidget* w : localControls)
        controls->addWidget(w);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(table_, 1);

    const auto local = [this] { return this->session().localCluster(); };
    connect(start_, &QPushButton::clicked, this, [local] {
        if (auto* c = local())
            c->start();
    });
    connect(stop_, &QPushButton::clicked, this, [local] {
        if (auto* c = local())
            c->stop();
    });
    connect(scale_, &QSpinBox::editingFinished, this, [this, local] {
        if (auto* c = local())
            c->scaleTo(scale_->value());
    });
    connect(demoDrift_, &QDoubleSpinBox::editingFinished, this, [this, local] {
        if (auto* c = local())
            c->setDemoDrift(demoDrift_->value());
    });
    connect(cardHistory_, &QComboBox::activated, this, [local](int index) {
        if (auto* c = local())
            c->setSharedCardHistory(index == 1);
    });
    connect(restart_, &QPushButton::clicked, this, [this, local] {
        const auto rows = table_->selectionModel()->selectedRows();
        auto* cluster = local();
        if (!cluster || rows.isEmpty())
            return;
        const auto& row =
            model_.rows()[static_cast<std::size_t>(proxy_->mapToSource(rows.first()).row())];
        if (row.slot)
            cluster->restartReplica(*row.slot);
    });

    connect(&session, &ConsoleSession::profileChanged, this, &ClusterPage::onProfile);
    connect(&session, &ConsoleSession::localStateChanged, this, &ClusterPage::onLocalState);
    connect(&session.scorers(), &ReplicaStatusPoller::polled, this, &ClusterPage::onReading);
    connect(&session, &ConsoleSession::prometheusChanged, this, &ClusterPage::onPrometheusClient);
    onPrometheusClient();
    onProfile(session.profile());
}

void ClusterPage::onProfile(const ConnectionProfile& profile) {
    auto* local = session().localCluster();
    // A remote cluster is not ours to start, stop or scale.
    for (QWidget* w : std::initializer_list<QWidget*>{start_, stop_, scale_, restart_, cardHistory_,
                                                      demoDrift_}) {
        w->setVisible(local != nullptr);
        w->setEnabled(local != nullptr);
    }
    replicas_.clear();
    prometheusSeen_ = false;
    if (local) {
        onLocalState(local->state());
        return;
    }
    summary_->setText(QStringLiteral("Profile %1: %2 scorers")
                          .arg(profile.name)
                          .arg(profile.scorerEndpoints.size()));
    for (const auto& a : profile.scorerEndpoints) {
        Known k;
        k.row.name = a;
        k.row.address = a;
        replicas_[a] = k;
    }
    publish();
}

void ClusterPage::onLocalState(const LocalClusterState& state) {
    std::map<QString, Known> next;
    for (const auto& r : state.replicas) {
        Known k = replicas_.count(r.name) ? replicas_[r.name] : Known{};
        k.row.name = r.name;
        k.row.slot = r.slot;
        if (k.row.address != r.address)
            k.statusSeen = false;  // a new process: its status is not known yet
        k.row.address = r.address;
        k.supervised = r.health;
        k.row.health = merged(k.supervised, session().scorers().latest(r.address));
        k.row.restarts = r.restarts;
        if (!r.lastExit.isEmpty() && r.health != ReplicaHealth::Up)
            k.row.note = "last exit: " + r.lastExit;
        next[r.name] = k;
    }
    replicas_ = std::move(next);
    if (!scale_->hasFocus())
        scale_->setValue(state.desiredReplicas);
    cardHistory_->setCurrentIndex(state.sharedCardHistory ? 1 : 0);
    // The load the generator reports sending, not the rate it was asked for.
    QString load = QStringLiteral("load off");
    if (state.loadRunning && state.loadPhase == LocalClusterState::LoadPhase::WarmingUp) {
        load = QStringLiteral("load warming up card histories (%1 %)")
                   .arg(std::lround(100 * state.warmupProgress));
    } else if (state.loadRunning) {
        load = QStringLiteral("load %1/s of %2/s, %3 cards")
                   .arg(std::lround(state.loadSentPerSecond))
                   .arg(state.loadRate)
                   .arg(state.loadCards);
    }
    if (state.demoAmountScale != 1)
        load += QStringLiteral(" · demo drift: amounts ×%1").arg(state.demoAmountScale);
    const QString history = state.sharedCardHistory
                                ? QStringLiteral(" · Redis %1").arg(state.redisUp ? "up" : "down")
                                : QString();
    summary_->setText(QStringLiteral("Local cluster: %1 of %2 replicas up · Prometheus %3%4 · %5%6")
                          .arg(state.upCount())
                          .arg(state.desiredReplicas)
                          .arg(state.prometheusUp ? "up" : "down")
                          .arg(history)
                          .arg(load)
                          .arg(state.message.isEmpty() ? QString() : " · " + state.message));
    publish();
}

void ClusterPage::onReading(const ReplicaStatusReading& reading) {
    const auto known = std::find_if(replicas_.begin(), replicas_.end(), [&](const auto& kv) {
        return kv.second.row.address == reading.address;
    });
    if (known == replicas_.end())
        return;
    Known& k = known->second;
    ReplicaRow& row = k.row;
    row.health = merged(k.supervised, reading);
    if (reading.status) {
        const auto& s = *reading.status;
        k.statusSeen = true;
        if (!s.replica().empty())
            row.name = QString::fromStdString(s.replica());
        row.generation = s.generation_served();
        row.converged = s.converged();
        row.stableVersion = QString::fromStdString(s.stable_version());
        row.canaryVersion = QString::fromStdString(s.canary_version());
        row.uptimeSeconds = s.uptime_seconds();
        row.note.clear();
        if (s.load_failures_size() > 0) {
            const auto& f = s.load_failures(s.load_failures_size() - 1);
            row.note = QString::fromStdString("load failure: " + f.version() + ": " + f.reason());
        }
    } else {
        row.note = reading.error;
    }
    publish();
}

void ClusterPage::onPrometheusClient() {
    if (client_)
        disconnect(client_, nullptr, this, nullptr);
    client_ = session().prometheus();
    queries_.clear();
    if (client_)
        connect(client_, &PrometheusClient::finished, this, &ClusterPage::onPrometheus);
}

void ClusterPage::refresh(const TimeWindow&) {
    // The table is about now, whatever the range; the window polls the scorers' status.
    if (client_ && queries_.empty()) {
        const auto interval = session().scrapeInterval();
        const QueryContext context{session().scrapeJob(),
                                   std::max(std::chrono::seconds(60), 4 * interval)};
        for (int m = Scores; m <= Memory; ++m)
            queries_[client_->query(expandQuery(metricQuery(m), context))] = m;
    }
}

void ClusterPage::onPrometheus(PrometheusClient::RequestId id, const PrometheusResult& result) {
    const auto it = queries_.find(id);
    if (it == queries_.end())
        return;
    const int metric = it->second;
    queries_.erase(it);
    if (queries_.empty())  // the last of this refresh's answers
        session().notePrometheusAnswer(result.ok(),
                                       result.ok() ? QString() : result.error->message);
    if (!result.ok()) {
        prometheusError_ = result.error->message;
        publish();
        return;
    }
    prometheusError_.clear();
    prometheusSeen_ = true;
    for (const auto& s : result.series) {
        const auto label = s.labels.find("replica");
        if (label == s.labels.end() || s.samples.empty())
            continue;
        const auto known = std::find_if(replicas_.begin(), replicas_.end(), [&](const auto& kv) {
            return kv.second.row.name == label->second;
        });
        if (known == replicas_.end())
            continue;
        ReplicaRow& row = known->second.row;
        const double v = s.samples[0].value * (metric == P99 ? 1000.0 : 1.0);
        (metric == Scores ? row.scoresPerSecond
         : metric == P99  ? row.p99Ms
         : metric == Cpu  ? row.cpuPercent
                          : row.memoryMb) =
            std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
    }
    publish();
}

PageContent ClusterPage::content() const {
    const auto withStatus = std::count_if(replicas_.begin(), replicas_.end(),
                                          [](const auto& kv) { return kv.second.statusSeen; });
    const auto withRate =
        std::count_if(model_.rows().begin(), model_.rows().end(),
                      [](const ReplicaRow& r) { return r.scoresPerSecond.has_value(); });
    PageContent c;
    c.summary = QStringLiteral("%1 rows; %2 with a status, %3 with a rate from Prometheus")
                    .arg(model_.rowCount())
                    .arg(withStatus)
                    .arg(withRate);
    // While the demo warms card histories the rates are not yet the live traffic's.
    c.complete = !session().warmup() && !replicas_.empty() && prometheusSeen_ &&
                 withStatus == static_cast<long>(replicas_.size());
    return c;
}

void ClusterPage::publish() {
    std::vector<ReplicaRow> rows;
    for (const auto& [name, k] : replicas_)
        rows.push_back(k.row);
    model_.setRows(std::move(rows));
    const bool anyDown =
        std::any_of(model_.rows().begin(), model_.rows().end(), [](const ReplicaRow& r) {
            return r.health == ReplicaHealth::Down || r.health == ReplicaHealth::Refused;
        });
    if (replicas_.empty())
        setState(PageState::Kind::NoData, QStringLiteral("This profile names no scorers."));
    else if (anyDown)
        setState(PageState::Kind::Error,
                 QStringLiteral("Some replicas do not answer: see the Health column."));
    else if (!prometheusError_.isEmpty())
        setState(PageState::Kind::Error,
                 QStringLiteral("No rates, latency, CPU or memory: ") + prometheusError_);
    else
        setState(PageState::Kind::Live);
}

}  // namespace fraudops
