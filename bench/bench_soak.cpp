// The soak: the local cluster (its scorers, Prometheus with the project's rules, demo traffic)
// and the console with every page shown in turn, for a long time, with a rollout every six
// minutes (a canary at 10 %, aborted three minutes later) and a replica restarted every five.
// Each minute it records, per scorer slot, RSS, open descriptors and threads (/proc); the
// cluster's Score p99 and throughput (Prometheus, as the Overview reads them); the console's
// own RSS, its heap in use (malloc's own count, to tell a leak from memory malloc keeps) and its
// longest event-loop stall (a 10 ms timer's lateness, with the page shown when it happened and
// the event deliveries that filled it); the cards the scorers remember (their memory grows with
// them, up to --card-capacity). Everything must stay flat: the summary compares the minutes
// after warm-up with the last ones, and the PNG draws every series over the whole run.
//
// Usage: bench_soak --bin-dir DIR --registry DIR --minutes N --out DIR [--rules FILE]
// (bench/bench_soak.sh runs it on the test registry for 30 minutes).
#include <malloc.h>
#include <unistd.h>

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QGridLayout>
#include <QLineSeries>
#include <QPainter>
#include <QProcess>
#include <QSettings>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>
#include <QValueAxis>
#include <QWidget>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "TimedApplication.h"
#include "cluster/LocalCluster.h"
#include "features/CardHistoryStore.h"
#include "prometheus/PrometheusHttp.h"
#include "prometheus/ScorerQueries.h"
#include "registry/ModelRegistry.h"
#include "shell/ConsoleWindow.h"

namespace {

struct ProcessFigures {
    double rssMb = 0;
    int fds = 0;
    int threads = 0;
};

ProcessFigures figuresOf(qint64 pid) {
    ProcessFigures f;
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream status(base + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0)
            f.rssMb = std::stod(line.substr(6)) / 1024;
        if (line.rfind("Threads:", 0) == 0)
            f.threads = std::stoi(line.substr(8));
    }
    f.fds = static_cast<int>(QDir(QString::fromStdString(base + "/fd"))
                                 .entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System)
                                 .size());
    return f;
}

// One minute's row.
struct Sample {
    double minute = 0;
    std::map<int, ProcessFigures> scorers;  // by slot
    double p99Ms = -1, scoresPerSecond = -1;
    double cards = -1;  // remembered by all scorers together
    ProcessFigures console;
    double consoleHeapMb = 0;  // malloc's bytes in use, every arena
    double consoleHeldMb = 0;  // what malloc holds from the system: in use plus free chunks
    double longestStallMs = 0;
    // Of that stall, the GUI thread's time on a CPU and waiting for one: the stall less what
    // the hypervisor took from the machine meanwhile (measured beside it, in stallWhere).
    double longestStallOwnMs = 0;
    QString stallWhere;  // the page shown, and how long after it was turned to
    QString events;
};

// The calling thread's time on a CPU and runnable waiting for one, from the kernel's
// schedstat (ns each).
struct ThreadSchedule {
    qint64 onCpuNs = 0, waitingNs = 0;
};
ThreadSchedule guiThreadSchedule() {
    ThreadSchedule t;
    std::ifstream in("/proc/thread-self/schedstat");
    in >> t.onCpuNs >> t.waitingNs;
    return t;
}

// Milliseconds the hypervisor has kept the machine's CPUs from it (all CPUs together), from
// the steal column of /proc/stat. The GUI thread's schedstat counts that time neither as on a
// CPU nor as waiting for one.
double stolenMs() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    double user, nice, system, idle, iowait, irq, softirq, steal = 0;
    in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    return steal * 1000.0 / double(sysconf(_SC_CLK_TCK));
}

QLineSeries* line(QChart* chart, const QString& name) {
    auto* s = new QLineSeries;
    s->setName(name);
    chart->addSeries(s);
    return s;
}

QChartView* chartOf(const QString& title,
                    const std::vector<std::pair<QString, std::vector<QPointF>>>& series) {
    auto* chart = new QChart;
    chart->setTitle(title);
    double top = 0, last = 1;
    for (const auto& [name, points] : series) {
        auto* s = line(chart, name);
        for (const auto& p : points) {
            s->append(p);
            top = std::max(top, p.y());
            last = std::max(last, p.x());
        }
    }
    auto* x = new QValueAxis;
    x->setTitleText("minute");
    x->setRange(0, last);
    x->applyNiceNumbers();
    x->setLabelFormat("%.0f");
    auto* y = new QValueAxis;
    y->setRange(0, top > 0 ? top * 1.25 : 1);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (auto* s : chart->series()) {
        s->attachAxis(x);
        s->attachAxis(y);
    }
    chart->legend()->setAlignment(Qt::AlignBottom);
    auto* view = new QChartView(chart);
    view->setRenderHint(QPainter::Antialiasing);
    return view;
}

// Mean of a series over minutes [from, to).
template <typename Get>
double meanOver(const std::vector<Sample>& rows, double from, double to, Get get) {
    double sum = 0;
    int n = 0;
    for (const auto& r : rows) {
        if (r.minute >= from && r.minute < to) {
            const double v = get(r);
            if (v >= 0) {
                sum += v;
                ++n;
            }
        }
    }
    return n ? sum / n : -1;
}

}  // namespace

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    TimedApplication app(argc, argv);
    QTemporaryDir settings;
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings.path());
    QString binDir, registry, out = ".", rules;
    double minutes = 30;
    for (int i = 1; i + 1 < argc; i += 2) {
        const QString flag = argv[i];
        if (flag == "--bin-dir")
            binDir = argv[i + 1];
        else if (flag == "--registry")
            registry = argv[i + 1];
        else if (flag == "--minutes")
            minutes = QString(argv[i + 1]).toDouble();
        else if (flag == "--out")
            out = argv[i + 1];
        else if (flag == "--rules")
            rules = argv[i + 1];
    }
    if (binDir.isEmpty() || registry.isEmpty()) {
        std::fprintf(stderr,
                     "usage: bench_soak --bin-dir DIR --registry DIR --minutes N --out DIR\n");
        return 2;
    }
    QDir().mkpath(out);
    QTemporaryDir dir;
    QProcess::execute("cp", {"-r", registry, dir.filePath("registry")});
    fraudops::LocalCluster::Config config;
    config.binDir = binDir;
    config.registry = dir.filePath("registry");
    config.workDir = dir.filePath("work");
    config.rulesFile = rules;
    config.loadRate = 200;
    config.historyHours = 1;
    fraudops::LocalCluster cluster(config);
    cluster.start();
    fraudops::ConsoleWindow window(fraudops::ProfileStore::local(), &cluster);
    window.resize(1400, 900);
    window.show();

    // What the sampler thread reads: the scorers' pids and Prometheus's address, copied on
    // every change of the cluster; the longest stall since the last sample; the events.
    std::mutex mutex;
    std::map<int, qint64> scorerPids;
    QString prometheusUrl, events;
    QObject::connect(&cluster, &fraudops::LocalCluster::changed, [&](const auto& state) {
        std::lock_guard lock(mutex);
        scorerPids.clear();
        for (const auto& r : state.replicas) {
            if (r.pid > 0)
                scorerPids[r.slot] = r.pid;
        }
        prometheusUrl = state.prometheusUrl;
    });
    const auto note = [&](const QString& event) {
        std::lock_guard lock(mutex);
        events += (events.isEmpty() ? "" : "; ") + event;
        std::printf("%s\n", qPrintable(event));
        std::fflush(stdout);
    };

    // Every page in turn, 15 s each, all through the run.
    const QStringList pages = window.pageTitles();
    int pageIndex = 0;
    QString pageShown = "Overview";
    QElapsedTimer sinceTurn;
    sinceTurn.start();
    QTimer pageTurner;
    QObject::connect(&pageTurner, &QTimer::timeout, [&] {
        pageShown = pages[pageIndex++ % pages.size()];
        sinceTurn.restart();
        window.showPage(pageShown);
    });
    pageTurner.start(15'000);

    // The event loop's lateness: a 10 ms timer, the longest gap between its ticks since the
    // last sample, and where the console was when it happened. The GUI thread's schedstat
    // splits a gap into its time on a CPU (the console's work), its time runnable but waiting
    // for one (the cluster's processes on the same cores), and the rest (blocked, or the
    // hypervisor's steal).
    double longestStall = 0, longestStallOwn = 0;
    QString stallWhere;
    QElapsedTimer gap;
    gap.start();
    ThreadSchedule lastSchedule = guiThreadSchedule();
    double lastStolen = stolenMs();
    QTimer ticker;
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        const double late = double(gap.nsecsElapsed()) / 1e6;
        gap.restart();
        const ThreadSchedule schedule = guiThreadSchedule();
        const double onCpuMs = double(schedule.onCpuNs - lastSchedule.onCpuNs) / 1e6;
        const double waitingMs = double(schedule.waitingNs - lastSchedule.waitingNs) / 1e6;
        lastSchedule = schedule;
        const double stolen = stolenMs();
        const double stolenNowMs = stolen - std::exchange(lastStolen, stolen);
        std::lock_guard lock(mutex);
        if (late > longestStall) {
            longestStall = late;
            longestStallOwn = onCpuMs + waitingMs;
            const qint64 now = app.now();
            stallWhere = QString(
                             "%1, %2 s after turning to it; %3 ms on CPU, %4 waiting for "
                             "one, %5 stolen from the machine's CPUs: %6")
                             .arg(pageShown)
                             .arg(double(sinceTurn.elapsed() - late) / 1000, 0, 'f', 1)
                             .arg(onCpuMs, 0, 'f', 0)
                             .arg(waitingMs, 0, 'f', 0)
                             .arg(stolenNowMs, 0, 'f', 0)
                             .arg(app.explain(now - qint64(late * 1e6), now));
        }
    });
    ticker.start(10);

    // Faults and changes: a replica restarted every 5 minutes, a canary every 6 (aborted 3
    // minutes later), through the registry as fraudctl would.
    int restarts = 0;
    QTimer restarter;
    QObject::connect(&restarter, &QTimer::timeout, [&] {
        const int slot = restarts++ % std::max(1, config.replicas);
        cluster.restartReplica(slot);
        note(QString("restart local-%1").arg(slot));
    });
    restarter.start(5 * 60'000);
    // Registry writes fsync: on a thread of their own, as fraudctl's would be in its process, so
    // the stall figure is the console's alone.
    std::vector<std::jthread> writers;
    const auto rollout = [&](bool start) {
        try {
            fraud::ModelRegistry r(config.registry.toStdString());
            const auto current = r.readRollout();
            if (!current)
                return;
            r.commit(current->generation, start ? "set-canary" : "abort-canary", "soak",
                     start ? "soak: canary" : "soak: abort", [&](fraud::RolloutState& s) {
                         s.canary = start ? "v2" : "";
                         s.canaryWeightBp = start ? 1000 : 0;
                     });
            note(start ? "canary v2 at 10 %" : "abort v2");
        } catch (const std::exception& e) {
            note(QString("rollout failed: ") + e.what());
        }
    };
    QTimer rollouts;
    QObject::connect(&rollouts, &QTimer::timeout, [&] {
        writers.emplace_back([&] { rollout(true); });
        QTimer::singleShot(3 * 60'000, [&] { writers.emplace_back([&] { rollout(false); }); });
    });
    rollouts.start(6 * 60'000);

    // The sampler: once a minute, off the GUI thread (Prometheus's answers block).
    std::vector<Sample> rows;
    QElapsedTimer clock;
    clock.start();
    std::jthread sampler([&](std::stop_token stop) {
        int next = 1;
        while (!stop.stop_requested()) {
            if (clock.elapsed() < next * 60'000) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                continue;
            }
            Sample s;
            s.minute = next++;
            std::map<int, qint64> pids;
            QString url;
            {
                std::lock_guard lock(mutex);
                pids = scorerPids;
                url = prometheusUrl;
                s.events = events;
                events.clear();
            }
            for (const auto& [slot, pid] : pids)
                s.scorers[slot] = figuresOf(pid);
            s.console = figuresOf(QCoreApplication::applicationPid());
            const auto heap = mallinfo2();
            s.consoleHeapMb = double(heap.uordblks + heap.hblkhd) / (1024 * 1024);
            s.consoleHeldMb = double(heap.arena + heap.hblkhd) / (1024 * 1024);
            {
                std::lock_guard lock(mutex);
                s.longestStallMs = std::exchange(longestStall, 0);
                s.longestStallOwnMs = std::exchange(longestStallOwn, 0);
                s.stallWhere = std::exchange(stallWhere, {});
            }
            if (!url.isEmpty()) {
                const fraudops::PrometheusEndpoint prometheus{url, {}, std::chrono::seconds(10)};
                const auto f = fraudops::readScorerFigures(prometheus, "fraud-scorer",
                                                           std::chrono::seconds(60));
                s.p99Ms = f.p99Ms.value_or(-1);
                s.scoresPerSecond = f.scoresPerSecond.value_or(-1);
                s.cards = fraudops::firstValue(fraudops::prometheusQuery(
                                                   prometheus, "sum(fraud_scorer_cards_tracked)"))
                              .value_or(-1);
            }
            std::printf(
                "minute %3.0f: p99 %.2f ms, %.0f scores/s, %.0f cards, console RSS %.0f MB (heap "
                "%.0f MB in use, %.0f MB held), %d threads, stall %.0f ms (%s)",
                s.minute, s.p99Ms, s.scoresPerSecond, s.cards, s.console.rssMb, s.consoleHeapMb,
                s.consoleHeldMb, s.console.threads, s.longestStallMs, qPrintable(s.stallWhere));
            for (const auto& [slot, f] : s.scorers)
                std::printf(" | local-%d RSS %.0f MB, %d fds, %d threads", slot, f.rssMb, f.fds,
                            f.threads);
            std::printf("\n");
            std::fflush(stdout);
            {
                std::lock_guard lock(mutex);
                rows.push_back(std::move(s));
            }
            if (next > minutes)
                QMetaObject::invokeMethod(&app, &QApplication::quit, Qt::QueuedConnection);
        }
    });
    app.exec();
    sampler.request_stop();
    sampler.join();
    ticker.stop();

    // The CSV, every row.
    QFile csv(QDir(out).filePath("soak.csv"));
    if (csv.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        QTextStream t(&csv);
        t << "minute,slot,rss_mb,fds,threads,p99_ms,scores_per_s,cards,console_rss_mb,"
             "console_heap_mb,console_held_mb,console_fds,console_threads,longest_stall_ms,stall_"
             "where,events\n";
        for (const auto& r : rows) {
            for (const auto& [slot, f] : r.scorers) {
                t << r.minute << ',' << slot << ',' << f.rssMb << ',' << f.fds << ',' << f.threads
                  << ',' << r.p99Ms << ',' << r.scoresPerSecond << ',' << r.cards << ','
                  << r.console.rssMb << ',' << r.consoleHeapMb << ',' << r.consoleHeldMb << ','
                  << r.console.fds << ',' << r.console.threads << ',' << r.longestStallMs << ",\""
                  << r.stallWhere << "\",\"" << r.events << "\"\n";
            }
        }
    }

    // The picture: six charts over the whole run.
    std::map<int, std::vector<QPointF>> rss, fds, threads;
    std::vector<QPointF> p99, rate, consoleRss, consoleHeap, consoleHeld, stall, consoleThreads,
        history;
    const double cardMb = double(fraud::CardHistoryStore::bytesPerCard()) / (1024 * 1024);
    for (const auto& r : rows) {
        for (const auto& [slot, f] : r.scorers) {
            rss[slot].push_back({r.minute, f.rssMb});
            fds[slot].push_back({r.minute, double(f.fds)});
            threads[slot].push_back({r.minute, double(f.threads)});
        }
        if (r.p99Ms >= 0)
            p99.push_back({r.minute, r.p99Ms});
        if (r.scoresPerSecond >= 0)
            rate.push_back({r.minute, r.scoresPerSecond});
        if (r.cards >= 0 && !r.scorers.empty())
            history.push_back({r.minute, r.cards * cardMb / double(r.scorers.size())});
        consoleRss.push_back({r.minute, r.console.rssMb});
        consoleHeap.push_back({r.minute, r.consoleHeapMb});
        consoleHeld.push_back({r.minute, r.consoleHeldMb});
        consoleThreads.push_back({r.minute, double(r.console.threads)});
        stall.push_back({r.minute, r.longestStallMs});
    }
    const auto bySlot = [](const std::map<int, std::vector<QPointF>>& m, const QString& what) {
        std::vector<std::pair<QString, std::vector<QPointF>>> v;
        for (const auto& [slot, points] : m)
            v.push_back({QString("local-%1 %2").arg(slot).arg(what), points});
        return v;
    };
    QWidget canvas;
    auto* grid = new QGridLayout(&canvas);
    auto memory = bySlot(rss, "RSS");
    memory.push_back({"card history, each (cards x bytes per card / replicas)", history});
    grid->addWidget(chartOf("Scorer RSS (MB)", memory), 0, 0);
    auto descriptors = bySlot(fds, "fds");
    for (auto& t : bySlot(threads, "threads"))
        descriptors.push_back(t);
    grid->addWidget(chartOf("Scorer descriptors and threads", descriptors), 0, 1);
    grid->addWidget(chartOf("Scores a second (cluster)", {{"scores/s", rate}}), 1, 0);
    grid->addWidget(chartOf("Score p99 (ms, cluster, 1 m window)", {{"p99", p99}}), 1, 1);
    grid->addWidget(
        chartOf("Console RSS and malloc heap (MB), threads", {{"RSS", consoleRss},
                                                              {"malloc: held", consoleHeld},
                                                              {"malloc: in use", consoleHeap},
                                                              {"threads", consoleThreads}}),
        2, 0);
    grid->addWidget(
        chartOf("Console: longest event-loop stall each minute (ms)", {{"stall", stall}}), 2, 1);
    canvas.resize(1400, 1200);
    canvas.show();
    QCoreApplication::processEvents();
    canvas.grab().save(QDir(out).filePath("soak.png"));

    // The summary: minutes 5-10 (after warm-up) against the last five.
    const double end = rows.empty() ? 0 : rows.back().minute + 1;
    const double early0 = 5, early1 = 10, late0 = std::max(early1, end - 5);
    std::printf("\n| series | minutes %.0f-%.0f | last 5 minutes | ratio |\n|---|---:|---:|---:|\n",
                early0, early1 - 1);
    const auto row = [&](const char* name, auto get) {
        const double a = meanOver(rows, early0, early1, get), b = meanOver(rows, late0, end, get);
        std::printf("| %s | %.1f | %.1f | %.2f |\n", name, a, b, a > 0 ? b / a : 0.0);
    };
    const auto scorerSum = [](auto member) {
        return [member](const Sample& s) {
            double sum = 0;
            for (const auto& [slot, f] : s.scorers)
                sum += double(f.*member);
            return sum;
        };
    };
    row("scorers' RSS, MB (all replicas)", scorerSum(&ProcessFigures::rssMb));
    row("scorers' open descriptors", scorerSum(&ProcessFigures::fds));
    row("scorers' threads", scorerSum(&ProcessFigures::threads));
    row("Score p99, ms", [](const Sample& s) { return s.p99Ms; });
    row("scores a second", [](const Sample& s) { return s.scoresPerSecond; });
    row("cards remembered (all replicas)", [](const Sample& s) { return s.cards; });
    row("their card history, MB (cards x bytes per card)",
        [cardMb](const Sample& s) { return s.cards >= 0 ? s.cards * cardMb : -1; });
    row("console RSS, MB", [](const Sample& s) { return s.console.rssMb; });
    row("console heap in use, MB", [](const Sample& s) { return s.consoleHeapMb; });
    row("console heap held by malloc, MB", [](const Sample& s) { return s.consoleHeldMb; });
    row("console threads", [](const Sample& s) { return double(s.console.threads); });
    double worst = 0, worstOwn = 0;
    for (const auto& r : rows) {
        worst = std::max(worst, r.longestStallMs);
        worstOwn = std::max(worstOwn, r.longestStallOwnMs);
    }
    std::printf("| console's longest event-loop stall, whole run | | %.0f ms | target < 100 ms |\n",
                worst);
    // On a shared virtual machine the hypervisor's steal lengthens stalls the console cannot
    // shorten; what the console's thread spent on a CPU or queued for one is its own part.
    std::printf(
        "| of each minute's longest stall, the most the GUI thread spent on a CPU or "
        "waiting for one | | %.0f ms | |\n",
        worstOwn);
    for (const auto& r : rows) {
        if (r.longestStallMs > 100)
            std::printf("stall of %.0f ms in minute %.0f: %s\n", r.longestStallMs, r.minute,
                        qPrintable(r.stallWhere));
    }
    std::printf("\n(%zu minutes; %d restarts; rows and events in %s)\n", rows.size(), restarts,
                qPrintable(QDir(out).filePath("soak.csv")));
    QEventLoop stopping;
    QObject::connect(&cluster, &fraudops::LocalCluster::stopped, &stopping, &QEventLoop::quit);
    QTimer::singleShot(30'000, &stopping, &QEventLoop::quit);
    cluster.stop();
    stopping.exec();
    return 0;
}
