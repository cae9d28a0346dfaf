// fraud-train: trains model versions into a registry, and generates synthetic traffic.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include "common/CommandLine.h"
#include "common/EventClock.h"
#include "common/FileIo.h"
#include "common/Time.h"
#include "features/TransactionSchema.h"
#include "fraud/v1/scoring.pb.h"
#include "registry/ModelRegistry.h"
#include "synth/SimulatedClock.h"
#include "synth/TransactionGenerator.h"
#include "training/CsvTable.h"
#include "training/ModelImport.h"
#include "training/Trainer.h"

namespace {

constexpr const char* kUsage =
    "Usage: fraud-train COMMAND [flags]\n\n"
    "Commands:\n"
    "  synthetic   generate transactions, featurize them in event time, train a version\n"
    "  csv         train a vector-schema version from a CSV of named numeric features\n"
    "  generate    print synthetic transactions as JSON lines (for fraudctl score, replay)\n"
    "  import      add a model trained elsewhere (XGBoost JSON) as a registry version\n\n"
    "Run fraud-train COMMAND --help for a command's flags.\n";

void addTrainingFlags(fraud::CommandLine& cli) {
    cli.option("registry", "", "model registry directory", true)
        .option("version", "", "version name (default: the next vN)")
        .option("rounds", "300", "boosting rounds (trees)")
        .option("max-depth", "6", "maximum tree depth")
        .option("eta", "0.1", "learning rate")
        .option("seed", "1", "random seed (data generation and training)")
        .option("threads", "0", "training threads (0: all cores)")
        .option("set-stable", "auto",
                "make the new version stable: yes, no, or auto (only if nothing is stable yet)")
        .option("who", "fraud-train", "identity recorded in the audit log")
        .flag("unless-seeded",
              "do nothing if the registry already has a stable version (a job that seeds the "
              "registry at every start of a cluster)");
}

// --unless-seeded: true (after saying so) when the registry already serves a stable version.
bool alreadySeeded(const fraud::CommandLine& cli, const fraud::ModelRegistry& registry) {
    if (!cli.enabled("unless-seeded"))
        return false;
    const auto rollout = registry.readRollout();
    if (!rollout || rollout->stable.empty())
        return false;
    std::cerr << "fraud-train: the registry already serves " << rollout->stable
              << " as stable: nothing to do (--unless-seeded)\n";
    return true;
}

fraud::XGBoostBooster::TrainingParams trainingParams(const fraud::CommandLine& cli) {
    fraud::XGBoostBooster::TrainingParams p;
    p.rounds = static_cast<int>(cli.integer("rounds"));
    p.maxDepth = static_cast<int>(cli.integer("max-depth"));
    p.eta = cli.number("eta");
    p.seed = static_cast<int>(cli.integer("seed"));
    p.threads = static_cast<int>(cli.integer("threads"));
    return p;
}

void makeStableIfAsked(fraud::ModelRegistry& registry, const std::string& version,
                       const std::string& setStable, const std::string& who,
                       const std::string& why) {
    const auto rollout = registry.readRollout();
    if (setStable == "yes" || (setStable == "auto" && !rollout)) {
        const auto state = registry.commit(rollout ? rollout->generation : 0, "set-stable", who,
                                           why, [&](fraud::RolloutState& s) {
                                               s.stable = version;
                                               if (s.canary == version)
                                                   s.canary.clear();
                                           });
        std::cerr << version << " is stable (generation " << state.generation << ")\n";
    }
}

int publish(const fraud::CommandLine& cli, fraud::ModelRegistry& registry,
            fraud::TrainingRequest request) {
    const std::string setStable = cli.get("set-stable");
    if (setStable != "yes" && setStable != "no" && setStable != "auto") {
        std::cerr << "fraud-train: --set-stable takes yes, no or auto\n";
        return 2;
    }
    request.version = cli.get("version").empty() ? registry.nextVersion() : cli.get("version");
    fraud::ModelRegistry::checkVersionName(request.version);
    if (registry.hasVersion(request.version)) {
        std::cerr << "fraud-train: version " << request.version << " already exists\n";
        return 1;
    }
    std::cerr << "training " << request.version << " (" << request.schema.id() << ") on "
              << request.rows.x.rows << " rows...\n";
    const auto outcome = fraud::trainModel(request, registry);
    registry.addVersion(outcome.manifest, outcome.modelJson);

    const auto rollout = registry.readRollout();
    if (setStable == "yes" || (setStable == "auto" && !rollout)) {
        const auto state =
            registry.commit(rollout ? rollout->generation : 0, "set-stable", cli.get("who"),
                            "trained by fraud-train", [&](fraud::RolloutState& s) {
                                s.stable = request.version;
                                if (s.canary == request.version)
                                    s.canary.clear();
                            });
        std::cerr << request.version << " is stable (generation " << state.generation << ")\n";
    }
    const auto& h = outcome.manifest.metrics["holdout"];
    std::cout << nlohmann::json{{"version", request.version},
                                {"schema", request.schema.id()},
                                {"path", registry.versionDir(request.version).string()},
                                {"holdout_roc_auc", h["roc_auc"]},
                                {"holdout_pr_auc", h["pr_auc"]},
                                {"thresholds",
                                 {{"review", outcome.manifest.thresholds.review},
                                  {"decline", outcome.manifest.thresholds.decline}}}}
                     .dump()
              << std::endl;
    return 0;
}

void addGeneratorFlags(fraud::CommandLine& cli, const char* cards, const char* fraudRate) {
    cli.option("cards", cards, "distinct cards in the simulated population")
        .option("merchants", "2000", "merchants in the simulated population")
        .option("fraud-rate", fraudRate, "target share of fraudulent transactions")
        .option("txns-per-card-per-day", "2", "mean transactions per card per simulated day")
        .option("amount-scale", "1", "drift: multiply every amount by this")
        .option("category-shift", "0", "drift: share of transactions moved to high-risk categories")
        .option("country-shift", "0", "drift: share of transactions reported abroad")
        .flag("flat-day", "cards transact evenly around the clock (default: more by day)");
}

fraud::GeneratorConfig generatorConfig(const fraud::CommandLine& cli, fraud::EpochMillis start) {
    fraud::GeneratorConfig g;
    g.seed = static_cast<std::uint64_t>(cli.integer("seed"));
    g.cards = static_cast<std::size_t>(cli.integer("cards"));
    g.merchants = static_cast<std::size_t>(cli.integer("merchants"));
    g.fraudRate = cli.number("fraud-rate");
    g.txnsPerCardPerDay = cli.number("txns-per-card-per-day");
    g.start = start;
    g.drift.amountScale = cli.number("amount-scale");
    g.drift.categoryShift = cli.number("category-shift");
    g.drift.countryShift = cli.number("country-shift");
    g.drift.from = start;
    g.diurnal = !cli.enabled("flat-day");
    if (g.cards == 0 || g.txnsPerCardPerDay <= 0)
        throw std::invalid_argument("--cards and --txns-per-card-per-day must be positive");
    return g;
}

int synthetic(int argc, char** argv) {
    fraud::CommandLine cli("fraud-train synthetic",
                           "Simulates card traffic with known fraud patterns, featurizes it in "
                           "event time with the scorer's own code, and trains a version of the "
                           "built-in transaction schema.",
                           "FRAUD_TRAIN");
    addTrainingFlags(cli);
    addGeneratorFlags(cli, "20000", "0.01");
    cli.option("transactions", "300000", "transactions to simulate")
        .option("days-ago", "30", "the simulated clock starts this many days before now")
        .option("now", "", "the clock reads this RFC 3339 time (default: the wall clock)");
    if (!cli.parse(argc, argv, 2, std::cout, std::cerr))
        return cli.exitCode();
    fraud::ModelRegistry registry(cli.get("registry"));
    if (alreadySeeded(cli, registry))
        return 0;
    // From a midnight (UTC): the same seed then trains the same model whatever the hour,
    // since only the hour of day (not the date) enters the features.
    constexpr fraud::EpochMillis kDay = 86'400'000;
    auto start = fraud::EventClock::fromFlag(cli.get("now")).now() -
                 static_cast<fraud::EpochMillis>(cli.number("days-ago") * kDay);
    start -= ((start % kDay) + kDay) % kDay;
    const auto config = generatorConfig(cli, start);
    const auto count = static_cast<std::size_t>(cli.integer("transactions"));
    fraud::TrainingRequest request;
    request.schema = fraud::FeatureSchema::builtinTransaction();
    request.params = trainingParams(cli);
    request.rows = fraud::synthesizeRows(config, count);
    request.provenance = {{"source", "synthetic"},
                          {"generator",
                           {{"seed", config.seed},
                            {"cards", config.cards},
                            {"merchants", config.merchants},
                            {"transactions", count},
                            {"fraud_rate", config.fraudRate},
                            {"txns_per_card_per_day", config.txnsPerCardPerDay},
                            {"amount_scale", config.drift.amountScale},
                            {"category_shift", config.drift.categoryShift},
                            {"country_shift", config.drift.countryShift},
                            {"diurnal", config.diurnal},
                            {"history_warmup_hours", 24},
                            {"start", fraud::formatRfc3339(start)}}}};
    return publish(cli, registry, std::move(request));
}

int csv(int argc, char** argv) {
    fraud::CommandLine cli("fraud-train csv",
                           "Trains a vector-schema version from a CSV with a header row of named "
                           "numeric features and a 0/1 label column. Exact duplicate rows are "
                           "dropped; rows are split by the time column.",
                           "FRAUD_TRAIN");
    addTrainingFlags(cli);
    cli.option("csv", "", "the CSV file", true)
        .option("label", "Class", "label column (1 = fraud)")
        .option("time-column", "Time", "column that orders rows in time (used for the split)")
        .option("drop", "Time", "comma-separated columns that are not features")
        .option("schema-name", "", "name of the vector schema (default: the file's stem)")
        .option("negative-weight", "1",
                "weight of each legitimate row in evaluation: 1 / the sampling rate of a "
                "down-sampled file (57.79 for the ULB sample)")
        .flag("compare-random-split", "also report a stratified random 70/30 split");
    if (!cli.parse(argc, argv, 2, std::cout, std::cerr))
        return cli.exitCode();
    fraud::ModelRegistry registry(cli.get("registry"));
    if (alreadySeeded(cli, registry))
        return 0;
    const std::filesystem::path path = cli.get("csv");
    const auto table = fraud::CsvTable::read(path);
    const std::size_t label = table.column(cli.get("label"));
    const std::size_t timeCol = table.column(cli.get("time-column"));
    std::set<std::string> dropped{cli.get("label")};
    for (std::size_t p = 0, q; p <= cli.get("drop").size(); p = q + 1) {
        q = cli.get("drop").find(',', p);
        if (q == std::string::npos)
            q = cli.get("drop").size();
        if (q > p)
            dropped.insert(cli.get("drop").substr(p, q - p));
    }
    fraud::FeatureSchema schema;
    schema.kind = fraud::FeatureSchema::Kind::Vector;
    schema.name = cli.get("schema-name").empty() ? path.stem().string() : cli.get("schema-name");
    std::vector<std::size_t> featureCols;
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
        if (!dropped.count(table.columns[c])) {
            schema.features.push_back(table.columns[c]);
            featureCols.push_back(c);
        }
    }
    for (const auto& d : dropped)
        table.column(d);  // a dropped column that is absent is a typo

    // Exact duplicates would sit on both sides of a split and flatter the metrics.
    std::vector<std::vector<double>> rows = table.rows;
    std::sort(rows.begin(), rows.end());
    const std::size_t before = rows.size();
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    std::stable_sort(rows.begin(), rows.end(),
                     [&](const auto& a, const auto& b) { return a[timeCol] < b[timeCol]; });
    const double negativeWeight = cli.number("negative-weight");
    fraud::TrainingRequest request;
    request.schema = schema;
    request.params = trainingParams(cli);
    request.compareRandomSplit = cli.enabled("compare-random-split");
    request.rows.x.cols = featureCols.size();
    request.rows.x.rows = rows.size();
    for (const auto& row : rows) {
        for (std::size_t c : featureCols)
            request.rows.x.values.push_back(static_cast<float>(row[c]));
        const float y = row[label] > 0.5 ? 1.0f : 0.0f;
        request.rows.labels.push_back(y);
        if (negativeWeight != 1)
            request.rows.evalWeights.push_back(y > 0 ? 1.0f : static_cast<float>(negativeWeight));
    }
    std::cerr << "read " << before << " rows, dropped " << before - rows.size()
              << " exact duplicates\n";
    request.provenance = {{"source", "csv"},
                          {"file", path.filename().string()},
                          {"rows_read", before},
                          {"duplicates_dropped", before - rows.size()},
                          {"label_column", cli.get("label")},
                          {"time_column", cli.get("time-column")},
                          {"negative_weight", negativeWeight}};
    return publish(cli, registry, std::move(request));
}

int generate(int argc, char** argv) {
    fraud::CommandLine cli("fraud-train generate",
                           "Prints synthetic transactions, one JSON object a line, in the API's "
                           "JSON form (proto3 JSON mapping of fraud.v1.Transaction).",
                           "FRAUD_TRAIN");
    addGeneratorFlags(cli, "500", "0.2");
    cli.option("count", "10", "transactions to print")
        .option("seed", "7", "random seed")
        .option("hours-ago", "6",
                "the simulated clock starts this many hours before now; the output ends at now "
                "at the latest (fewer than --count if the window holds fewer)")
        .option("compression", "0",
                "pace the output in real time: print each transaction when the simulated clock, "
                "running this many times faster than the wall clock, reaches it, and never "
                "before its own time (0: as fast as possible, stopping at now)")
        .option("history-hours", "0",
                "first print the population's this many hours before --hours-ago as warm-up "
                "lines ({\"transaction\": ..., \"record_mode\": \"RECORD_HISTORY_ONLY\"}, which "
                "fraudctl score sends to fill card histories); not counted in --count")
        .option("now", "", "the clock reads this RFC 3339 time at start (default: the wall clock)")
        .flag("with-labels", "wrap each line as {transaction, fraud, pattern}");
    if (!cli.parse(argc, argv, 2, std::cout, std::cerr))
        return cli.exitCode();
    const auto clock = fraud::EventClock::fromFlag(cli.get("now"));
    const auto start =
        clock.now() - static_cast<fraud::EpochMillis>(cli.number("hours-ago") * 3'600'000.0);
    const auto historyStart =
        start - static_cast<fraud::EpochMillis>(cli.number("history-hours", 0, 24 * 30) * 3.6e6);
    fraud::TransactionGenerator generator(generatorConfig(cli, historyStart));
    google::protobuf::util::JsonPrintOptions warmupOptions;
    warmupOptions.preserve_proto_field_names = true;
    while (generator.peekTime() < start) {
        fraud::v1::ScoreRequest warmup;
        *warmup.mutable_transaction() = generator.next().tx;
        warmup.set_record_mode(fraud::v1::RECORD_HISTORY_ONLY);
        std::string json;
        if (!google::protobuf::util::MessageToJsonString(warmup, &json, warmupOptions).ok())
            return 1;
        std::cout << json << "\n";
    }
    const auto count = cli.integer("count");
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    const double compression = cli.number("compression");
    if (compression < 0)
        throw std::invalid_argument("--compression must not be negative");
    const fraud::SimulatedClock simulated(start, compression > 0 ? compression : 1, clock.now());
    for (std::int64_t i = 0; i < count; ++i) {
        const auto eventTime = generator.peekTime();
        if (compression > 0) {
            // Both the compressed schedule and the event's own time: never ahead of now.
            const auto due = std::max(simulated.wallAt(eventTime), eventTime);
            const auto wait = due - clock.now();
            if (wait > 0) {
                std::cout.flush();
                std::this_thread::sleep_for(std::chrono::milliseconds(wait));
            }
        } else if (eventTime > clock.now()) {
            std::cerr << "fraud-train generate: " << i << " of " << count
                      << " transactions: the simulated clock reached now ("
                      << fraud::formatRfc3339(clock.now())
                      << "); a larger --hours-ago or more --cards makes more\n";
            break;
        }
        const auto g = generator.next();
        std::string json;
        if (!google::protobuf::util::MessageToJsonString(g.tx, &json, options).ok())
            return 1;
        if (cli.enabled("with-labels")) {
            json = nlohmann::json{{"transaction", nlohmann::json::parse(json)},
                                  {"fraud", g.fraud},
                                  {"pattern", std::string(fraud::toString(g.pattern))}}
                       .dump();
        }
        std::cout << json << "\n";
    }
    return 0;
}

int import(int argc, char** argv) {
    fraud::CommandLine cli(
        "fraud-train import",
        "Adds an XGBoost model trained elsewhere (its JSON, e.g. Booster.save_model('m.json') in\n"
        "Python) as a registry version: schema from its feature names (the built-in transaction\n"
        "schema if the scorer computes them all), baselines from a reference CSV with those\n"
        "columns, thresholds chosen on the reference rows when labelled, metrics on them and on\n"
        "the registry's evaluation set. The scorer's checks run before it is added.",
        "FRAUD_TRAIN");
    cli.option("registry", "", "model registry directory", true)
        .option("model", "", "the XGBoost JSON model file", true)
        .option("reference", "", "CSV of reference rows (the model's features as columns)", true)
        .option("label", "label", "label column of the reference (1 = fraud), if it has one")
        .option("features", "", "comma-separated feature names (default: the model's own)")
        .option("schema-name", "", "vector schema name, for models of non-transaction features")
        .option("version", "", "version name (default: the next vN)")
        .option("review-threshold", "", "score from which to review (default: 1 % FPR)")
        .option("decline-threshold", "", "score from which to decline (default: 0.1 % FPR)")
        .option("set-stable", "no", "make it stable: yes, no, or auto (only if nothing is)")
        .option("who", "fraud-train", "identity recorded in the audit log");
    if (!cli.parse(argc, argv, 2, std::cout, std::cerr))
        return cli.exitCode();
    fraud::ModelRegistry registry(cli.get("registry"));
    fraud::ImportRequest request;
    request.version = cli.get("version").empty() ? registry.nextVersion() : cli.get("version");
    fraud::ModelRegistry::checkVersionName(request.version);
    if (registry.hasVersion(request.version)) {
        std::cerr << "fraud-train: version " << request.version << " already exists\n";
        return 1;
    }
    request.modelJson = fraud::readFile(cli.get("model"));
    request.source = std::filesystem::path(cli.get("model")).filename().string();
    for (std::size_t p = 0, q; p < cli.get("features").size(); p = q + 1) {
        q = cli.get("features").find(',', p);
        if (q == std::string::npos)
            q = cli.get("features").size();
        if (q > p)
            request.features.push_back(cli.get("features").substr(p, q - p));
    }
    request.vectorSchemaName = cli.get("schema-name");
    request.reference = fraud::CsvTable::read(cli.get("reference"));
    request.labelColumn = cli.get("label");
    if (!cli.get("review-threshold").empty() || !cli.get("decline-threshold").empty()) {
        fraud::DecisionThresholds t;
        t.review = cli.number("review-threshold", 0, 1);
        t.decline = cli.number("decline-threshold", 0, 1);
        request.thresholds = t;
    }
    const auto setStable = cli.get("set-stable");
    if (setStable != "yes" && setStable != "no" && setStable != "auto") {
        std::cerr << "fraud-train: --set-stable takes yes, no or auto\n";
        return 2;
    }
    const auto outcome = fraud::importModel(request, registry);
    registry.addVersion(outcome.manifest, outcome.modelJson);
    makeStableIfAsked(registry, request.version, setStable, cli.get("who"),
                      "imported by fraud-train");
    std::cout << nlohmann::json{{"version", request.version},
                                {"schema", outcome.manifest.schema.id()},
                                {"path", registry.versionDir(request.version).string()},
                                {"thresholds",
                                 {{"review", outcome.manifest.thresholds.review},
                                  {"decline", outcome.manifest.thresholds.decline}}},
                                {"metrics", outcome.manifest.metrics}}
                     .dump()
              << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "synthetic")
            return synthetic(argc, argv);
        if (command == "csv")
            return csv(argc, argv);
        if (command == "generate")
            return generate(argc, argv);
        if (command == "import")
            return import(argc, argv);
        if (command == "--help" || command == "-h" || command == "help") {
            std::cout << kUsage;
            return 0;
        }
        std::cerr << (command.empty() ? "fraud-train: no command given\n\n"
                                      : "fraud-train: unknown command '" + command + "'\n\n")
                  << kUsage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "fraud-train: " << e.what() << "\n";
        return 1;
    }
}
