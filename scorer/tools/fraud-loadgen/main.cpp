// fraud-loadgen: load for scorer clusters, from the trainer's card population.
#include <absl/synchronization/mutex.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <thread>

#include "common/CommandLine.h"
#include "common/EventClock.h"
#include "common/FileIo.h"
#include "common/Time.h"
#include "grpc/HealthProbe.h"
#include "loadgen/LoadRunner.h"
#include "loadgen/TrafficSource.h"

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');) {
        if (!item.empty())
            out.push_back(item);
    }
    return out;
}

// One host:port a line; blank lines and #-comments are skipped.
std::vector<std::string> readTargetsFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot read the targets file " + path.string());
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
        line = line.substr(0, line.find('#'));
        line.erase(0, line.find_first_not_of(" \t\r"));
        line.erase(line.find_last_not_of(" \t\r") + 1);
        if (!line.empty())
            out.push_back(line);
    }
    return out;
}

// {"amount_scale": 2, "category_shift": 0.1, "country_shift": 0}; absent knobs are off.
fraud::DriftKnobs readDriftKnobs(const std::filesystem::path& path) {
    std::ifstream in(path);
    const auto j = nlohmann::json::parse(in);
    fraud::DriftKnobs knobs;
    knobs.amountScale = j.value("amount_scale", 1.0);
    knobs.categoryShift = j.value("category_shift", 0.0);
    knobs.countryShift = j.value("country_shift", 0.0);
    if (!(knobs.amountScale > 0) || knobs.categoryShift < 0 || knobs.categoryShift > 1 ||
        knobs.countryShift < 0 || knobs.countryShift > 1)
        throw std::invalid_argument("knobs out of range");
    knobs.from = std::numeric_limits<fraud::EpochMillis>::max();  // TrafficSource: from now
    return knobs;
}

double cpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Waits until every target answers SERVING, at most `timeout`, or a stop signal; true if all do.
// Compose engines that ignore depends_on conditions start the generator with the cluster.
bool waitForTargets(const std::vector<std::string>& targets, std::chrono::seconds timeout,
                    const sigset_t& signals) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    std::size_t ready = 0;
    bool announced = false;
    while (ready < targets.size()) {
        fraud::HealthProbeRequest request;
        request.address = targets[ready];
        request.timeout = std::chrono::milliseconds(1000);
        if (fraud::probeHealth(request).status == fraud::HealthProbeAnswer::Status::Serving) {
            ++ready;
            continue;
        }
        if (std::chrono::steady_clock::now() >= until) {
            std::cerr << "fraud-loadgen: " << targets[ready] << " not serving after "
                      << timeout.count() << " s\n";
            return false;
        }
        if (!announced) {
            std::cerr << "fraud-loadgen: waiting up to " << timeout.count() << " s for "
                      << targets[ready] << " to serve\n";
            announced = true;
        }
        const timespec pause{0, 200'000'000};
        if (sigtimedwait(&signals, nullptr, &pause) > 0)
            return false;
    }
    return true;
}

void printPhase(std::ostream& out, const char* name, const nlohmann::json& j) {
    const auto& l = j["latency_ms"];
    char line[320];
    std::snprintf(
        line, sizeof line,
        "%-9s %9llu requests in %6.2f s = %9.1f /s | latency ms p50 %.3f  p90 %.3f  p99 %.3f  "
        "p99.9 %.3f  max %.3f\n",
        name, static_cast<unsigned long long>(j["completed"].get<std::uint64_t>()),
        j["seconds"].get<double>(), j["throughput_per_second"].get<double>(),
        l["p50"].get<double>(), l["p90"].get<double>(), l["p99"].get<double>(),
        l["p99.9"].get<double>(), l["max"].get<double>());
    out << line;
    out << "          outcomes:";
    for (const auto& [code, n] : j["codes"].items())
        out << " " << code << " " << n;
    out << "\n";
    if (const auto refused = j["refused_overload"].get<std::uint64_t>(); refused > 0) {
        // Overload: what was refused, and what the calls let in got.
        const auto& ok = j["ok_latency_ms"];
        std::snprintf(line, sizeof line,
                      "          refused for overload (RESOURCE_EXHAUSTED): %llu = %.1f %% | "
                      "answered OK %.1f /s, latency ms p50 %.3f  p99 %.3f\n",
                      static_cast<unsigned long long>(refused),
                      100.0 * static_cast<double>(refused) /
                          static_cast<double>(j["completed"].get<std::uint64_t>()),
                      j["goodput_per_second"].get<double>(), ok["p50"].get<double>(),
                      ok["p99"].get<double>());
        out << line;
    }
}

}  // namespace

int main(int argc, char** argv) {
    // As in fraud-scorer: no abseil lock-graph bookkeeping on gRPC's mutexes.
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    fraud::CommandLine cli(
        "fraud-loadgen",
        "Sends card transactions to fraud-scorer replicas and reports throughput, outcomes by\n"
        "status code and latency percentiles. Traffic comes from the trainer's simulated card\n"
        "population (the same fraud patterns, on a simulated clock that runs as fast as the\n"
        "requests go, so per-card rates stay those of training, but never past now: once it\n"
        "reaches now the population grows to supply the demand, up to --max-cards, then the\n"
        "per-card rate rises, and a line says so) or from a CSV replayed in a loop.\n"
        "Every request of a card goes to the same replica (consistent hashing). SIGHUP re-reads\n"
        "--targets-file (it is also polled every second); SIGINT stops early and reports.",
        "FRAUD_LOADGEN");
    cli.option("target", "", "scorer addresses, comma-separated (host:port)")
        .option("targets-file", "", "file of scorer addresses, one a line, re-read when it changes")
        .option("mode", "closed",
                "closed (fixed concurrency) or open (fixed rate, no coordinated omission)")
        .option("api", "unary", "unary (Score) or stream (ScoreStream batches; closed loop)")
        .option("rate", "1000", "open loop: requests a second")
        .option("concurrency", "32", "closed loop: calls or streams in flight")
        .option("batch", "100", "stream: transactions a message")
        .option("warmup", "2",
                "seconds of warm-up (fills the scorers' card histories), reported apart")
        .option("duration", "10", "seconds measured")
        .option("requests", "0", "if > 0, measure this many requests instead of --duration")
        .option("deadline-ms", "5000", "deadline of each call")
        .option("wait-for-targets", "0",
                "seconds to wait at start until every target's health is SERVING (a cluster "
                "starting beside the generator); exit 3 if one does not")
        .option("health-check-ms", "100",
                "ask each target's health this often, and send a card's requests only to "
                "replicas that answer SERVING (a draining replica loses its cards to the "
                "others); 0: never ask")
        .option("cards", "100000", "distinct cards in the simulated population")
        .option("fraud-rate", "0.01", "share of fraudulent transactions")
        .option("txns-per-card-per-day", "2", "per-card rate of the simulated population")
        .option("seed", "42", "random seed of the population")
        .option("sim-start-days-ago", "6",
                "the simulated clock starts this many days ago (keep it inside the scorer's "
                "--max-event-age)")
        .option("history-hours", "0",
                "first send the population's last this many hours (up to now) with "
                "RECORD_HISTORY_ONLY, as fast as the scorers take them, to warm their card "
                "histories; the simulated clock then starts that long ago")
        .option("max-cards", "200000",
                "the population grows up to this many cards (or --cards, if more) once the "
                "simulated clock reaches now; past it the per-card rate rises instead")
        .option("now", "",
                "the event clock reads this RFC 3339 time at start (default: the wall clock; "
                "for tests at chosen hours)")
        .option("control-file", "",
                "JSON file of drift knobs (amount_scale, category_shift, country_shift), applied "
                "from the moment it changes (polled every second)")
        .flag("real-time",
              "open loop: once the simulated clock reaches now, send only what the population "
              "transacts (slots with nothing due are skipped) rather than raise the per-card "
              "rate to keep --rate")
        .flag("flat-day", "cards transact evenly around the clock (default: more by day)")
        .option("card-prefix", "card",
                "card ids are PREFIX-N: a new prefix is a new population (a restarted demo must "
                "not replay its cards' history twice)")
        .option("status-file", "",
                "write the phase, warm-up progress and population here (JSON) every second")
        .option("amount-scale", "1", "drift: multiply amounts by this")
        .option("category-shift", "0", "drift: share of transactions moved to high-risk categories")
        .option("country-shift", "0", "drift: share of transactions reported abroad")
        .option("drift-after", "0", "drift starts this many seconds into the measured phase")
        .option("replay", "",
                "replay this CSV of named numeric features instead (vector-schema models)")
        .option("replay-drop", "Class,Time", "CSV columns that are not features")
        .option("spread", "card",
                "how requests find a replica: card (each card on one replica, by consistent "
                "hashing) or random (as a plain load balancer; for replicas sharing card "
                "history in Redis)")
        .flag("explain", "ask for explanations")
        .flag("json", "print the report as JSON")
        .flag("quiet", "no progress lines");
    if (!cli.parse(argc, argv, 1, std::cout, std::cerr))
        return cli.exitCode();

    try {
        fraud::LoadPlan plan;
        const std::string mode = cli.get("mode"), api = cli.get("api");
        if (mode != "open" && mode != "closed")
            throw std::invalid_argument("--mode takes open or closed");
        if (api != "unary" && api != "stream")
            throw std::invalid_argument("--api takes unary or stream");
        plan.loop = mode == "open" ? fraud::LoadPlan::Loop::Open : fraud::LoadPlan::Loop::Closed;
        plan.api = api == "stream" ? fraud::LoadPlan::Api::Stream : fraud::LoadPlan::Api::Unary;
        if (plan.api == fraud::LoadPlan::Api::Stream && plan.loop == fraud::LoadPlan::Loop::Open) {
            throw std::invalid_argument("--api stream runs a closed loop: drop --mode open");
        }
        plan.rate = cli.number("rate", 0.1, 10'000'000);
        plan.concurrency = static_cast<int>(cli.integer("concurrency", 1, 100'000));
        plan.batch = static_cast<int>(cli.integer("batch", 1, 100'000));
        plan.warmup =
            std::chrono::milliseconds(static_cast<long>(cli.number("warmup", 0, 86400) * 1000));
        plan.duration = std::chrono::milliseconds(
            static_cast<long>(cli.number("duration", 0.1, 86400 * 7) * 1000));
        plan.requests = static_cast<std::uint64_t>(cli.integer("requests", 0, 1'000'000'000'000));
        plan.deadline = std::chrono::milliseconds(cli.integer("deadline-ms", 1, 3'600'000));
        plan.explain = cli.enabled("explain");
        if (cli.get("spread") == "random")
            plan.spread = fraud::LoadPlan::Spread::Random;
        else if (cli.get("spread") != "card")
            throw std::runtime_error("--spread is card or random, not " + cli.get("spread"));

        std::vector<std::string> targets = splitList(cli.get("target"));
        const std::string targetsFile = cli.get("targets-file");
        std::filesystem::file_time_type targetsStamp{};
        if (!targetsFile.empty()) {
            targets = readTargetsFile(targetsFile);
            targetsStamp = std::filesystem::last_write_time(targetsFile);
        }
        if (targets.empty())
            throw std::invalid_argument("no target: give --target or --targets-file");
        const auto targetsWait = std::chrono::seconds(cli.integer("wait-for-targets", 0, 86'400));
        if (targetsWait.count() > 0 && !waitForTargets(targets, targetsWait, signals))
            return 3;

        const auto clock = fraud::EventClock::fromFlag(cli.get("now"));
        std::unique_ptr<fraud::TrafficSource> source;
        if (!cli.get("replay").empty()) {
            source =
                fraud::TrafficSource::replay(cli.get("replay"), splitList(cli.get("replay-drop")));
        } else {
            fraud::GeneratorConfig g;
            g.seed = static_cast<std::uint64_t>(cli.integer("seed"));
            g.cards = static_cast<std::size_t>(cli.integer("cards", 1, 100'000'000));
            g.fraudRate = cli.number("fraud-rate", 0, 0.5);
            g.cardPrefix = cli.get("card-prefix");
            g.diurnal = !cli.enabled("flat-day");
            g.txnsPerCardPerDay = cli.number("txns-per-card-per-day", 0.01, 10'000);
            const fraud::EpochMillis now = clock.now();
            const double historyHours = cli.number("history-hours", 0, 24 * 30);
            fraud::PacingConfig pacing;
            pacing.maxCards = static_cast<std::size_t>(cli.integer("max-cards", 1, 100'000'000));
            if (plan.loop == fraud::LoadPlan::Loop::Open && plan.api == fraud::LoadPlan::Api::Unary)
                pacing.targetRate = plan.rate;
            pacing.realTime = cli.enabled("real-time");
            if (historyHours > 0) {
                g.start = now - static_cast<fraud::EpochMillis>(historyHours * 3'600'000);
                pacing.historyUntil = now;
            } else {
                g.start = now - static_cast<fraud::EpochMillis>(
                                    cli.number("sim-start-days-ago", 0, 3650) * 86'400'000);
            }
            pacing.maxCards = std::max(pacing.maxCards, g.cards);  // a cap on growth only
            source = fraud::TrafficSource::synthetic(g, pacing, clock);
        }
        fraud::DriftKnobs drift;
        drift.amountScale = cli.number("amount-scale", 0.001, 1000);
        drift.categoryShift = cli.number("category-shift", 0, 1);
        drift.countryShift = cli.number("country-shift", 0, 1);
        const auto driftAfter = std::chrono::milliseconds(
            static_cast<long>(cli.number("drift-after", 0, 86400) * 1000));
        bool driftApplied = !drift.any();

        fraud::LoadRunner runner(plan, *source, targets);
        if (const auto every = cli.number("health-check-ms", 0, 60'000); every > 0)
            runner.watchHealth(std::chrono::milliseconds(static_cast<long>(every)));
        const double cpuBefore = cpuSeconds();
        auto started = Clock::now();
        // Warm-up history first (--history-hours), on its own thread while this one watches.
        std::atomic<bool> historyDone{!source->warmingUp()};
        std::thread historyThread;
        if (!historyDone) {
            historyThread = std::thread([&] {
                runner.sendHistory(2, 500);
                historyDone = true;
            });
        } else {
            runner.start();
        }
        bool loadStarted = historyDone;
        bool interrupted = false;
        std::uint64_t lastSent = 0;
        const std::string statusFile = cli.get("status-file");
        const std::string controlFile = cli.get("control-file");
        std::filesystem::file_time_type controlStamp{};
        while (!loadStarted || !runner.sendingDone()) {
            timespec tick{1, 0};
            const int sig = sigtimedwait(&signals, nullptr, &tick);
            if (sig == SIGINT || sig == SIGTERM) {
                interrupted = true;
                runner.requestStop();
            }
            if (!loadStarted && historyDone) {
                historyThread.join();
                started = Clock::now();
                runner.start();
                loadStarted = true;
            }
            bool reload = sig == SIGHUP;
            if (!targetsFile.empty() && std::filesystem::exists(targetsFile) &&
                std::filesystem::last_write_time(targetsFile) != targetsStamp) {
                targetsStamp = std::filesystem::last_write_time(targetsFile);
                reload = true;
            }
            if (reload && !targetsFile.empty()) {
                const auto next = readTargetsFile(targetsFile);
                if (!next.empty())
                    runner.updateTargets(next);
                if (!cli.enabled("quiet")) {
                    std::cerr << "targets: " << next.size() << " from " << targetsFile << "\n";
                }
            }
            if (!controlFile.empty() && std::filesystem::exists(controlFile) &&
                std::filesystem::last_write_time(controlFile) != controlStamp) {
                controlStamp = std::filesystem::last_write_time(controlFile);
                try {
                    const auto knobs = readDriftKnobs(controlFile);
                    source->setDrift(knobs);
                    std::cerr << "fraud-loadgen: drift from now on: amounts x" << knobs.amountScale
                              << ", category shift " << knobs.categoryShift << ", country shift "
                              << knobs.countryShift << "\n";
                } catch (const std::exception& e) {
                    std::cerr << "fraud-loadgen: " << controlFile << ": " << e.what()
                              << " (ignored)\n";
                }
            }
            for (const auto& note : source->takeNotes())
                std::cerr << "fraud-loadgen: " << note << "\n";
            const auto elapsed = Clock::now() - started;
            if (loadStarted && !driftApplied && elapsed >= plan.warmup + driftAfter) {
                source->setDrift(drift);
                driftApplied = true;
            }
            const auto sent = runner.sent();
            if (!statusFile.empty()) {
                // Live requests answered, and those that failed (any code but OK): a release
                // test reads them to prove that stable never stopped serving.
                std::uint64_t completed = 0, failed = 0;
                for (auto* stats : {&runner.warmupStats(), &runner.measuredStats()}) {
                    const auto snap = stats->snapshot();
                    completed += snap.completed;
                    for (std::size_t c = 1; c < snap.codes.size(); ++c)
                        failed += snap.codes[c];
                }
                const nlohmann::json status{
                    {"completed", completed},
                    {"failed", failed},
                    {"phase", loadStarted ? "load" : "history"},
                    {"history_progress", loadStarted ? 1.0 : source->warmupProgress()},
                    {"sent", sent},
                    {"sent_per_second", static_cast<double>(sent - lastSent)},
                    {"rate", plan.loop == fraud::LoadPlan::Loop::Open ? plan.rate : 0.0},
                    {"cards", source->cards()},
                    {"txns_per_card_per_day", source->txnsPerCardPerDay()}};
                fraud::writeFileAtomically(statusFile, status.dump() + "\n");
            }
            if (!cli.enabled("quiet")) {
                char line[200];
                if (!loadStarted) {
                    std::snprintf(line, sizeof line,
                                  "[%6.1fs] history  sent %10llu  %8.0f/s  %5.1f %% of the "
                                  "warm-up\n",
                                  std::chrono::duration<double>(elapsed).count(),
                                  static_cast<unsigned long long>(sent),
                                  static_cast<double>(sent - lastSent),
                                  100 * source->warmupProgress());
                } else {
                    const bool warm = runner.inWarmup();
                    auto interval =
                        (warm ? runner.warmupStats() : runner.measuredStats()).takeInterval();
                    std::uint64_t errors = interval.completed - interval.codes[0];
                    std::snprintf(line, sizeof line,
                                  "[%6.1fs] %-8s sent %10llu  %8.0f/s  p99 %8.3f ms  errors %llu  "
                                  "in flight %llu\n",
                                  std::chrono::duration<double>(elapsed).count(),
                                  warm ? "warm-up" : "measure",
                                  static_cast<unsigned long long>(sent),
                                  static_cast<double>(sent - lastSent),
                                  static_cast<double>(interval.latency.percentile(0.99)) / 1e6,
                                  static_cast<unsigned long long>(errors),
                                  static_cast<unsigned long long>(runner.inFlight()));
                }
                std::cerr << line;
            }
            lastSent = sent;
        }
        const bool drained = runner.waitForDrain(plan.deadline + std::chrono::seconds(5));
        const double wall = std::chrono::duration<double>(Clock::now() - started).count();
        const double cpu = cpuSeconds() - cpuBefore;
        const fraud::EpochMillis simStart = source->firstEventTime();
        const fraud::EpochMillis simEnd = source->eventTime();

        nlohmann::json report{
            {"mode", mode},
            {"api", api},
            {"targets", runner.targets()},
            {"sent", runner.sent()},
            {"drained", drained},
            {"interrupted", interrupted},
            {"warmup", runner.warmupStats().snapshot().toJson()},
            {"measured", runner.measuredStats().snapshot().toJson()},
            {"history", runner.historyStats().snapshot().toJson()},
            {"skipped_slots", runner.skipped()},
            {"targets_left", runner.targetsLeft()},
            {"targets_returned", runner.targetsReturned()},
            {"cards", source->cards()},
            {"txns_per_card_per_day", source->txnsPerCardPerDay()},
            {"loadgen_cpu_seconds", cpu},
            {"loadgen_cpu_cores", wall > 0 ? cpu / wall : 0},
            {"simulated_seconds", static_cast<double>(simEnd - simStart) / 1000},
            {"latest_event_time", simEnd > 0 ? fraud::formatRfc3339(simEnd) : ""},
            {"event_clock_at_end", fraud::formatRfc3339(clock.now())},
            {"time_compression", wall > 0 && simEnd > simStart
                                     ? static_cast<double>(simEnd - simStart) / 1000 / wall
                                     : 0}};
        if (plan.loop == fraud::LoadPlan::Loop::Open)
            report["rate"] = plan.rate;
        else
            report["concurrency"] = plan.concurrency;
        if (cli.enabled("json")) {
            std::cout << report.dump(2) << std::endl;
        } else {
            std::cout << "fraud-loadgen: " << mode << " loop, " << api << ", "
                      << runner.targets().size() << " target(s), "
                      << (plan.loop == fraud::LoadPlan::Loop::Open
                              ? std::to_string(static_cast<long>(plan.rate)) + " requests/s"
                              : std::to_string(plan.concurrency) + " in flight")
                      << "\n";
            printPhase(std::cout, "warm-up", report["warmup"]);
            printPhase(std::cout, "measured", report["measured"]);
            if (runner.historyStats().snapshot().completed > 0)
                printPhase(std::cout, "history", report["history"]);
            char line[200];
            std::snprintf(line, sizeof line,
                          "loadgen   %.2f CPU cores; simulated clock ran %.0fx the wall clock%s\n",
                          report["loadgen_cpu_cores"].get<double>(),
                          report["time_compression"].get<double>(),
                          drained ? "" : "; NOT drained: calls still in flight");
            std::cout << line;
            std::cout << "population " << source->cards() << " cards at "
                      << source->txnsPerCardPerDay() << " transactions a day each";
            if (runner.skipped() > 0)
                std::cout << "; " << runner.skipped() << " open-loop slots had nothing due";
            std::cout << "\n";
        }
        return drained ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "fraud-loadgen: " << e.what() << "\n";
        return 2;
    }
}
