#include "RolloutCommands.h"

#include <atomic>
#include <cmath>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ConnectionFlags.h"
#include "common/CommandLine.h"
#include "common/FileIo.h"
#include "control/RolloutWords.h"
#include "rollout/RolloutRunner.h"

namespace fraudops {
namespace {

using namespace rollout;

std::atomic<bool> gStop{false};

void onSignal(int) {
    gStop = true;
}

ReleaseTarget targetFrom(const fraud::CommandLine& cli) {
    ReleaseTarget t;
    t.control = endpointFrom(cli);
    t.prometheus.baseUrl = QString::fromStdString(prometheusFrom(cli));
    t.prometheus.timeout = std::chrono::milliseconds(10'000);
    t.job = QString::fromStdString(jobFrom(cli));
    return t;
}

void printResults(const std::vector<GateResult>& results) {
    for (const auto& r : results) {
        std::cout << "  " << std::left << std::setw(20) << r.name << std::setw(16)
                  << gates::verdictName(r.verdict) << r.summary.substr(r.summary.find(';') + 2);
        if (r.verdict == gates::GateVerdict::NotEnoughData && r.secondsToDecision)
            std::cout << "; about " << static_cast<long>(*r.secondsToDecision)
                      << " s to a decision at this rate";
        std::cout << "\n";
    }
}

int printStatus(ControlClient& client, bool asJson) {
    const auto view = readRun(client);
    if (!view.ok()) {
        std::cerr << "fraudctl: " << view.error << "\n";
        return 1;
    }
    if (asJson) {
        nlohmann::json j = {{"revision", view.record.revision()},
                            {"plan", nlohmann::json::parse(view.record.plan_json())},
                            {"progress", nlohmann::json::parse(view.record.progress_json())},
                            {"lease_holder", view.record.lease().holder()}};
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    if (!view.progress) {
        std::cout << "no rollout has been started\n";
        return 0;
    }
    const auto& p = *view.progress;
    const auto& r = view.record.rollout();
    std::cout << p.candidate << ": " << stateName(p.state) << " at step "
              << stepName(*view.plan, p.step) << " (plan " << view.plan->name << ")\n"
              << "rollout: generation " << r.generation() << ", stable " << r.stable_version()
              << (r.canary_version().empty()
                      ? std::string()
                      : ", canary " + r.canary_version() + " at " +
                            std::to_string(r.canary_weight_bp() / 100.0).substr(0, 5) + " %")
              << "\n";
    if (!view.record.lease().holder().empty()) {
        std::cout << "runner: " << view.record.lease().holder()
                  << (view.record.lease().expired()
                          ? " (lease expired)"
                          : " (lease for another " +
                                std::to_string(view.record.lease().remaining_ms() / 1000) + " s)")
                  << "\n";
    } else {
        std::cout << "runner: none\n";
    }
    if (!p.reason.empty())
        std::cout << "why: " << p.reason << "\n";
    for (const auto& g : p.results)
        std::cout << "  " << g.value("summary", "") << "\n";
    const std::size_t from = p.events.size() > 10 ? p.events.size() - 10 : 0;
    for (std::size_t i = from; i < p.events.size(); ++i)
        std::cout << p.events[i].when << "  " << p.events[i].who << "  " << p.events[i].what
                  << "\n";
    return 0;
}

}  // namespace

int rolloutCommand(int argc, char** argv) {
    const std::string sub = argc > 2 ? argv[2] : "";
    static const std::vector<std::string> kSubs{"start",  "status", "approve", "pause",
                                                "resume", "abort",  "promote", "run"};
    if (std::find(kSubs.begin(), kSubs.end(), sub) == kSubs.end()) {
        std::cerr << (sub.empty() ? "fraudctl rollout: no subcommand given\n"
                                  : "fraudctl rollout: unknown subcommand '" + sub + "'\n")
                  << "usage: fraudctl rollout start|status|approve|pause|resume|abort|promote|run "
                     "[flags]; fraudctl rollout SUBCOMMAND --help\n";
        return 2;
    }
    fraud::CommandLine cli(
        "fraudctl rollout " + sub,
        sub == "run"      ? "Drives the current rollout (or, with --plan and --version, a new "
                            "one) headless until it ends: exit 0 promoted, 1 aborted, 2 paused "
                            "or waiting for approval (with --exit-when-blocked), 3 cannot run."
        : sub == "status" ? "The rollout's plan step, state, gates, runner and recent events."
                          : "A release action on the rollout that follows a plan. Needs an "
                            "admin token and a reason (kept in the audit log).",
        "FRAUDCTL");
    addConnectionFlags(cli, "10000");
    cli.flag("json", "print the reply as JSON");
    if (sub == "start" || sub == "run") {
        cli.option("plan", "", "the plan file (JSON or YAML); run: only to start a new rollout")
            .option("version", "", "the version to release")
            .option("mode", "plan",
                    "plan (its steps as written), split (skip its shadow steps: the canary "
                    "decides from the first step) or shadow (every step shadow: the canary "
                    "decides no card until a person approves promotion)");
    }
    if (sub != "status")
        cli.option("reason", sub == "run" ? "headless rollout" : "", "why (the audit log keeps it)",
                   sub != "run");
    if (sub == "run") {
        addPrometheusFlags(cli);
        cli.option("interval", "5", "seconds between looks at the gates")
            .option("lease-ttl", "15", "seconds the runner lease lasts without renewal")
            .option("holder", runnerName("fraudctl"), "this runner's name in the lease")
            .flag("exit-when-blocked", "exit (2) when the rollout pauses or waits for approval");
    }
    if (!cli.parse(argc, argv, 3, std::cout, std::cerr))
        return cli.exitCode();
    ControlClient client(endpointFrom(cli));
    if (sub == "status")
        return printStatus(client, cli.enabled("json"));
    RolloutActions actions(client);
    const std::string reason = cli.get("reason");
    ActionResult result;
    if (sub == "start" || (sub == "run" && !cli.get("plan").empty())) {
        if (cli.get("plan").empty() || cli.get("version").empty()) {
            std::cerr << "fraudctl: --plan and --version are required to start a rollout\n";
            return sub == "run" ? 3 : 2;
        }
        std::string error;
        std::string text;
        try {
            text = fraud::readFile(cli.get("plan"));
        } catch (const std::exception& e) {
            std::cerr << "fraudctl: " << e.what() << "\n";
            return sub == "run" ? 3 : 1;
        }
        const auto mode = parseStartMode(cli.get("mode"));
        if (!mode) {
            std::cerr << "fraudctl: --mode takes plan, split or shadow\n";
            return sub == "run" ? 3 : 2;
        }
        auto plan = parseRolloutPlan(text, &error);
        if (plan)
            plan = planInMode(*plan, *mode, &error);
        if (!plan) {
            std::cerr << "fraudctl: " << cli.get("plan") << ": " << error << "\n";
            return sub == "run" ? 3 : 1;
        }
        result = actions.start(*plan, cli.get("version"), reason);
        if (sub == "start" || !result.ok) {
            (result.ok ? std::cout : std::cerr)
                << (result.ok ? "" : "fraudctl: ") << result.message << "\n";
            if (!result.ok)
                return sub == "run" ? 3 : 1;
            return 0;
        }
        std::cout << result.message << "\n";
    }
    if (sub == "run") {
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
        RolloutRunner::Settings settings;
        settings.holder = cli.get("holder");
        settings.interval = std::chrono::milliseconds(
            static_cast<std::int64_t>(cli.number("interval", 0.1, 3600) * 1000));
        settings.leaseTtl = std::chrono::milliseconds(
            static_cast<std::int64_t>(cli.number("lease-ttl", 1, 600) * 1000));
        settings.returnWhenBlocked = cli.enabled("exit-when-blocked");
        RolloutRunner runner(targetFrom(cli), settings);
        std::string lastReason;
        const auto outcome = runner.run(gStop, [&](const RolloutProgress& p) {
            if (p.reason == lastReason)
                return;
            lastReason = p.reason;
            std::cout << p.candidate << " step " << p.step + 1 << " " << stateName(p.state) << ": "
                      << p.reason << std::endl;
        });
        std::cout << "rollout " << outcomeName(outcome.outcome) << ": " << outcome.message << "\n";
        switch (outcome.outcome) {
            case RolloutRunner::Outcome::Promoted:
                return 0;
            case RolloutRunner::Outcome::Aborted:
                return 1;
            case RolloutRunner::Outcome::Paused:
            case RolloutRunner::Outcome::WaitingForApproval:
                return 2;
            default:
                return 3;
        }
    }
    if (sub == "approve")
        result = actions.approve(reason);
    else if (sub == "pause")
        result = actions.pause(reason);
    else if (sub == "resume")
        result = actions.resume(reason);
    else if (sub == "abort")
        result = actions.abort(reason);
    else if (sub == "promote")
        result = actions.promoteNow(reason);
    if (!result.ok) {
        std::cerr << "fraudctl: " << result.message << "\n";
        return 1;
    }
    std::cout << result.message << "\n";
    return 0;
}

int analyzeCommand(int argc, char** argv) {
    fraud::CommandLine cli("fraudctl analyze",
                           "Evaluates the current rollout step's gates on its evidence and the "
                           "counters now, changing nothing (a viewer token is enough). Exit 0: "
                           "every gate passed; 1: a gate failed; 2: not enough data yet; 3: "
                           "cannot evaluate (unreachable cluster, bad token, no rollout).",
                           "FRAUDCTL");
    addConnectionFlags(cli, "10000");
    addPrometheusFlags(cli);
    cli.flag("json", "print the gates as JSON")
        .flag("queries", "print the PromQL each gate's counters are read with");
    if (!cli.parse(argc, argv, 2, std::cout, std::cerr))
        return cli.exitCode() == 0 ? 0 : 3;
    ReleaseTarget target;
    try {
        target = targetFrom(cli);
    } catch (const std::exception& e) {  // a profile that cannot be used
        std::cerr << "fraudctl: cannot evaluate: " << e.what() << "\n";
        return 3;
    }
    const auto analysis = RolloutRunner::analyze(target);
    if (!analysis.error.empty()) {
        std::cerr << "fraudctl: cannot evaluate: " << analysis.error << "\n";
        return 3;
    }
    bool failed = false, waiting = analysis.results.empty();
    for (const auto& r : analysis.results) {
        failed = failed || r.verdict == gates::GateVerdict::Fail;
        waiting = waiting || r.verdict == gates::GateVerdict::NotEnoughData;
    }
    if (cli.enabled("json")) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& r : analysis.results) {
            auto j = gateResultJson(r);
            j["queries"] = analysis.queries.contains(r.name) ? analysis.queries.at(r.name)
                                                             : std::vector<std::string>{};
            out.push_back(std::move(j));
        }
        nlohmann::json latency = nlohmann::json::array();
        for (const auto& b : analysis.latency) {
            latency.push_back(
                {{"variant", b.variant},
                 {"requests", b.requests},
                 {"p99_seconds", b.p99 ? nlohmann::json(*b.p99) : nullptr},
                 {"band_lower_seconds", b.band.lower},
                 {"band_upper_seconds",
                  std::isfinite(b.band.upper) ? nlohmann::json(b.band.upper) : nullptr}});
        }
        std::cout << nlohmann::json{{"step", analysis.step},
                                    {"gates", out},
                                    {"p99_latency_not_gated", latency}}
                         .dump(2)
                  << "\n";
    } else {
        std::cout << "step " << analysis.step << "\n";
        printResults(analysis.results);
        for (const auto& b : analysis.latency) {
            const auto ms = [](double seconds) {
                std::ostringstream text;
                if (std::isfinite(seconds))
                    text << seconds * 1e3 << " ms";
                else
                    text << "inf";
                return text.str();
            };
            std::cout << "  p99 " << std::left << std::setw(16) << b.variant << "(not gated) "
                      << (b.requests > 0
                              ? "under " + ms(b.p99.value_or(INFINITY)) + ", band [" +
                                    ms(b.band.lower) + ", " + ms(b.band.upper) + "] from " +
                                    std::to_string(static_cast<long>(b.requests)) + " requests"
                              : std::string("no requests yet"))
                      << "\n";
        }
        if (cli.enabled("queries")) {
            for (const auto& [gate, queries] : analysis.queries) {
                std::cout << gate << " reads (raw counters per replica):\n";
                for (const auto& q : queries)
                    std::cout << "    " << q << "\n";
            }
        }
    }
    return failed ? 1 : waiting ? 2 : 0;
}

}  // namespace fraudops
