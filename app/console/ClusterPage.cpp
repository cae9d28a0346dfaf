#include "ClusterPage.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QThreadPool>
#include <QVBoxLayout>
#include <cmath>

#include "cluster/LocalCluster.h"
#include "control/ControlClient.h"
#include "prometheus/QueryTemplate.h"

namespace fraudops {
namespace {

enum Metric { Scores, P99, Cpu, Memory };
const char* kQueries[] = {
    "sum by (replica) (rate(fraud_scorer_requests_total{code=\"OK\"}[$window]))",
    "1000 * histogram_quantile(0.99, sum by (replica, le) "
    "(rate(fraud_scorer_request_duration_seconds_bucket{method=\"Score\"}[$window])))",
    "100 * sum by (replica) (rate(process_cpu_seconds_total{job=\"$job\"}[$window]))",
    "sum by (replica) (process_resident_memory_bytes{job=\"$job\"}) / 1e6"};

QString healthOf(LocalReplica::State s) {
    switch (s) {
        case LocalReplica::State::Up:
            return "Up";
        case LocalReplica::State::Starting:
            return "Starting";
        case LocalReplica::State::WaitingToRestart:
            return "Restarting";
        case LocalReplica::State::Stopping:
            return "Stopping";
    }
    return "?";
}

}  // namespace

ClusterPage::ClusterPage(QWidget* parent)
    : QWidget(parent),
      table_(new QTableView(this)),
      summary_(new QLabel(this)),
      start_(new QPushButton("Start", this)),
      stop_(new QPushButton("Stop", this)),
      scale_(new QSpinBox(this)),
      restart_(new QPushButton("Restart selected", this)),
      demoDrift_(new QDoubleSpinBox(this)) {
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(&model_);
    proxy->setSortRole(Qt::UserRole);
    table_->setModel(proxy);
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
        "Multiplies the amounts of the local demo traffic from now on (1: "
        "no drift)");
    auto* controls = new QHBoxLayout;
    controls->addWidget(summary_, 1);
    for (QWidget* w : std::initializer_list<QWidget*>{start_, stop_, scale_, restart_, demoDrift_})
        controls->addWidget(w);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(table_, 1);
    for (QWidget* w : std::initializer_list<QWidget*>{start_, stop_, scale_, restart_, demoDrift_})
        w->setEnabled(false);

    connect(start_, &QPushButton::clicked, this, [this] {
        if (cluster_)
            cluster_->start();
    });
    connect(stop_, &QPushButton::clicked, this, [this] {
        if (cluster_)
            cluster_->stop();
    });
    connect(scale_, &QSpinBox::editingFinished, this, [this] {
        if (cluster_)
            cluster_->scaleTo(scale_->value());
    });
    connect(demoDrift_, &QDoubleSpinBox::editingFinished, this, [this] {
        if (cluster_)
            cluster_->setDemoDrift(demoDrift_->value());
    });
    connect(restart_, &QPushButton::clicked, this, [this, proxy] {
        const auto rows = table_->selectionModel()->selectedRows();
        if (!cluster_ || rows.isEmpty())
            return;
        const auto source = proxy->mapToSource(rows.first());
        const QString name = model_.rows()[static_cast<std::size_t>(source.row())].name;
        cluster_->restartReplica(name.section('-', -1).toInt());
    });
}

void ClusterPage::setLocalCluster(LocalCluster* cluster) {
    cluster_ = cluster;
    for (QWidget* w : std::initializer_list<QWidget*>{start_, stop_, scale_, restart_, demoDrift_})
        w->setEnabled(cluster != nullptr);
    if (cluster) {
        connect(cluster, &LocalCluster::changed, this, &ClusterPage::onLocalState);
        onLocalState(cluster->state());
    }
}

void ClusterPage::setProfile(const ConnectionProfile& profile, const QString& token) {
    profile_ = profile;
    token_ = token;
    controlClients_.clear();  // a new token or TLS setting needs new channels
    if (cluster_)
        return;  // the local cluster names its own replicas
    replicas_.clear();
    prometheusSeen_ = false;
    for (const auto& a : profile.scorerEndpoints) {
        Known k;
        k.row.name = a;
        k.row.address = a;
        k.row.health = "?";
        replicas_[a] = k;
    }
    publish();
}

void ClusterPage::setClient(PrometheusClient* client) {
    if (client_)
        disconnect(client_, nullptr, this, nullptr);
    client_ = client;
    queries_.clear();
    if (client_)
        connect(client_, &PrometheusClient::finished, this, &ClusterPage::onPrometheus);
}

void ClusterPage::onLocalState(const LocalClusterState& state) {
    std::map<QString, Known> next;
    for (const auto& r : state.replicas) {
        Known k = replicas_.count(r.name) ? replicas_[r.name] : Known{};
        k.row.name = r.name;
        k.row.address = r.address;
        k.row.health = healthOf(r.state);
        k.row.restarts = r.restarts;
        if (!r.lastExit.isEmpty() && r.state != LocalReplica::State::Up)
            k.row.note = "last exit: " + r.lastExit;
        next[r.name] = k;
    }
    replicas_ = std::move(next);
    if (!scale_->hasFocus())
        scale_->setValue(state.desiredReplicas);
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
    summary_->setText(QStringLiteral("Local cluster: %1 of %2 replicas up · Prometheus %3 · %4%5")
                          .arg(state.upCount())
                          .arg(state.desiredReplicas)
                          .arg(state.prometheusUp ? "up" : "down")
                          .arg(load)
                          .arg(state.message.isEmpty() ? QString() : " · " + state.message));
    publish();
}

void ClusterPage::refresh() {
    // Control status of each replica, on workers; the answers come back queued. One client
    // (one channel) per address, kept across refreshes; a replica that moved gets a new one.
    std::map<QString, std::shared_ptr<ControlClient>> clients;
    for (const auto& [name, k] : replicas_) {
        if (k.row.address.isEmpty())
            continue;
        auto& client = clients[k.row.address];
        if (const auto it = controlClients_.find(k.row.address); it != controlClients_.end())
            client = it->second;
        if (!client) {
            ScorerEndpoint endpoint = profile_.endpoint(k.row.address, token_);
            endpoint.deadline = std::chrono::milliseconds(3000);
            try {
                client = std::make_shared<ControlClient>(endpoint);
            } catch (const std::exception& e) {  // a TLS file that cannot be read
                clients.erase(k.row.address);
                replicas_[name].row.health = "Down";
                replicas_[name].row.note = QString::fromUtf8(e.what());
            }
        }
    }
    controlClients_ = clients;
    for (const auto& [name, k] : replicas_) {
        const auto it = clients.find(k.row.address);
        if (it == clients.end())
            continue;
        QPointer<ClusterPage> self(this);
        const QString replica = name;
        QThreadPool::globalInstance()->start([self, client = it->second, replica] {
            auto status = client->status();
            QMetaObject::invokeMethod(
                self,
                [self, replica, status = std::move(status)] {
                    if (!self || !self->replicas_.count(replica))
                        return;
                    Known& known = self->replicas_[replica];
                    ReplicaRow& row = known.row;
                    if (status.ok()) {
                        const auto& s = *status.value;
                        known.statusSeen = true;
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
                            row.note = QString::fromStdString("load failure: " + f.version() +
                                                              ": " + f.reason());
                        }
                        // A remote replica's health is whether it answers; a local one's is
                        // its supervisor's view, which knows about restarts.
                        if (!self->cluster_ || row.health == "?")
                            row.health = "Up";
                    } else {
                        const auto code = status.error->code;
                        row.note = QString::fromStdString(status.error->message);
                        // Reachable, but this profile's token is not accepted.
                        if (code == grpc::StatusCode::UNAUTHENTICATED ||
                            code == grpc::StatusCode::PERMISSION_DENIED)
                            row.health = "Refused";
                        else if (!self->cluster_ || row.health == "?" || row.health == "Up")
                            row.health = "Down";
                    }
                    self->publish();
                },
                Qt::QueuedConnection);
        });
    }
    if (client_) {
        for (int m = Scores; m <= Memory; ++m)
            queries_[client_->query(expandQuery(kQueries[m], {profile_.scrapeJob}))] = m;
    }
}

void ClusterPage::onPrometheus(PrometheusClient::RequestId id, const PrometheusResult& result) {
    const auto it = queries_.find(id);
    if (it == queries_.end())
        return;
    const int metric = it->second;
    queries_.erase(it);
    if (!result.ok())
        return;
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
        const double v = s.samples[0].value;
        (metric == Scores ? row.scoresPerSecond
         : metric == P99  ? row.p99Ms
         : metric == Cpu  ? row.cpuPercent
                          : row.memoryMb) =
            std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
    }
    publish();
}

bool ClusterPage::hasData() const {
    return !replicas_.empty() && prometheusSeen_ &&
           std::all_of(replicas_.begin(), replicas_.end(),
                       [](const auto& kv) { return kv.second.statusSeen; });
}

void ClusterPage::publish() {
    std::vector<ReplicaRow> rows;
    for (const auto& [name, k] : replicas_)
        rows.push_back(k.row);
    model_.setRows(std::move(rows));
}

}  // namespace fraudops
