#include "cluster/LocalCluster.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cmath>

#include "cluster/AtomicFile.h"
#include "cluster/LocalClusterFile.h"
#include "cluster/LocalPrometheus.h"
#include "cluster/LocalRedis.h"
#include "cluster/ProcessSupervisor.h"

namespace fraudops {
namespace {

// The scorers accept events up to this old: the demo's population runs in real time once
// warmed, but a long-lived open loop's simulated clock may fall behind now a little.
constexpr int kMaxEventAgeDays = 30;

}  // namespace

struct LocalCluster::Child {
    QProcess* process = nullptr;
    LocalReplica info;
    QByteArray output;
    RestartBackoff backoff;
    QElapsedTimer running;
    bool retiring = false;  // scaled away: not restarted
    QTimer* restart = nullptr;
};

LocalCluster::LocalCluster(Config config, QObject* parent)
    : QObject(parent),
      config_(std::move(config)),
      supervisor_(new ProcessSupervisor(config_.workDir, config_.niceness, this)),
      prometheus_(new LocalPrometheus(*supervisor_,
                                      {config_.prometheusBinary, config_.workDir, config_.rulesFile,
                                       config_.scrapeInterval, config_.ruleEvaluationInterval},
                                      this)),
      redis_(new LocalRedis(*supervisor_, {config_.redisBinary, config_.workDir}, this)) {
    qRegisterMetaType<fraudops::LocalClusterState>();
    connect(supervisor_, &ProcessSupervisor::failedToStart, this, [this](const QString& program) {
        state_.message = "cannot start " + program;
        publish();
    });
    connect(prometheus_, &LocalPrometheus::changed, this, [this] {
        state_.prometheusUp = prometheus_->up();
        state_.prometheusUrl = prometheus_->url();
        state_.prometheusPid = prometheus_->pid();
        publish();
    });
    connect(prometheus_, &LocalPrometheus::exited, this, &LocalCluster::afterExit);
    connect(redis_, &LocalRedis::changed, this, [this] {
        state_.redisUp = redis_->up();
        state_.redisPid = redis_->pid();
        publish();
    });
    connect(redis_, &LocalRedis::exited, this, &LocalCluster::afterExit);
    state_.sharedCardHistory = config_.sharedCardHistory;
    state_.desiredReplicas = config_.replicas;
    state_.loadRate = config_.loadRate;
    loadStatusPoll_.setInterval(1000);
    connect(&loadStatusPoll_, &QTimer::timeout, this, &LocalCluster::readLoadStatus);
}

QStringList LocalCluster::populationArgs() const {
    // One place, so that the demo traffic behaves exactly as the training data did.
    return {"--txns-per-card-per-day", QString::number(config_.txnsPerCardPerDay), "--fraud-rate",
            QString::number(config_.fraudRate), "--flat-day"};
}

int LocalCluster::loadCards() const {
    return std::max(1, static_cast<int>(std::ceil(config_.loadRate * 86'400 /
                                                  std::max(config_.txnsPerCardPerDay, 1e-9))));
}

LocalCluster::~LocalCluster() {
    stopping_ = true;
    prometheus_->stopRestarting();
    redis_->stopRestarting();
    // The supervisor ends the children as it goes; nothing of ours reacts any more.
    for (QProcess* p : supervisor_->findChildren<QProcess*>())
        p->disconnect(this);
    delete supervisor_;
}

void LocalCluster::start() {
    QDir().mkpath(config_.workDir);
    stopping_ = false;
    // The drift knob of an earlier run does not carry over.
    QFile::remove(QDir(config_.workDir).filePath("loadgen-control.json"));
    if (QFile::exists(QDir(config_.registry).filePath("rollout.json"))) {
        startRunning();
        return;
    }
    state_.phase = LocalClusterState::Phase::Training;
    train(1);
}

void LocalCluster::train(int step) {
    // v1 stable, then v2 trained on shifted traffic (a canary candidate), at the demo's
    // per-card rate so that live traffic matches the baselines.
    state_.message = step == 1 ? "training v1 (1 of 2)…" : "training v2 (2 of 2)…";
    publish();
    QStringList args{"synthetic",
                     "--registry",
                     config_.registry,
                     "--cards",
                     QString::number(config_.trainCards),
                     "--transactions",
                     QString::number(config_.trainTransactions),
                     "--rounds",
                     "200",
                     "--seed",
                     QString::number(step)};
    args << populationArgs();
    if (step == 2)
        args << "--amount-scale"
             << "1.2"
             << "--set-stable"
             << "no";
    trainer_ = supervisor_->spawn(QDir(config_.binDir).filePath("fraud-train"), args, "train.log");
    connect(trainer_, &QProcess::finished, this, [this, step](int code, QProcess::ExitStatus s) {
        trainer_->deleteLater();
        trainer_ = nullptr;
        if (stopping_) {
            afterExit();
            return;
        }
        if (s != QProcess::NormalExit || code != 0) {
            fail(QStringLiteral("training v%1 failed (see %2)")
                     .arg(step)
                     .arg(QDir(config_.workDir).filePath("train.log")));
            return;
        }
        if (step == 1)
            train(2);
        else
            startRunning();
    });
    connect(trainer_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            fail("cannot start fraud-train in " + config_.binDir);
    });
}

void LocalCluster::startRunning() {
    state_.phase = LocalClusterState::Phase::Running;
    state_.message.clear();
    if (config_.sharedCardHistory)
        redis_->start();
    scaleTo(config_.replicas);
    prometheus_->start();
    publish();
}

void LocalCluster::scaleTo(int replicas) {
    replicas = std::clamp(replicas, 0, 16);
    state_.desiredReplicas = replicas;
    if (state_.phase != LocalClusterState::Phase::Running) {
        config_.replicas = replicas;
        publish();
        return;
    }
    // Keep the lowest indices; retire the others.
    int active = 0;
    for (auto& c : replicas_) {
        if (c->retiring)
            continue;
        if (active < replicas) {
            ++active;
            continue;
        }
        c->retiring = true;
        c->info.health = ReplicaHealth::Stopping;
        if (c->restart)
            c->restart->stop();
        if (c->process && c->process->state() != QProcess::NotRunning)
            c->process->terminate();
    }
    for (int slot = 0; active < replicas; ++slot) {
        const bool taken = std::any_of(replicas_.begin(), replicas_.end(), [&](const auto& c) {
            return !c->retiring && c->info.slot == slot;
        });
        if (taken)
            continue;
        auto child = std::make_unique<Child>();
        child->info.slot = slot;
        child->info.name = QStringLiteral("local-%1").arg(slot);
        replicas_.push_back(std::move(child));
        startReplica(replicas_.size() - 1);
        ++active;
    }
    // Drop retired slots whose process is already gone.
    std::erase_if(replicas_, [](const auto& c) {
        return c->retiring && (!c->process || c->process->state() == QProcess::NotRunning);
    });
    writeTargets();
    publish();
}

void LocalCluster::startReplica(std::size_t slot) {
    Child* c = replicas_[slot].get();
    c->info.health = ReplicaHealth::Starting;
    c->info.address.clear();
    c->info.grpcPort = c->info.metricsPort = 0;
    c->output.clear();
    QStringList args{"--registry",       config_.registry,
                     "--listen",         "127.0.0.1:0",
                     "--metrics-listen", "127.0.0.1:0",
                     "--replica-name",   c->info.name,
                     "--drain-seconds",  "0",
                     "--max-event-age",  QString::number(kMaxEventAgeDays * 86400),
                     "--drift-window",   QString::number(config_.driftWindow.count())};
    if (!config_.tokensFile.isEmpty())
        args << "--tokens-file" << config_.tokensFile;
    // A replica started before Redis listens scores without history for those milliseconds
    // (failing open) and uses Redis from its first call that finds it.
    if (config_.sharedCardHistory)
        args << "--redis" << redis_->address();
    else
        args << "--card-snapshot" << QDir(config_.workDir).filePath(c->info.name + ".cards");
    c->process = supervisor_->spawn(QDir(config_.binDir).filePath("fraud-scorer"), args,
                                    c->info.name + ".log");
    c->info.pid = c->process->processId();
    c->running.start();
    connect(c->process, &QProcess::readyReadStandardOutput, this, [this, c] {
        c->output += c->process->readAllStandardOutput();
        for (qsizetype nl; (nl = c->output.indexOf('\n')) >= 0;) {
            const QByteArray line = c->output.left(nl);
            c->output.remove(0, nl + 1);
            const auto ready = QJsonDocument::fromJson(line).object();
            if (ready.value("event").toString() != "ready")
                continue;
            c->info.grpcPort = ready.value("grpc_port").toInt();
            c->info.metricsPort = ready.value("metrics_port").toInt();
            c->info.address = QStringLiteral("127.0.0.1:%1").arg(c->info.grpcPort);
            c->info.health = ReplicaHealth::Up;
            c->info.upSince = QDateTime::currentDateTimeUtc();
            writeTargets();
            if (!load_)
                startLoad();
            publish();
        }
    });
    connect(
        c->process, &QProcess::finished, this, [this, c](int code, QProcess::ExitStatus status) {
            c->info.lastExit = status == QProcess::CrashExit
                                   ? QStringLiteral("killed by a signal")
                                   : QStringLiteral("exited with code %1").arg(code);
            c->process->deleteLater();
            c->process = nullptr;
            c->info.pid = 0;
            c->info.upSince = {};
            if (stopping_ || c->retiring) {
                if (c->restart)
                    c->restart->deleteLater();
                std::erase_if(replicas_, [c](const auto& p) { return p.get() == c; });
            } else {
                // Keep the desired count: restart in the same slot, after a backoff.
                ++c->info.restarts;
                c->info.health = ReplicaHealth::Restarting;
                if (!c->restart) {
                    c->restart = new QTimer(this);
                    c->restart->setSingleShot(true);
                    connect(c->restart, &QTimer::timeout, this, [this, c] {
                        const auto it = std::find_if(replicas_.begin(), replicas_.end(),
                                                     [c](const auto& p) { return p.get() == c; });
                        if (it != replicas_.end() && !stopping_ && !c->retiring)
                            startReplica(static_cast<std::size_t>(it - replicas_.begin()));
                    });
                }
                c->restart->start(
                    c->backoff.afterRun(std::chrono::milliseconds(c->running.elapsed())));
            }
            writeTargets();
            publish();
            afterExit();
        });
}

void LocalCluster::restartReplica(int slot) {
    for (auto& c : replicas_) {
        if (c->info.slot == slot && !c->retiring && c->process) {
            c->backoff.skipNext();  // on purpose: no backoff
            c->process->terminate();
        }
    }
}

void LocalCluster::afterExit() {
    if (stopping_ && !supervisor_->anyRunning())
        emit stopped();
}

void LocalCluster::startLoad() {
    if (stopping_ || config_.loadRate <= 0)
        return;
    const QDir work(config_.workDir);
    // Each start is a new population (its own card ids): a restarted generator must not send
    // its cards' day of history a second time on top of what the scorers remember.
    ++loadStarts_;
    QFile::remove(work.filePath("loadgen-status.json"));
    QStringList args = {"--targets-file",
                        work.filePath("loadgen-targets.txt"),
                        "--mode",
                        "open",
                        "--rate",
                        QString::number(config_.loadRate),
                        "--warmup",
                        "0",
                        "--duration",
                        QString::number(7 * 86400),
                        "--cards",
                        QString::number(loadCards()),
                        "--history-hours",
                        QString::number(config_.historyHours),
                        "--seed",
                        QString::number(loadStarts_),
                        "--card-prefix",
                        QStringLiteral("demo%1-card").arg(loadStarts_),
                        "--real-time",
                        "--spread",
                        config_.sharedCardHistory ? "random" : "card",
                        "--status-file",
                        work.filePath("loadgen-status.json"),
                        "--control-file",
                        work.filePath("loadgen-control.json"),
                        "--quiet"};
    args << populationArgs();
    load_ = supervisor_->spawn(QDir(config_.binDir).filePath("fraud-loadgen"), args, "loadgen.log");
    state_.loadRunning = true;
    state_.loadPid = load_->processId();
    state_.loadPhase = config_.historyHours > 0 ? LocalClusterState::LoadPhase::WarmingUp
                                                : LocalClusterState::LoadPhase::Live;
    state_.warmupProgress = 0;
    state_.loadSentPerSecond = 0;
    state_.loadCards = loadCards();
    loadStatusPoll_.start();
    connect(load_, &QProcess::finished, this, [this](int, QProcess::ExitStatus) {
        load_->deleteLater();
        load_ = nullptr;
        loadStatusPoll_.stop();
        state_.loadRunning = false;
        state_.loadPid = 0;
        state_.loadPhase = LocalClusterState::LoadPhase::Off;
        state_.loadSentPerSecond = 0;
        publish();
        afterExit();
        if (!stopping_) {
            QTimer::singleShot(RestartBackoff::kFirst, this, [this] {
                if (!stopping_ && !load_ && state_.upCount() > 0)
                    startLoad();
            });
        }
    });
}

void LocalCluster::readLoadStatus() {
    QFile f(QDir(config_.workDir).filePath("loadgen-status.json"));
    if (!f.open(QIODevice::ReadOnly))
        return;  // not written yet
    const auto j = QJsonDocument::fromJson(f.readAll()).object();
    if (j.isEmpty())
        return;
    const auto phase = j.value("phase").toString() == "history"
                           ? LocalClusterState::LoadPhase::WarmingUp
                           : LocalClusterState::LoadPhase::Live;
    const double progress = j.value("history_progress").toDouble();
    const double sent = j.value("sent_per_second").toDouble();
    const auto completed = static_cast<qint64>(j.value("completed").toDouble());
    const auto failed = static_cast<qint64>(j.value("failed").toDouble());
    if (phase == state_.loadPhase && progress == state_.warmupProgress &&
        sent == state_.loadSentPerSecond && completed == state_.loadCompleted &&
        failed == state_.loadFailed)
        return;
    state_.loadCompleted = completed;
    state_.loadFailed = failed;
    state_.loadPhase = phase;
    state_.warmupProgress = progress;
    state_.loadSentPerSecond = sent;
    state_.loadCards = j.value("cards").toInt(state_.loadCards);
    publish();
}

void LocalCluster::setSharedCardHistory(bool shared) {
    if (shared == config_.sharedCardHistory)
        return;
    config_.sharedCardHistory = shared;
    state_.sharedCardHistory = shared;
    if (state_.phase == LocalClusterState::Phase::Running) {
        if (shared)
            redis_->start();
        else
            redis_->stop();
        for (const auto& c : replicas_)
            restartReplica(c->info.slot);
        if (load_)
            load_->terminate();  // restarted with the new spread by its finished handler
    }
    publish();
}

void LocalCluster::setDemoDrift(double amountScale) {
    state_.demoAmountScale = amountScale > 0 ? amountScale : 1;
    QDir().mkpath(config_.workDir);
    writeFileAtomically(
        QDir(config_.workDir).filePath("loadgen-control.json"),
        QJsonDocument(QJsonObject{{"amount_scale", state_.demoAmountScale}}).toJson());
    publish();
}

void LocalCluster::setLoadRate(double perSecond) {
    config_.loadRate = std::max(0.0, perSecond);
    state_.loadRate = config_.loadRate;
    if (load_)
        load_->terminate();  // restarted with the new rate by its finished handler
    else if (state_.upCount() > 0)
        startLoad();
    publish();
}

void LocalCluster::writeTargets() {
    std::vector<ScrapeTarget> targets;
    QByteArray loadTargets;
    for (const auto& c : replicas_) {
        if (c->info.health != ReplicaHealth::Up || c->retiring)
            continue;
        targets.push_back({QStringLiteral("127.0.0.1:%1").arg(c->info.metricsPort), c->info.name,
                           c->info.address});
        loadTargets += c->info.address.toUtf8() + "\n";
    }
    prometheus_->setTargets(targets);
    if (!loadTargets.isEmpty())
        writeFileAtomically(QDir(config_.workDir).filePath("loadgen-targets.txt"), loadTargets);
}

void LocalCluster::stop(std::chrono::milliseconds grace) {
    stopping_ = true;
    prometheus_->stopRestarting();
    redis_->stopRestarting();
    state_.phase = LocalClusterState::Phase::Stopping;
    publish();
    if (!supervisor_->anyRunning()) {
        emit stopped();
        return;
    }
    supervisor_->stopAll(grace);
}

void LocalCluster::fail(const QString& why) {
    state_.phase = LocalClusterState::Phase::Failed;
    state_.message = why;
    publish();
}

void LocalCluster::publish() {
    state_.replicas.clear();
    for (const auto& c : replicas_)
        state_.replicas.push_back(c->info);
    std::sort(state_.replicas.begin(), state_.replicas.end(),
              [](const auto& a, const auto& b) { return a.slot < b.slot; });
    writeAddresses();
    emit changed(state_);
}

void LocalCluster::writeAddresses() {
    const QString path = localClusterFilePath(config_.workDir);
    if (stopping_ || state_.phase != LocalClusterState::Phase::Running) {
        if (!addressesWritten_.isEmpty())
            QFile::remove(path);
        addressesWritten_.clear();
        return;
    }
    LocalClusterAddresses a;
    for (const auto& r : state_.replicas) {
        if (r.health == ReplicaHealth::Up && !r.address.isEmpty())
            a.scorers << r.address;
    }
    a.prometheusUrl = state_.prometheusUrl;
    a.consolePid = QCoreApplication::applicationPid();
    const QByteArray content = localClusterFileContent(a);
    if (content != addressesWritten_ && writeFileAtomically(path, content))
        addressesWritten_ = content;
}

}  // namespace fraudops
