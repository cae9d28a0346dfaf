// Rollout plans as files: the shipped default plan reads, round-trips and splits α over the
// gates it uses; every malformed plan is refused with what is wrong and where.
#include <QFile>
#include <QtTest>

#include "rollout/RolloutPlan.h"

using namespace fraudops;

namespace {

std::string readFile(const char* path) {
    QFile f(QString::fromUtf8(path));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll().toStdString();
}

std::string readDefaultPlan() {
    return readFile(FRAUDOPS_DEFAULT_PLAN);
}

// A minimal valid plan with `step` as its first step.
std::string planWith(const std::string& step, const std::string& gates = {}) {
    return R"({"gates": {"errors": {"kind": "event_rate", "event": "error"},
                         "flips": {"kind": "flip_rate"})" +
           gates + R"(},
               "steps": [)" +
           step + R"(, {"promote": true}]})";
}

}  // namespace

class RolloutPlanTest : public QObject {
    Q_OBJECT

private slots:
    void theDefaultPlanReadsAndRoundTrips() {
        std::string error;
        const auto plan = parseRolloutPlan(readDefaultPlan(), &error);
        QVERIFY2(plan, error.c_str());
        QCOMPARE(plan->name, std::string("default"));
        QCOMPARE(plan->steps.size(), std::size_t(6));
        QCOMPARE(plan->steps[0].mode, RolloutStep::Mode::Shadow);
        QCOMPARE(plan->steps[1].weightBasisPoints, 500);
        QCOMPARE(plan->steps[3].onPass, RolloutStep::OnPass::WaitForApproval);
        QCOMPARE(plan->steps[2].minimum, std::chrono::seconds(600));
        QCOMPARE(plan->steps[2].maximum, std::chrono::seconds(7200));
        QVERIFY(plan->steps.back().promote);
        // Six gates used: α = 0.05 split six ways.
        QCOMPARE(plan->alphaPerGate(), 0.05 / 6);
        const auto& declines = plan->gates.at("declines");
        QCOMPARE(declines.sides, gates::Sides::Both);
        QCOMPARE(declines.unit, GateSpec::Unit::Cards);
        QCOMPARE(plan->gates.at("slow_requests").unit, GateSpec::Unit::Requests);
        // Errors are rare: thousands of error-free cards pass them through the floor.
        QCOMPARE(plan->gates.at("errors").floor, 0.001);
        QCOMPARE(declines.floor, 0.0);
        // Written and read again: the same plan.
        const auto again = parseRolloutPlan(rolloutPlanJson(*plan), &error);
        QVERIFY2(again, error.c_str());
        QCOMPARE(rolloutPlanJson(*again), rolloutPlanJson(*plan));
    }

    void yamlPlansReadAsTheirJson() {
        // The default plan written as YAML by hand: the same plan.
        const char* yaml = R"(
name: default
alpha: 0.05
gates:
  errors: {kind: event_rate, event: error, unit: cards, tolerance: 0.2, floor: 0.001}
  declines: {kind: event_rate, event: decline, unit: cards, sides: both, tolerance: 0.25}
  slow_requests: {kind: event_rate, event: slow_request, unit: requests, tolerance: 0.5}
  flip_rate: {kind: flip_rate, tolerance: 0.02}
  flip_balance: {kind: flip_balance, tolerance: 0.15}
  score_distribution: {kind: score_distribution, tolerance: 0.1}
steps:
  - {weight_percent: 20, mode: shadow, min_duration: 5m, max_duration: 1h,
     gates: [errors, slow_requests, flip_rate, flip_balance, score_distribution],
     on_pass: advance, on_fail: abort}
  - {weight_percent: 5, mode: split, min_duration: 5m, max_duration: 1h,
     gates: [errors, declines, slow_requests, score_distribution]}
  - weight_percent: 20
    min_duration: 10m
    max_duration: 2h
    gates: [errors, declines, slow_requests, score_distribution]
  - weight_percent: 50
    min_duration: "10m"        # quoted or not, a duration is text
    max_duration: 2h
    gates: [errors, declines, slow_requests, score_distribution]
    on_pass: wait_for_approval
  - weight_percent: 80
    min_duration: 10m
    max_duration: 2h
    gates: [errors, declines, slow_requests, score_distribution]
  - promote: true
)";
        std::string error;
        const auto fromYaml = parseRolloutPlan(yaml, &error);
        QVERIFY2(fromYaml, error.c_str());
        const auto fromJson = parseRolloutPlan(readDefaultPlan(), &error);
        QVERIFY2(fromJson, error.c_str());
        QCOMPARE(rolloutPlanJson(*fromYaml), rolloutPlanJson(*fromJson));

        // The shipped cautious plan: pause, never abort; every step after the first waits.
        const auto cautious = parseRolloutPlan(readFile(FRAUDOPS_CAUTIOUS_PLAN), &error);
        QVERIFY2(cautious, error.c_str());
        QCOMPARE(cautious->name, std::string("cautious"));
        QCOMPARE(cautious->steps.size(), std::size_t(5));
        QCOMPARE(cautious->steps[0].mode, RolloutStep::Mode::Shadow);
        QCOMPARE(cautious->steps[1].weightBasisPoints, 100);
        for (std::size_t i = 0; i + 1 < cautious->steps.size(); ++i) {
            QCOMPARE(cautious->steps[i].onFail, RolloutStep::OnFail::Pause);
            QCOMPARE(cautious->steps[i].onPass, RolloutStep::OnPass::WaitForApproval);
        }

        // YAML's mistakes are named by line, and the plan's own by where in the plan.
        QVERIFY(!parseRolloutPlan("name: x\nsteps: [\n  {promote: true}\n", &error));
        QVERIFY2(error.starts_with("not YAML: line "), error.c_str());
        QVERIFY(
            !parseRolloutPlan("name: x\ngates: {}\nsteps:\n  - weight_percent: '20'\n"
                              "  - promote: true\n",
                              &error));
        QVERIFY2(error.find("steps[0].weight_percent") != std::string::npos, error.c_str());
    }

    void startModesReshapeThePlan() {
        std::string error;
        const auto plan = parseRolloutPlan(readDefaultPlan(), &error);
        QVERIFY2(plan, error.c_str());

        const auto asPlanned = planInMode(*plan, StartMode::AsPlanned, &error);
        QVERIFY(asPlanned);
        QCOMPARE(rolloutPlanJson(*asPlanned), rolloutPlanJson(*plan));

        // Split only: the shadow step goes; the flip gates went with it, so α is split over
        // the four gates left, not six.
        const auto split = planInMode(*plan, StartMode::SplitOnly, &error);
        QVERIFY2(split, error.c_str());
        QCOMPARE(split->name, std::string("default (split only)"));
        QCOMPARE(split->steps.size(), std::size_t(5));
        for (const auto& s : split->steps)
            QCOMPARE(s.mode, RolloutStep::Mode::Split);
        QCOMPARE(split->steps[0].weightBasisPoints, 500);
        QCOMPARE(split->alphaPerGate(), 0.05 / 4);

        // Shadow only: every step shadow, at the plan's weights and gates; the last waits for
        // a person, since the canary has decided no card yet.
        const auto shadow = planInMode(*plan, StartMode::ShadowOnly, &error);
        QVERIFY2(shadow, error.c_str());
        QCOMPARE(shadow->name, std::string("default (shadow only)"));
        QCOMPARE(shadow->steps.size(), std::size_t(6));
        for (std::size_t i = 0; i + 1 < shadow->steps.size(); ++i) {
            QCOMPARE(shadow->steps[i].mode, RolloutStep::Mode::Shadow);
            QCOMPARE(shadow->steps[i].gates, plan->steps[i].gates);
        }
        QCOMPARE(shadow->steps[4].onPass, RolloutStep::OnPass::WaitForApproval);
        QCOMPARE(shadow->steps[0].onPass, RolloutStep::OnPass::Advance);
        QVERIFY(shadow->steps.back().promote);

        // A plan of shadow steps alone has nothing to run split only.
        const auto shadowOnly = parseRolloutPlan(
            planWith(R"({"weight_percent": 10, "mode": "shadow", "gates": ["flips"]})"), &error);
        QVERIFY2(shadowOnly, error.c_str());
        QVERIFY(!planInMode(*shadowOnly, StartMode::SplitOnly, &error));
        QVERIFY2(error.find("has no split step") != std::string::npos, error.c_str());

        QCOMPARE(parseStartMode("split"), std::optional(StartMode::SplitOnly));
        QCOMPARE(parseStartMode("shadow"), std::optional(StartMode::ShadowOnly));
        QCOMPARE(parseStartMode("plan"), std::optional(StartMode::AsPlanned));
        QVERIFY(!parseStartMode("canary"));
    }

    void defaultsFollowWhatIsCounted() {
        std::string error;
        const auto plan = parseRolloutPlan(
            planWith(R"({"weight_percent": 5, "gates": ["errors", "declines"]})",
                     R"(, "declines": {"kind": "event_rate", "event": "decline"})"),
            &error);
        QVERIFY2(plan, error.c_str());
        QCOMPARE(plan->gates.at("declines").sides, gates::Sides::Both);  // fewer can be worse
        QCOMPARE(plan->gates.at("errors").sides, gates::Sides::Worse);
        QCOMPARE(plan->gates.at("flips").tolerance, 0.02);
        QCOMPARE(plan->steps[0].minimum, std::chrono::seconds(120));
        QCOMPARE(plan->steps[0].maximum, std::chrono::seconds(1200));
        QCOMPARE(plan->steps[0].onFail, RolloutStep::OnFail::Abort);
        QCOMPARE(plan->alphaPerGate(), 0.025);
    }

    void malformedPlansSayWhatAndWhere_data() {
        QTest::addColumn<QString>("plan");
        QTest::addColumn<QString>("error");
        QTest::newRow("not JSON") << "{"
                                  << "not JSON";
        QTest::newRow("no steps") << R"({"gates": {}})"
                                  << "plan.steps: missing";
        QTest::newRow("weight") << QString::fromStdString(planWith(R"({"weight_percent": 120})"))
                                << "steps[0].weight_percent: 120";
        QTest::newRow("typo") << QString::fromStdString(
                                     planWith(R"({"weight_percent": 5, "min_duraton": "2m"})"))
                              << "steps[0].min_duraton: unknown key";
        QTest::newRow("unknown gate")
            << QString::fromStdString(planWith(R"({"weight_percent": 5, "gates": ["latency"]})"))
            << R"(steps[0].gates[0]: no gate named "latency")";
        QTest::newRow("flips in split")
            << QString::fromStdString(planWith(R"({"weight_percent": 5, "gates": ["flips"]})"))
            << "only in a shadow step";
        QTest::newRow("duration") << QString::fromStdString(planWith(
                                         R"({"weight_percent": 5, "min_duration": "soon"})"))
                                  << "steps[0].min_duration: must be a duration";
        QTest::newRow("max before min")
            << QString::fromStdString(planWith(
                   R"({"weight_percent": 5, "min_duration": "10m", "max_duration": "5m"})"))
            << "steps[0].max_duration: is shorter";
        QTest::newRow("no promotion") << R"({"gates": {}, "steps": [{"weight_percent": 5}]})"
                                      << R"(steps[0]: the last step must be {"promote": true})";
        QTest::newRow("promotion first")
            << R"({"gates": {}, "steps": [{"promote": true}, {"weight_percent": 5}]})"
            << "steps[0]: promotion must be the last step";
        QTest::newRow("weight goes down")
            << R"({"gates": {}, "steps": [{"weight_percent": 20}, {"weight_percent": 5},
                  {"promote": true}]})"
            << "steps[1].weight_percent: a split step's weight may not go down";
        QTest::newRow("gate kind")
            << R"({"gates": {"g": {"kind": "vibes"}}, "steps": [{"promote": true}]})"
            << R"(gates.g.kind: "vibes" is not one of)";
        QTest::newRow("alpha") << R"({"alpha": 0, "gates": {}, "steps": [{"promote": true}]})"
                               << "plan.alpha: must be above 0";
        QTest::newRow("floor on a flip gate")
            << R"({"gates": {"g": {"kind": "flip_rate", "floor": 0.01}}, "steps": [{"promote": true}]})"
            << "gates.g.floor: only for kind event_rate";
        QTest::newRow("floor above 1")
            << R"({"gates": {"g": {"kind": "event_rate", "event": "error", "floor": 1.5}},
                  "steps": [{"promote": true}]})"
            << "gates.g.floor: must be at least 0 and below 1";
        QTest::newRow("event missing")
            << R"({"gates": {"g": {"kind": "event_rate"}}, "steps": [{"promote": true}]})"
            << "gates.g.event: missing";
    }

    void malformedPlansSayWhatAndWhere() {
        QFETCH(QString, plan);
        QFETCH(QString, error);
        std::string why;
        QVERIFY(!parseRolloutPlan(plan.toStdString(), &why));
        QVERIFY2(QString::fromStdString(why).contains(error), why.c_str());
    }

    void durations() {
        QCOMPARE(parseDuration("90s"), std::optional(std::chrono::seconds(90)));
        QCOMPARE(parseDuration("2m"), std::optional(std::chrono::seconds(120)));
        QCOMPARE(parseDuration("1h30m"), std::optional(std::chrono::seconds(5400)));
        QCOMPARE(parseDuration("45"), std::optional(std::chrono::seconds(45)));
        QVERIFY(!parseDuration(""));
        QVERIFY(!parseDuration("2 minutes"));
        QVERIFY(!parseDuration("5m1h"));  // out of order
        QVERIFY(!parseDuration("2m3m"));
        QVERIFY(!parseDuration("-5s"));
        QCOMPARE(parseDuration("1h 5s"), std::optional(std::chrono::seconds(3605)));
        QCOMPARE(durationText(std::chrono::seconds(5400)), std::string("1h30m"));
        QCOMPARE(durationText(std::chrono::seconds(0)), std::string("0s"));
        QCOMPARE(durationText(std::chrono::seconds(125)), std::string("2m5s"));
    }
};

QTEST_GUILESS_MAIN(RolloutPlanTest)
#include "tst_rollout_plan.moc"
