#include "ReleaseCommands.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <string>

#include "ConnectionFlags.h"
#include "DecisionPrinter.h"
#include "common/CommandLine.h"
#include "control/ControlClient.h"
#include "fraud/v1/scoring.grpc.pb.h"

namespace fraudops {
namespace {

constexpr const char* kCommands[] = {"status",  "models",   "audit", "canary",
                                     "promote", "rollback", "abort", "watch"};

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

std::string describe(const fraud::v1::RolloutState& s) {
    std::string out =
        "generation " + std::to_string(s.generation()) + ": stable " + s.stable_version();
    if (!s.canary_version().empty()) {
        out += ", canary " + s.canary_version() + " at " +
               std::to_string(s.canary_weight_bp() / 100.0).substr(0, 5) + " % (" +
               (s.mode() == fraud::v1::ROLLOUT_MODE_SHADOW ? "shadow" : "split") + ")";
    }
    return out;
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

// The generation a change expects: given, or the newest this replica has seen.
std::uint64_t expectedGeneration(const fraud::CommandLine& cli, ControlClient& client) {
    if (cli.get("expect") != "current")
        return static_cast<std::uint64_t>(cli.integer("expect", 0, INT64_MAX));
    const auto status = client.status();
    if (!status.ok())
        throw std::runtime_error("cannot read the current generation: " + status.error->message);
    return status.value->generation_seen();
}

int watch(const fraud::CommandLine& cli) {
    const auto endpoint = endpointFrom(cli);
    auto stub = fraud::v1::Scoring::NewStub(makeChannel(endpoint));
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
    grpc::ClientContext context;  // no deadline: it runs until stopped
    if (!endpoint.bearerToken.empty())
        context.AddMetadata("authorization", "Bearer " + endpoint.bearerToken);
    auto reader = stub->WatchDecisions(&context, request);
    fraud::v1::LiveDecision d;
    const long limit = cli.integer("count", 0, 1'000'000'000);
    long seen = 0;
    while ((limit == 0 || seen < limit) && reader->Read(&d)) {
        ++seen;
        if (cli.enabled("json")) {
            std::cout << json(d) << std::endl;
            continue;
        }
        if (d.dropped_before() > 0)
            std::cout << "(" << d.dropped_before() << " decisions dropped: reading too slowly)\n";
        std::cout << d.replica() << " g" << d.generation() << " ";
        printDecision(std::cout, d.transaction(), d.result(), 4);
    }
    if (limit > 0 && seen >= limit) {
        context.TryCancel();
        reader->Finish();
        return 0;
    }
    const auto status = reader->Finish();
    if (!status.ok()) {
        std::cerr << "fraudctl: " << status.error_message() << " (code " << status.error_code()
                  << ")\n";
        return 1;
    }
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
    fraud::CommandLine cli("fraudctl " + command,
                           command == "watch"
                               ? "Prints live decisions as the scorer makes them (sampled)."
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
    if (command == "audit")
        cli.option("limit", "20", "newest entries to show (0: all)");
    if (command == "watch") {
        cli.option("min-score", "0", "only decisions scoring at least this")
            .option("decision", "all", "all, approve, review, decline or flagged")
            .option("variant", "all", "all, stable or canary")
            .option("rate", "0", "most decisions a second (0: the scorer's default)")
            .option("count", "0", "stop after this many (0: never)")
            .flag("explain", "with each decision's explanation");
    }
    if (!cli.parse(argc, argv, 2, std::cout, std::cerr))
        return cli.exitCode();
    if (command == "watch")
        return watch(cli);

    ControlClient client(endpointFrom(cli));
    const bool asJson = cli.enabled("json");
    const auto printState = [](const fraud::v1::RolloutState& s) {
        std::cout << describe(s) << "\n";
    };
    if (command == "status") {
        return report(client.status(), asJson, [](const fraud::v1::ReplicaStatus& s) {
            std::cout << s.replica() << ": serves " << describe(s.rollout())
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
    if (command == "audit") {
        return report(client.audit(static_cast<unsigned>(cli.integer("limit", 0, 1'000'000))),
                      asJson, [](const fraud::v1::AuditLog& log) {
                          for (const auto& e : log.entries()) {
                              std::cout << when(e.when()) << "  " << e.who() << "  " << e.action()
                                        << ": " << describe(e.after()) << "  (" << e.why() << ")\n";
                          }
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
