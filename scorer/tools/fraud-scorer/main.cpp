// fraud-scorer: one replica of the scoring service.
#include <absl/synchronization/mutex.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/CommandLine.h"
#include "common/FileIo.h"
#include "common/Time.h"
#include "grpc/HealthProbe.h"
#include "grpc/ScorerServer.h"

namespace {

void log(const std::string& message) {
    std::cerr << fraud::formatRfc3339(fraud::wallClockMillis()) << " fraud-scorer[" << ::getpid()
              << "] " << message << std::endl;
}

// Waits for SIGTERM or SIGINT, at most `timeout` (forever if negative); true if one came.
bool waitForStopSignal(const sigset_t& signals, std::chrono::milliseconds timeout) {
    for (;;) {
        int rc;
        if (timeout.count() < 0) {
            int sig = 0;
            rc = sigwait(&signals, &sig) == 0 ? sig : -1;
        } else {
            timespec ts{static_cast<time_t>(timeout.count() / 1000),
                        static_cast<long>(timeout.count() % 1000) * 1'000'000};
            rc = sigtimedwait(&signals, nullptr, &ts);
            if (rc < 0 && errno == EAGAIN)
                return false;
        }
        if (rc > 0)
            return true;
        if (errno != EINTR)
            return false;
    }
}

// `fraud-scorer probe`: asks a replica's health service, for a container HEALTHCHECK or a
// watchdog. The flags share the server's environment (FRAUD_SCORER_LISTEN), so in an image
// configured by environment the bare command asks the replica of that image.
int runProbe(int argc, char** argv) {
    fraud::CommandLine cli("fraud-scorer probe",
                           "Asks a replica's grpc.health.v1 service whether it serves. Exit 0:\n"
                           "SERVING; 1: NOT_SERVING (starting or draining) or unreachable.",
                           "FRAUD_SCORER");
    cli.option("listen", "127.0.0.1:50051",
               "the replica's gRPC address (a wildcard host means this host)")
        .option("probe-timeout-ms", "2000", "how long to wait for the answer")
        .option("probe-tls-ca", "", "PEM CA bundle: the replica serves TLS, verified with it")
        .option("probe-tls-server-name", "", "the name the replica's certificate must carry");
    if (!cli.parse(argc, argv, 2, std::cout, std::cerr))
        return cli.exitCode();
    fraud::HealthProbeRequest request;
    try {
        request.address = cli.get("listen");
        request.timeout = std::chrono::milliseconds(cli.integer("probe-timeout-ms", 1, 600'000));
        if (!cli.get("probe-tls-ca").empty())
            request.tlsRootsPem = fraud::readFile(cli.get("probe-tls-ca"));
        request.tlsServerName = cli.get("probe-tls-server-name");
    } catch (const std::exception& e) {
        std::cerr << "fraud-scorer probe: " << e.what() << "\n";
        return 2;
    }
    const auto answer = fraud::probeHealth(request);
    switch (answer.status) {
        case fraud::HealthProbeAnswer::Status::Serving:
            std::cout << "SERVING\n";
            return 0;
        case fraud::HealthProbeAnswer::Status::NotServing:
            std::cout << "NOT_SERVING\n";
            return 1;
        case fraud::HealthProbeAnswer::Status::Unreachable:
            break;
    }
    std::cout << "unreachable: " << answer.detail << "\n";
    return 1;
}

// Waits until the registry has a rollout (rollout.json, written once a version is stable), so a
// replica started beside the job that seeds its registry does not fail first: compose engines
// that ignore depends_on conditions start both at once.
// The CPUs this process may run on (taskset, a container's cpuset), which
// hardware_concurrency does not see.
int availableCpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return std::max(1, CPU_COUNT(&set));
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

bool waitForRegistry(const std::filesystem::path& rollout, std::chrono::seconds timeout,
                     const sigset_t& stopSignals) {
    if (timeout.count() <= 0 || std::filesystem::exists(rollout))
        return true;
    log("waiting up to " + std::to_string(timeout.count()) + " s for " + rollout.string());
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!std::filesystem::exists(rollout)) {
        if (std::chrono::steady_clock::now() >= until) {
            log("no " + rollout.string() + " after " + std::to_string(timeout.count()) + " s");
            return false;
        }
        if (waitForStopSignal(stopSignals, std::chrono::milliseconds(200)))
            return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "probe") == 0)
        return runProbe(argc, argv);

    // Block the stop signals before any thread starts, so every thread inherits the mask and
    // only the main thread receives them, through sigwait.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    // Debian builds abseil with mutex deadlock detection on; gRPC's mutexes then feed a
    // lock graph on every acquisition (3-5 % of the scorer's CPU under load, measured with
    // perf). Nothing of ours uses absl::Mutex; the check belongs in debug builds.
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

    fraud::CommandLine cli(
        "fraud-scorer",
        "Scores card transactions over gRPC with the registry's stable model and its canary,\n"
        "explains each score, follows the registry's rollout, serves the Control API, and\n"
        "exports Prometheus metrics. Port 0 picks a free port; the ports in use are printed\n"
        "as a JSON line on standard output (and written to --ready-file) once serving.\n"
        "`fraud-scorer probe` asks a running replica's health instead (see probe --help).",
        "FRAUD_SCORER");
    cli.option("registry", "", "model registry directory", true)
        .option("listen", "127.0.0.1:50051", "gRPC address to listen on (host:port)")
        .option("metrics-listen", "127.0.0.1:9464", "Prometheus /metrics address (host:port)")
        .option("ready-file", "", "write the ready line here too, atomically")
        .option("replica-name", "",
                "this replica's name in status and live decisions "
                "(default: host:port)")
        .option("registry-poll-ms", "200", "how often to check the registry's rollout.json")
        .option("drift-window", "300", "seconds of the sliding window of the PSI gauges")
        .option("tokens-file", "",
                "JSON file of hashed bearer tokens with identities and roles (viewer, admin); "
                "without it Control changes are refused")
        .flag("require-token-for-scoring", "scoring calls need a viewer token too")
        .option("tls-cert", "", "PEM certificate chain: serve gRPC over TLS (with --tls-key)")
        .option("tls-key", "", "PEM private key of --tls-cert")
        .option("tls-client-ca", "", "PEM CA bundle: require and verify client certificates")
        .flag("insecure",
              "allow --listen beyond loopback without TLS (a private network only); without "
              "it such an address is refused")
        .option("change-rate-limit", "30",
                "control changes each identity may make a minute (0: no limit); lease renewals "
                "and a runner's progress under its lease do not count")
        .option("change-burst", "30", "control changes an identity may make at once")
        .option("watch-rate", "20",
                "live decisions a second per WatchDecisions stream that names no rate")
        .option("max-event-age", "604800",
                "seconds an event may lie before the scorer's clock (older: INVALID_ARGUMENT)")
        .option("max-future-skew", "300", "seconds an event may lie after the scorer's clock")
        .option("now", "",
                "the scorer's clock reads this RFC 3339 time at start and runs on from there "
                "(default: the wall clock; for tests at chosen hours)")
        .option("max-amount", "1000000", "largest valid amount")
        .option("max-id-length", "128", "longest valid id, in bytes")
        .option("max-batch", "10000", "most transactions in one ScoreStream message")
        .option("max-concurrent-requests", "",
                "Score and Explain calls worked on at once, the rest queued (default: the CPUs "
                "this process may run on); 0: no admission control, calls are scored on gRPC's "
                "threads as they arrive and an overload queues them without bound")
        .option("max-queue-wait-ms", "20",
                "a call the calls queued ahead would keep waiting longer than this is refused "
                "at once with RESOURCE_EXHAUSTED (0: no time bound)")
        .option("max-queued-requests", "1000",
                "calls waiting for a worker, at most; more are refused at once")
        .option("worker-niceness", "0",
                "run the scoring workers this much nicer than gRPC's threads, so that taking "
                "in and refusing calls goes first on a saturated CPU; for a host the scorer "
                "has to itself (other processes would go first too)")
        .option("card-capacity", "1000000", "most cards whose history is kept")
        .option("card-idle-ttl", "604800",
                "seconds after which an idle card is forgotten (in Redis: its key's TTL)")
        .option("card-snapshot", "",
                "keep in-process card history across restarts in this file: written on "
                "SIGTERM after the drain, read at start")
        .option("redis", "",
                "keep card history in Redis, shared by replicas: unix:/path/to/socket, "
                "redis://host:port or host:port (default: in this process)")
        .option("redis-password", "",
                "Redis AUTH password; set it in the environment, not on the command line")
        .option("redis-key-prefix", "fraudops:", "prefix of the cards' keys in Redis")
        .option("redis-timeout-ms", "100", "connect and round-trip timeout of Redis calls")
        .flag("redis-fail-closed",
              "when Redis does not answer, fail scoring calls (UNAVAILABLE) instead of scoring "
              "without card history")
        .option("drain-seconds", "5",
                "on SIGTERM, seconds to keep serving with health NOT_SERVING before stopping")
        .option("shutdown-grace-seconds", "10",
                "then, seconds in-flight calls get to finish before they are cancelled")
        .option("wait-for-registry", "0",
                "seconds to wait at start for the registry's rollout.json (a job seeding it)");
    if (!cli.parse(argc, argv, 1, std::cout, std::cerr))
        return cli.exitCode();

    fraud::ScorerConfig config;
    std::chrono::milliseconds drain{}, grace{};
    std::chrono::seconds registryWait{};
    try {
        config.registry = cli.get("registry");
        config.listen = cli.get("listen");
        config.metricsListen = cli.get("metrics-listen");
        constexpr std::int64_t kTenYears = 10LL * 365 * 86400;
        config.limits.maxEventAge =
            std::chrono::seconds(cli.integer("max-event-age", 0, kTenYears));
        config.limits.maxFutureSkew =
            std::chrono::seconds(cli.integer("max-future-skew", 0, kTenYears));
        config.clock = fraud::EventClock::fromFlag(cli.get("now"));
        config.limits.maxAmount = cli.number("max-amount", 0, 1e15);
        config.limits.maxIdLength =
            static_cast<std::size_t>(cli.integer("max-id-length", 1, 1 << 20));
        config.serviceLimits.maxBatch = static_cast<int>(cli.integer("max-batch", 1, 1'000'000));
        config.serviceLimits.requireToken = cli.enabled("require-token-for-scoring");
        config.serviceLimits.watchRate = cli.number("watch-rate", 0.01, 10'000);
        config.admission.workers =
            cli.get("max-concurrent-requests").empty()
                ? availableCpus()
                : static_cast<int>(cli.integer("max-concurrent-requests", 0, 4096));
        config.admission.maxWait = std::chrono::microseconds(
            std::llround(cli.number("max-queue-wait-ms", 0, 600'000) * 1000));
        config.admission.maxQueued =
            static_cast<std::size_t>(cli.integer("max-queued-requests", 1, 10'000'000));
        config.admission.workerNiceness = static_cast<int>(cli.integer("worker-niceness", 0, 19));
        config.replica = cli.get("replica-name");
        config.registryPoll =
            std::chrono::milliseconds(cli.integer("registry-poll-ms", 10, 600'000));
        config.driftWindow = std::chrono::seconds(cli.integer("drift-window", 10, 86'400));
        if (!cli.get("tokens-file").empty())
            config.tokensFile = cli.get("tokens-file");
        if (config.serviceLimits.requireToken && !config.tokensFile)
            throw std::runtime_error("--require-token-for-scoring needs --tokens-file");
        config.tlsCert = cli.get("tls-cert");
        config.tlsKey = cli.get("tls-key");
        config.tlsClientCa = cli.get("tls-client-ca");
        if (config.tlsCert.empty() != config.tlsKey.empty())
            throw std::runtime_error("--tls-cert and --tls-key go together");
        if (!config.tlsClientCa.empty() && config.tlsCert.empty())
            throw std::runtime_error("--tls-client-ca needs --tls-cert and --tls-key");
        config.insecure = cli.enabled("insecure");
        config.changeLimit.perMinute = cli.number("change-rate-limit", 0, 1e6);
        config.changeLimit.burst = cli.number("change-burst", 1, 1e6);
        config.cards.maxCards =
            static_cast<std::size_t>(cli.integer("card-capacity", 1, 1'000'000'000));
        config.cards.idleTtl = std::chrono::seconds(cli.integer("card-idle-ttl", 1, kTenYears));
        config.cardSnapshot = cli.get("card-snapshot");
        config.redis.address = cli.get("redis");
        config.redis.password = cli.get("redis-password");
        config.redis.keyPrefix = cli.get("redis-key-prefix");
        config.redis.timeout =
            std::chrono::milliseconds(cli.integer("redis-timeout-ms", 1, 60'000));
        config.redis.failClosed = cli.enabled("redis-fail-closed");
        config.redis.ttl = config.cards.idleTtl;
        if (!config.redis.address.empty() && !config.cardSnapshot.empty())
            throw std::runtime_error("--card-snapshot is for in-process card history, not --redis");
        config.log = [](const std::string& message) { log(message); };
        drain = std::chrono::milliseconds(
            static_cast<long>(cli.number("drain-seconds", 0, 3600) * 1000));
        grace = std::chrono::milliseconds(
            static_cast<long>(cli.number("shutdown-grace-seconds", 0, 3600) * 1000));
        registryWait = std::chrono::seconds(cli.integer("wait-for-registry", 0, 86'400));
    } catch (const std::exception& e) {
        std::cerr << "fraud-scorer: " << e.what() << "\n";
        return 2;
    }

    if (!waitForRegistry(std::filesystem::path(config.registry) / "rollout.json", registryWait,
                         stopSignals))
        return 1;

    std::unique_ptr<fraud::ScorerServer> owned;
    try {
        owned = std::make_unique<fraud::ScorerServer>(config);
        owned->start();
    } catch (const std::exception& e) {
        log(std::string("cannot start: ") + e.what());
        return 1;
    }

    fraud::ScorerServer& server = *owned;
    const auto serving = server.serving();
    const auto& model = *serving->stable.model;
    const nlohmann::json ready{
        {"event", "ready"},
        {"pid", ::getpid()},
        {"grpc_port", server.grpcPort()},
        {"metrics_port", server.metricsPort()},
        {"replica", server.replica()},
        {"model_version", model.version()},
        {"canary_version", serving->canary ? serving->canary->model->version() : ""},
        {"schema", model.manifest().schema.id()},
        {"generation", serving->rollout.generation},
        {"tls", !config.tlsCert.empty()}};
    std::cout << ready.dump() << std::endl;
    if (!cli.get("ready-file").empty()) {
        fraud::writeFileAtomically(cli.get("ready-file"), ready.dump() + "\n");
    }
    log("serving model " + model.version() + " on gRPC port " + std::to_string(server.grpcPort()) +
        ", metrics on port " + std::to_string(server.metricsPort()));

    waitForStopSignal(stopSignals, std::chrono::milliseconds(-1));
    log("stop signal: health NOT_SERVING, draining for " + std::to_string(drain.count()) + " ms");
    server.beginDrain();
    if (waitForStopSignal(stopSignals, drain))
        log("second stop signal: ending the drain early");
    log("stopping: in-flight calls get " + std::to_string(grace.count()) + " ms");
    server.shutdown(grace);
    log("stopped");
    return 0;
}
