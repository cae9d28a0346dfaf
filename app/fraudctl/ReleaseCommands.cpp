#include "ReleaseCommands.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <map>
#include <string>

#include "ConnectionFlags.h"
#include "DecisionPrinter.h"
#include "common/CommandLine.h"
#include "control/ControlClient.h"
#include "control/RolloutWords.h"
#include "decisions/DecisionStream.h"
#include "prometheus/ScorerQueries.h"

namespace fraudops {
namespace {

constexpr const char* kCommands[] = {"status",   "models", "audit", "canary",  "promote",
                                     "rollback", "abort",  "watch", "metrics", "whoami"};

std::string json(const google::protobuf::Message& m) {
    std::string out;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    (void)google::protobuf::util::MessageToJsonString(m, &out, options);
    return out;
}

std::string when(const google::protobuf::Timestamp& t) {
    return t.seconds() == 0 ? "-" : google::protobuf::util::TimeUtil::ToString(t);
}

template <typename T>
int report(const Outcome<T>& outcome, bool asJson, const auto& print) {
    if (!outcome.ok()) {
        std::cerr << "fraudctl: " << outcome.error->message << " (code "
                  << static_cast<int>(outcome.error->code) << ")\n";
        return 1;
    }
    if (asJson)
        std::cout << json(*outcome.value) << "\n";
    else
        print(*outcome.value);
    return 0;
}

// fraudctl audit --verify: every finding, tampering or not, then the verdict.
int verifyAudit(const Outcome<fraud::v1::AuditLog>& outcome, bool asJson) {
    if (const int failed = report(outcome, asJson, [](const auto&) {}); failed != 0)
        return failed;
    const auto& v = outcome.value->verification();
    if (!asJson) {
        for (const auto& f : v.findings()) {
            std::cout << (f.tampering() ? "TAMPERED " : "note     ") << f.kind();
            if (f.line() > 0)
                std::cout << " at line " << f.line();
            std::cout << ": " << f.detail() << "\n";
        }
        std::cout << "audit.jsonl: " << v.summary() << "\n";
        if (!v.head_sha256().empty())
            std::cout << "head: " << v.head_sha256() << " (keep it elsewhere to detect a rewrite "
                      << "of the whole log)\n";
    }
    return v.intact() ? 0 : 3;
}

// The generation a change expects: given, or the newest this replica has seen.
std::uint64_t expectedGeneration(const fraud::CommandLine& cli, ControlClient& client) {
    if (cli.get("expect") != "current")
        return static_cast<std::uint64_t>(cli.integer("expect", 0, INT64_MAX));
    const auto status = client.status();
    if (!status.ok())
        throw std::runtime_error("cannot read the current generation: " + status.error->message);
    return status.value->generation_seen();
}

// Every replica named by --endpoint (comma-separated), merged; reconnects when one goes away
// and says what was missed. Exits 1 if every replica refuses the token.
int watch(const fraud::CommandLine& cli) {
    const std::vector<ScorerEndpoint> endpoints = endpointsFrom(cli);
    fraud::v1::WatchDecisionsRequest request;
    request.set_min_score(cli.number("min-score", 0, 1));
    request.set_max_per_second(cli.number("rate", 0, 10'000));
    request.set_explain(cli.enabled("explain"));
    const auto& decision = cli.get("decision");
    if (decision == "review" || decision == "flagged")
        request.add_decisions(fraud::v1::DECISION_REVIEW);
    if (decision == "decline" || decision == "flagged")
        request.add_decisions(fraud::v1::DECISION_DECLINE);
    if (decision == "approve")
        request.add_decisions(fraud::v1::DECISION_APPROVE);
    if (cli.get("variant") == "canary")
        request.add_variants(fraud::v1::VARIANT_CANARY);
    if (cli.get("variant") == "stable")
        request.add_variants(fraud::v1::VARIANT_STABLE);
    DecisionStream stream(endpoints, request);
    stream.start();
    const long limit = cli.integer("count", 0, 1'000'000'000);
    long seen = 0;
    quint64 droppedShown = 0;
    std::size_t gapsShown = 0;
    while (limit == 0 || seen < limit) {
        const auto batch = stream.take(static_cast<std::size_t>(limit == 0 ? 256 : limit - seen),
                                       std::chrono::milliseconds(500));
        const auto stats = stream.stats();
        // Said once each, on stderr: what this watcher missed, and the replicas it lost.
        for (; gapsShown < stats.gaps.size(); ++gapsShown) {
            std::cerr << "fraudctl: lost " << stats.gaps[gapsShown].address.toStdString()
                      << "; reconnecting\n";
        }
        const quint64 dropped = stats.droppedByScorer + stats.droppedByQueue;
        if (dropped > droppedShown) {
            std::cout << "(" << dropped - droppedShown
                      << " decisions dropped: reading too slowly)\n";
            droppedShown = dropped;
        }
        const bool allRefused =
            std::all_of(stats.connections.begin(), stats.connections.end(), [](const auto& c) {
                return c.lastError.startsWith("UNAUTHENTICATED") ||
                       c.lastError.startsWith("PERMISSION_DENIED");
            });
        if (batch.empty() && allRefused) {
            std::cerr << "fraudctl: " << stats.connections.front().lastError.toStdString() << "\n";
            return 1;
        }
        for (const auto& d : batch) {
            ++seen;
            if (cli.enabled("json")) {
                std::cout << json(d) << std::endl;
                continue;
            }
            std::cout << d.replica() << " g" << d.generation() << " ";
            printDecision(std::cout, d.transaction(), d.result(), 4);
        }
        std::cout.flush();
    }
    return 0;
}

int metrics(const fraud::CommandLine& cli) {
    PrometheusEndpoint prometheus;
    prometheus.baseUrl = QString::fromStdString(prometheusFrom(cli));
    prometheus.timeout = std::chrono::milliseconds(cli.integer("deadline-ms", 1, 3'600'000));
    const auto f = readScorerFigures(prometheus, QString::fromStdString(jobFrom(cli)),
                                     std::chrono::seconds(cli.integer("window", 1, 86'400)));
    if (!f.error.isEmpty()) {
        std::cerr << "fraudctl: " << f.error.toStdString() << "\n";
        return 1;
    }
    const auto show = [](const char* name, const std::optional<double>& v, const char* unit) {
        std::cout << std::left << std::setw(16) << name;
        if (v)
            std::cout << std::fixed << std::setprecision(2) << *v << unit << "\n";
        else
            std::cout << "no data\n";
    };
    if (cli.enabled("json")) {
        const auto j = [](const std::optional<double>& v) {
            return v ? std::to_string(*v) : std::string("null");
        };
        std::cout << "{\"scores_per_second\": " << j(f.scoresPerSecond)
                  << ", \"p99_ms\": " << j(f.p99Ms) << ", \"error_percent\": " << j(f.errorPercent)
                  << ", \"decline_percent\": " << j(f.declinePercent)
                  << ", \"replicas_up\": " << j(f.replicasUp) << "}\n";
        return 0;
    }
    show("scores/s", f.scoresPerSecond, "");
    show("p99 (Score)", f.p99Ms, " ms");
    show("errors", f.errorPercent, " %");
    show("declines", f.declinePercent, " %");
    show("replicas up", f.replicasUp, "");
    return 0;
}

}  // namespace

bool isReleaseCommand(const char* command) {
    for (const char* c : kCommands) {
        if (std::strcmp(c, command) == 0)
            return true;
    }
    return false;
}

int releaseCommand(int argc, char** argv) {
    const std::string command = argv[1];
    fraud::CommandLine cli(
        "fraudctl " + command,
        command == "watch"     ? "Prints live decisions as the scorers make them (sampled), "
                                 "merged across every --endpoint (comma-separated)."
        : command == "metrics" ? "Prints the cluster's headline figures from Prometheus: "
                                 "scores/s, p99 latency, error and decline rates, replicas up."
                               : "Reads or changes the rollout through a scorer's Control API. "
                                 "Changes need an admin token and a reason, and name the "
                                 "generation they expect (default: the current one).",
        "FRAUDCTL");
    addConnectionFlags(cli, "10000");
    cli.flag("json", "print the reply as JSON");
    if (command == "canary") {
        cli.option("version", "", "the canary version", true)
            .option("weight", "5", "share of cards for the canary, in percent (0-100)")
            .option("mode", "split", "split (the canary decides for its cards) or shadow");
    }
    if (command == "canary" || command == "promote" || command == "rollback" ||
        command == "abort") {
        cli.option("reason", "", "why (recorded in the audit log)", true)
            .option("expect", "current", "the generation this change expects");
    }
    if (command == "audit") {
        cli.option("limit", "20", "newest entries to show (0: all)")
            .flag("verify",
                  "check the audit log's hash chain and rollout.json's anchor of it instead: "
                  "exit 0 intact, 3 tampered (an edited, deleted, reordered or inserted line)");
    }
    if (command == "watch") {
        cli.option("min-score", "0", "only decisions scoring at least this")
            .option("decision", "all", "all, approve, review, decline or flagged")
            .option("variant", "all", "all, stable or canary")
            .option("rate", "0", "most decisions a second (0: the scorer's default)")
            .option("count", "0", "stop after this many (0: never)")
            .flag("explain", "with each decision's explanation");
    }
    if (command == "metrics") {
        addPrometheusFlags(cli);
        cli.option("window", "60", "seconds of rate()");
    }
    if (!cli.parse(argc, argv, 2, std::cout, std::cerr))
        return cli.exitCode();
    if (command == "watch")
        return watch(cli);
    if (command == "metrics")
        return metrics(cli);

    ControlClient client(endpointFrom(cli));
    const bool asJson = cli.enabled("json");
    const auto printState = [](const fraud::v1::RolloutState& s) {
        std::cout << describeRollout(s) << "\n";
    };
    if (command == "status") {
        return report(client.status(), asJson, [](const fraud::v1::ReplicaStatus& s) {
            std::cout << s.replica() << ": serves " << describeRollout(s.rollout())
                      << (s.converged() ? " (converged)"
                                        : " (NOT converged: the registry is at "
                                          "generation " +
                                              std::to_string(s.generation_seen()) + ")")
                      << ", up " << static_cast<long>(s.uptime_seconds()) << " s\n";
            for (const auto& f : s.load_failures()) {
                std::cout << "  load failure " << when(f.when()) << " " << f.version() << ": "
                          << f.reason() << "\n";
            }
        });
    }
    if (command == "whoami") {
        return report(client.whoAmI(), asJson, [](const fraud::v1::Identity& me) {
            std::cout << me.identity() << " (" << me.role()
                      << "): " << (me.can_change() ? "may change the rollout" : me.why_not())
                      << "\n";
        });
    }
    if (command == "models") {
        return report(client.models(), asJson, [](const fraud::v1::ListModelsResponse& r) {
            for (const auto& m : r.models()) {
                const char* role = m.role() == fraud::v1::MODEL_ROLE_STABLE   ? "stable"
                                   : m.role() == fraud::v1::MODEL_ROLE_CANARY ? "canary"
                                                                              : "archived";
                const auto metric = [&](const char* key) {
                    const auto it = m.metrics().find(key);
                    return it == m.metrics().end() ? std::string("-")
                                                   : std::to_string(it->second).substr(0, 5);
                };
                std::cout << std::left << std::setw(12) << m.version() << std::setw(10) << role
                          << std::setw(28) << m.schema() << "ROC-AUC " << metric("holdout.roc_auc")
                          << "  PR-AUC " << metric("holdout.pr_auc") << "  " << when(m.created())
                          << "\n";
            }
        });
    }
    if (command == "audit" && cli.enabled("verify"))
        return verifyAudit(client.audit(1), asJson);
    if (command == "audit") {
        return report(client.audit(static_cast<unsigned>(cli.integer("limit", 0, 1'000'000))),
                      asJson, [](const fraud::v1::AuditLog& log) {
                          for (const auto& e : log.entries()) {
                              std::cout << when(e.when()) << "  " << e.who() << "  " << e.action()
                                        << ": " << describeRollout(e.after()) << "  (" << e.why()
                                        << ")\n";
                              // The plan step and gate values a runner recorded, sorted.
                              const std::map<std::string, std::string> notes(
                                  e.annotations().begin(), e.annotations().end());
                              for (const auto& [key, value] : notes)
                                  std::cout << "    " << key << ": " << value << "\n";
                          }
                          if (!log.verification().intact())
                              std::cerr << "fraudctl: the audit log was tampered with; "
                                           "fraudctl audit --verify says where\n";
                      });
    }
    fraud::v1::ChangeRequest change;
    change.set_reason(cli.get("reason"));
    change.set_expected_generation(expectedGeneration(cli, client));
    if (command == "canary") {
        fraud::v1::SetCanaryRequest request;
        request.set_version(cli.get("version"));
        request.set_weight_bp(static_cast<std::uint32_t>(cli.number("weight", 0, 100) * 100 + 0.5));
        if (cli.get("mode") != "split" && cli.get("mode") != "shadow") {
            std::cerr << "fraudctl: --mode takes split or shadow\n";
            return 2;
        }
        request.set_mode(cli.get("mode") == "shadow" ? fraud::v1::ROLLOUT_MODE_SHADOW
                                                     : fraud::v1::ROLLOUT_MODE_SPLIT);
        request.set_reason(change.reason());
        request.set_expected_generation(change.expected_generation());
        return report(client.setCanary(request), asJson, printState);
    }
    if (command == "promote")
        return report(client.promote(change), asJson, printState);
    if (command == "rollback")
        return report(client.rollback(change), asJson, printState);
    return report(client.abortCanary(change), asJson, printState);
}

}  // namespace fraudops
