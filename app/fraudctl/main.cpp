// fraudctl: the console's backend on the command line.
#include <fstream>
#include <iostream>
#include <map>

#include "ConnectionFlags.h"
#include "DecisionPrinter.h"
#include "ReleaseCommands.h"
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
    "  watch     print live decisions as they are made\n\n"
    "Run fraudctl COMMAND --help for a command's flags.\n";

int score(int argc, char** argv, bool explainOnly) {
    fraud::CommandLine cli(std::string("fraudctl ") + argv[1],
                           "Reads one transaction a line in the API's JSON form (as `fraud-train "
                           "generate` prints) and prints each decision. Exits 1 if any call "
                           "failed.",
                           "FRAUDCTL");
    fraudops::addConnectionFlags(cli, "2000");
    cli.option("file", "-", "input file, - for standard input")
        .option("top", "4", "features to show per explanation")
        .option("show", "all", "which decisions to print: all, or flagged (review and decline)")
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
    int failures = 0;
    std::map<fraud::v1::Decision, int> decisions;
    std::string line;
    for (int lineNo = 1; std::getline(in, line); ++lineNo) {
        if (line.empty())
            continue;
        std::string parseError;
        const auto tx = fraudops::transactionFromJson(line, &parseError);
        if (!tx) {
            std::cerr << "fraudctl: line " << lineNo << ": " << parseError << "\n";
            ++failures;
            continue;
        }
        const auto outcome =
            explainOnly ? client.explain(*tx) : client.score(*tx, cli.enabled("explain"));
        if (!outcome.ok()) {
            std::cerr << "fraudctl: " << tx->transaction_id() << ": " << outcome.error->message
                      << " (" << outcome.error->code << ")\n";
            ++failures;
            continue;
        }
        const auto decision = outcome.value->decision();
        ++decisions[decision];
        if (!flaggedOnly || decision != fraud::v1::DECISION_APPROVE) {
            fraudops::printDecision(std::cout, *tx, *outcome.value, top);
        }
    }
    std::cout << decisions[fraud::v1::DECISION_APPROVE] + decisions[fraud::v1::DECISION_REVIEW] +
                     decisions[fraud::v1::DECISION_DECLINE]
              << " scored: " << decisions[fraud::v1::DECISION_APPROVE] << " approved, "
              << decisions[fraud::v1::DECISION_REVIEW] << " to review, "
              << decisions[fraud::v1::DECISION_DECLINE] << " declined; " << failures << " failed\n";
    return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "score")
            return score(argc, argv, false);
        if (command == "explain")
            return score(argc, argv, true);
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
