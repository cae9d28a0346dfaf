// fraudctl: the console's backend on the command line.
#include <QCoreApplication>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "ConnectionFlags.h"
#include "DecisionPrinter.h"
#include "ReleaseCommands.h"
#include "RolloutCommands.h"
#include "common/CommandLine.h"
#include "scoring/ScoringClient.h"
#include "scoring/TransactionJson.h"

namespace {

constexpr const char* kUsage =
    "Usage: fraudctl COMMAND [flags]\n\n"
    "Commands:\n"
    "  score     score transactions read as JSON lines (a file, or standard input)\n"
    "  explain   like score, but explain each without recording it in the card's history\n"
    "  status    a replica's rollout, convergence and load failures\n"
    "  models    the registry's versions, their roles and hold-out metrics\n"
    "  audit     the newest changes to the rollout: who, what, why\n"
    "  canary    serve a version to a share of cards (split) or beside stable (shadow)\n"
    "  promote   make the canary stable\n"
    "  rollback  return to the previous stable version\n"
    "  abort     remove the canary\n"
    "  watch     print live decisions as they are made, from one or more replicas\n"
    "  metrics   the cluster's headline figures from Prometheus\n"
    "  whoami    the token's identity and role, and whether it may change the rollout\n"
    "  rollout   a release that follows a plan: start, status, approve, pause, resume, abort,\n"
    "            promote, and run (drive it headless until it ends)\n"
    "  analyze   the current step's gates: exit 0 pass, 1 fail, 2 not enough data, 3 cannot\n"
    "            evaluate\n\n"
    "Run fraudctl COMMAND --help for a command's flags.\n";

int score(int argc, char** argv, bool explainOnly) {
    fraud::CommandLine cli(std::string("fraudctl ") + argv[1],
                           "Reads one transaction a line in the API's JSON form (as `fraud-train "
                           "generate` prints), or a whole ScoreRequest with its record mode, and "
                           "prints each decision; warm-up lines (RECORD_HISTORY_ONLY) are sent "
                           "and counted, not printed. Exits 1 if any call failed.",
                           "FRAUDCTL");
    fraudops::addConnectionFlags(cli, "2000");
    cli.option("file", "-", "input file, - for standard input")
        .option("top", "4", "features to show per explanation")
        .option("show", "all", "which decisions to print: all, or flagged (review and decline)")
        .option("record-mode", "",
                "what scoring leaves behind, for lines that do not say: all (live traffic), "
                "history (card history only) or none (a dry run)")
        .flag("explain", "ask for an explanation with each score");
    if (!cli.parse(argc, argv, 2, std::cout, std::cerr))
        return cli.exitCode();

    std::unique_ptr<fraudops::ScoringClient> connected;
    try {
        connected = std::make_unique<fraudops::ScoringClient>(fraudops::endpointFrom(cli));
    } catch (const std::exception& e) {  // a TLS file that cannot be read
        std::cerr << "fraudctl: " << e.what() << "\n";
        return 2;
    }
    fraudops::ScoringClient& client = *connected;

    std::ifstream file;
    if (cli.get("file") != "-") {
        file.open(cli.get("file"));
        if (!file) {
            std::cerr << "fraudctl: cannot open " << cli.get("file") << "\n";
            return 2;
        }
    }
    std::istream& in = cli.get("file") == "-" ? std::cin : file;
    const int top = static_cast<int>(cli.integer("top"));
    const bool flaggedOnly = cli.get("show") == "flagged";
    if (!flaggedOnly && cli.get("show") != "all") {
        std::cerr << "fraudctl: --show takes all or flagged\n";
        return 2;
    }
    std::optional<fraud::v1::RecordMode> defaultMode;
    if (const auto mode = cli.get("record-mode"); !mode.empty()) {
        if (mode == "all")
            defaultMode = fraud::v1::RECORD_ALL;
        else if (mode == "history")
            defaultMode = fraud::v1::RECORD_HISTORY_ONLY;
        else if (mode == "none")
            defaultMode = fraud::v1::RECORD_NONE;
        else {
            std::cerr << "fraudctl: --record-mode takes all, history or none\n";
            return 2;
        }
    }
    int failures = 0;
    int history = 0;
    std::map<fraud::v1::Decision, int> decisions;
    std::string line;
    for (int lineNo = 1; std::getline(in, line); ++lineNo) {
        if (line.empty())
            continue;
        std::string parseError;
        auto request = fraudops::scoreRequestFromJson(line, &parseError);
        if (!request) {
            std::cerr << "fraudctl: line " << lineNo << ": " << parseError << "\n";
            ++failures;
            continue;
        }
        const fraud::v1::Transaction* tx = &request->transaction();
        if (defaultMode && request->record_mode() == fraud::v1::RECORD_ALL)
            request->set_record_mode(*defaultMode);
        const bool warmup = request->record_mode() == fraud::v1::RECORD_HISTORY_ONLY;
        request->set_explain(cli.enabled("explain") && !warmup);
        const auto outcome = explainOnly ? client.explain(*tx) : client.score(*request);
        if (!outcome.ok()) {
            std::cerr << "fraudctl: " << tx->transaction_id() << ": " << outcome.error->message
                      << " (" << outcome.error->code << ")\n";
            ++failures;
            continue;
        }
        if (warmup && !explainOnly) {
            ++history;
            continue;
        }
        const auto decision = outcome.value->decision();
        ++decisions[decision];
        if (!flaggedOnly || decision != fraud::v1::DECISION_APPROVE) {
            fraudops::printDecision(std::cout, *tx, *outcome.value, top);
        }
    }
    if (history > 0)
        std::cout << history << " warm-up transactions recorded in card histories only\n";
    std::cout << decisions[fraud::v1::DECISION_APPROVE] + decisions[fraud::v1::DECISION_REVIEW] +
                     decisions[fraud::v1::DECISION_DECLINE]
              << " scored: " << decisions[fraud::v1::DECISION_APPROVE] << " approved, "
              << decisions[fraud::v1::DECISION_REVIEW] << " to review, "
              << decisions[fraud::v1::DECISION_DECLINE] << " declined; " << failures << " failed\n";
    return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    // The console's names, so --profile reads the profiles the console saved; an application
    // object for the keychain's D-Bus calls. Neither reads fraudctl's own arguments.
    QCoreApplication::setOrganizationName("FraudOps");
    QCoreApplication::setApplicationName("fraudops-console");
    int qtArgc = 1;
    QCoreApplication app(qtArgc, argv);
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "score")
            return score(argc, argv, false);
        if (command == "explain")
            return score(argc, argv, true);
        if (command == "rollout")
            return fraudops::rolloutCommand(argc, argv);
        if (command == "analyze")
            return fraudops::analyzeCommand(argc, argv);
        if (fraudops::isReleaseCommand(command.c_str()))
            return fraudops::releaseCommand(argc, argv);
        if (command == "--help" || command == "help") {
            std::cout << kUsage;
            return 0;
        }
        std::cerr << (command.empty() ? "fraudctl: no command given\n\n"
                                      : "fraudctl: unknown command '" + command + "'\n\n")
                  << kUsage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "fraudctl: " << e.what() << "\n";
        return 1;
    }
}
