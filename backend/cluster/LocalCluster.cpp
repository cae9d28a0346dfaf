#include "cluster/LocalCluster.h"

#include <signal.h>
#include <sys/prctl.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <algorithm>
#include <cmath>

namespace fraudops {
namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(1000);
constexpr auto kMaxBackoff = std::chrono::milliseconds(30'000);
constexpr auto kHealthyAfter = std::chrono::seconds(60);
// The scorers accept events up to this old: the demo's population runs in real time once
// warmed, but a long-lived open loop's simulated clock may fall behind now a little.
constexpr int kMaxEventAgeDays = 30;

bool anyRunning(const QObject* owner) {
    const auto processes = owner->findChildren<QProcess*>();
    return std::any_of(processes.begin(), processes.end(),
                       [](const QProcess* p) { return p->state() != QProcess::NotRunning; });
}

bool writeAtomically(const QString& path, const QByteArray& content) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    f.write(content);
    return f.commit();
}

}  // namespace

struct LocalCluster::Child {
    QProcess* process = nullptr;
    LocalReplica info;
    QByteArray output;
    std::chrono::milliseconds backoff = kFirstBackoff;
    bool retiring = false;  // scaled away: not restarted
    QTimer* restart = nullptr;
};

LocalCluster::LocalCluster(Config config, QObject* parent)
    : QObject(parent), config_(std::move(config)) {
    qRegisterMetaType<fraudops::LocalClusterState>();
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
    // Children die with us anyway (PR_SET_PDEATHSIG); this is the clean way.
    stopping_ = true;
    for (QProcess* p : findChildren<QProcess*>()) {
        p->disconnect(this);
        if (p->state() != QProcess::NotRunning) {
            p->terminate();
            if (!p->waitForFinished(2000))
                p->kill();
            p->waitForFinished(1000);
        }
    }
}

QProcess* LocalCluster::spawn(const QString& program, const QStringList& args,
                              const QString& logName, bool mergeChannels) {
    auto* p = new QProcess(this);
    if (mergeChannels) {
        // Both streams into the log file.
        p->setProcessChannelMode(QProcess::MergedChannels);
        p->setStandardOutputFile(QDir(config_.workDir).filePath(logName), QIODevice::Append);
    }
    // The child is killed when the console's thread that started it ends, even by SIGKILL.
    p->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    if (!logName.isEmpty() && !mergeChannels)
        p->setStandardErrorFile(QDir(config_.workDir).filePath(logName), QIODevice::Append);
    connect(p, &QProcess::errorOccurred, this, [this, program](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) {
            state_.message = "cannot start " + program;
            publish();
        }
    });
    p->start(program, args);
    return p;
}

void LocalCluster::start() {
    QDir().mkpath(config_.workDir);
    stopping_ = false;
    // Prometheus's data is this run's alone: series of an earlier run's replicas would count
    // as up for five minutes (Prometheus's lookback) and mix with this one's.
    QDir(QDir(config_.workDir).filePath("prometheus-data")).removeRecursively();
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
    trainer_ = spawn(QDir(config_.binDir).filePath("fraud-train"), args, "train.log");
    connect(trainer_, &QProcess::finished, this, [this, step](int code, QProcess::ExitStatus s) {
        trainer_->deleteLater();
        trainer_ = nullptr;
        if (stopping_)
            return;
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
    scaleTo(config_.replicas);
    startPrometheus();
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
        c->info.state = LocalReplica::State::Stopping;
        if (c->restart)
            c->restart->stop();
        if (c->process && c->process->state() != QProcess::NotRunning)
            c->process->terminate();
    }
    for (int index = 0; active < replicas; ++index) {
        const bool taken = std::any_of(replicas_.begin(), replicas_.end(), [&](const auto& c) {
            return !c->retiring && c->info.index == index;
        });
        if (taken)
            continue;
        auto child = std::make_unique<Child>();
        child->info.index = index;
        child->info.name = QStringLiteral("local-%1").arg(index);
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
    c->info.state = LocalReplica::State::Starting;
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
    c->process = spawn(QDir(config_.binDir).filePath("fraud-scorer"), args, c->info.name + ".log");
    c->info.pid = c->process->processId();
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
            c->info.state = LocalReplica::State::Up;
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
            const bool wasHealthy =
                c->info.upSince.isValid() &&
                c->info.upSince.secsTo(QDateTime::currentDateTimeUtc()) > kHealthyAfter.count();
            c->process->deleteLater();
            c->process = nullptr;
            c->info.pid = 0;
            c->info.upSince = {};
            if (stopping_ || c->retiring) {
                if (c->restart)
                    c->restart->deleteLater();
                std::erase_if(replicas_, [c](const auto& p) { return p.get() == c; });
            } else {
                // Keep the desired count: restart, with backoff unless it had been healthy.
                if (wasHealthy)
                    c->backoff = kFirstBackoff;
                ++c->info.restarts;
                c->info.state = LocalReplica::State::WaitingToRestart;
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
                c->restart->start(c->backoff);
                c->backoff = std::min(c->backoff * 2, kMaxBackoff);
            }
            writeTargets();
            publish();
            if (stopping_ && !anyRunning(this))
                emit stopped();
        });
}

void LocalCluster::restartReplica(int index) {
    for (auto& c : replicas_) {
        if (c->info.index == index && !c->retiring && c->process) {
            c->backoff = std::chrono::milliseconds(0);  // on purpose: no backoff
            c->process->terminate();
        }
    }
}

void LocalCluster::startPrometheus() {
    const QDir work(config_.workDir);
    const QString configFile = work.filePath("prometheus.yml");
    const auto interval = QString::number(config_.scrapeInterval.count()) + "s";
    writeAtomically(configFile, QStringLiteral("global:\n"
                                               "  scrape_interval: %1\n"
                                               "  evaluation_interval: %1\n"
                                               "scrape_configs:\n"
                                               "  - job_name: fraud-scorer\n"
                                               "    file_sd_configs:\n"
                                               "      - files: ['%2']\n"
                                               "        refresh_interval: 1s\n")
                                    .arg(interval, work.filePath("targets.json"))
                                    .toUtf8());
    writeTargets();
    // The same port after a restart, so the console's URL stays valid.
    const QString listen = state_.prometheusUrl.isEmpty()
                               ? QStringLiteral("127.0.0.1:0")
                               : QString(state_.prometheusUrl).remove("http://");
    // Prometheus logs the address it bound ("Listening on"): read from its log as it grows.
    const QString logPath = work.filePath("prometheus.log");
    const qint64 logStart = QFileInfo(logPath).size();
    prometheus_ = spawn(
        config_.prometheusBinary,
        {"--config.file=" + configFile, "--storage.tsdb.path=" + work.filePath("prometheus-data"),
         "--storage.tsdb.retention.time=2d", "--web.listen-address=" + listen},
        "prometheus.log", true);
    state_.prometheusPid = prometheus_->processId();
    auto* poll = new QTimer(prometheus_);
    connect(poll, &QTimer::timeout, this, [this, poll, logPath, logStart] {
        QFile log(logPath);
        if (!log.open(QIODevice::ReadOnly) || !log.seek(logStart))
            return;
        static const QRegularExpression listening(
            R"(msg="Listening on" address=(127\.0\.0\.1:\d+))");
        const auto m = listening.match(QString::fromUtf8(log.readAll()));
        if (!m.hasMatch())
            return;
        poll->stop();
        state_.prometheusUrl = "http://" + m.captured(1);
        state_.prometheusUp = true;
        publish();
    });
    poll->start(100);
    connect(prometheus_, &QProcess::finished, this, [this](int, QProcess::ExitStatus) {
        prometheus_->deleteLater();
        prometheus_ = nullptr;
        state_.prometheusUp = false;
        state_.prometheusPid = 0;
        afterServiceExit([this] {
            if (!prometheus_)
                startPrometheus();
        });
    });
}

void LocalCluster::afterServiceExit(const std::function<void()>& restart) {
    publish();
    if (stopping_) {
        if (!anyRunning(this))
            emit stopped();
        return;
    }
    QTimer::singleShot(kFirstBackoff, this, [this, restart] {
        if (!stopping_)
            restart();
    });
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
                        "--status-file",
                        work.filePath("loadgen-status.json"),
                        "--control-file",
                        work.filePath("loadgen-control.json"),
                        "--quiet"};
    args << populationArgs();
    load_ = spawn(QDir(config_.binDir).filePath("fraud-loadgen"), args, "loadgen.log");
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
        afterServiceExit([this] {
            if (!load_ && state_.upCount() > 0)
                startLoad();
        });
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
    if (phase == state_.loadPhase && progress == state_.warmupProgress &&
        sent == state_.loadSentPerSecond)
        return;
    state_.loadPhase = phase;
    state_.warmupProgress = progress;
    state_.loadSentPerSecond = sent;
    state_.loadCards = j.value("cards").toInt(state_.loadCards);
    publish();
}

void LocalCluster::setDemoDrift(double amountScale) {
    state_.demoAmountScale = amountScale > 0 ? amountScale : 1;
    QDir().mkpath(config_.workDir);
    writeAtomically(QDir(config_.workDir).filePath("loadgen-control.json"),
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
    QJsonArray sd;
    QByteArray loadTargets;
    for (const auto& c : replicas_) {
        if (c->info.state != LocalReplica::State::Up || c->retiring)
            continue;
        sd.append(QJsonObject{
            {"targets", QJsonArray{QStringLiteral("127.0.0.1:%1").arg(c->info.metricsPort)}},
            {"labels", QJsonObject{{"replica", c->info.name}, {"grpc_address", c->info.address}}}});
        loadTargets += c->info.address.toUtf8() + "\n";
    }
    const QDir work(config_.workDir);
    writeAtomically(work.filePath("targets.json"), QJsonDocument(sd).toJson());
    if (!loadTargets.isEmpty())
        writeAtomically(work.filePath("loadgen-targets.txt"), loadTargets);
}

void LocalCluster::stop(std::chrono::milliseconds grace) {
    stopping_ = true;
    state_.phase = LocalClusterState::Phase::Stopping;
    publish();
    const auto processes = findChildren<QProcess*>();
    int running = 0;
    for (QProcess* p : processes) {
        if (p->state() == QProcess::NotRunning)
            continue;
        ++running;
        p->terminate();
        QTimer::singleShot(grace, p, [p] {
            if (p->state() != QProcess::NotRunning)
                p->kill();
        });
    }
    if (running == 0)
        emit stopped();
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
              [](const auto& a, const auto& b) { return a.index < b.index; });
    emit changed(state_);
}

}  // namespace fraudops
