#include "rollout/RolloutPlan.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "rollout/YamlDocument.h"

namespace fraudops {
namespace {

using nlohmann::json;

// A plan error, with where it is.
struct PlanError {
    std::string message;
};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw PlanError{where + ": " + what};
}

void onlyKeys(const json& object, const std::string& where, std::set<std::string> allowed) {
    if (!object.is_object())
        fail(where, "must be an object");
    for (const auto& [key, value] : object.items()) {
        if (!allowed.count(key)) {
            std::string list;
            for (const auto& a : allowed)
                list += (list.empty() ? "" : ", ") + a;
            fail(where + "." + key, "unknown key (expected one of: " + list + ")");
        }
    }
}

std::string text(const json& object, const std::string& key, const std::string& where,
                 const std::string& fallback) {
    if (!object.contains(key))
        return fallback;
    if (!object[key].is_string())
        fail(where + "." + key, "must be a string");
    return object[key].get<std::string>();
}

double number(const json& object, const std::string& key, const std::string& where,
              double fallback) {
    if (!object.contains(key))
        return fallback;
    if (!object[key].is_number())
        fail(where + "." + key, "must be a number");
    return object[key].get<double>();
}

template <typename E>
E choice(const json& object, const std::string& key, const std::string& where, E fallback,
         const std::vector<std::pair<std::string, E>>& names) {
    if (!object.contains(key))
        return fallback;
    const std::string value = text(object, key, where, {});
    std::string list;
    for (const auto& [name, e] : names) {
        if (name == value)
            return e;
        list += (list.empty() ? "" : ", ") + name;
    }
    fail(where + "." + key, "\"" + value + "\" is not one of: " + list);
}

std::chrono::seconds duration(const json& object, const std::string& key, const std::string& where,
                              std::chrono::seconds fallback) {
    if (!object.contains(key))
        return fallback;
    const auto& v = object[key];
    if (v.is_number_unsigned())
        return std::chrono::seconds(v.get<std::uint64_t>());
    if (v.is_string()) {
        if (auto d = parseDuration(v.get<std::string>()))
            return *d;
    }
    fail(where + "." + key, "must be a duration such as \"90s\", \"2m\" or \"1h30m\"");
}

const std::vector<std::pair<std::string, GateSpec::Kind>> kKinds{
    {"event_rate", GateSpec::Kind::EventRate},
    {"flip_rate", GateSpec::Kind::FlipRate},
    {"flip_balance", GateSpec::Kind::FlipBalance},
    {"score_distribution", GateSpec::Kind::ScoreDistribution}};
const std::vector<std::pair<std::string, GateSpec::Event>> kEvents{
    {"error", GateSpec::Event::Error},
    {"decline", GateSpec::Event::Decline},
    {"slow_request", GateSpec::Event::SlowRequest}};
const std::vector<std::pair<std::string, GateSpec::Unit>> kUnits{
    {"cards", GateSpec::Unit::Cards}, {"requests", GateSpec::Unit::Requests}};
const std::vector<std::pair<std::string, gates::Sides>> kSides{{"worse", gates::Sides::Worse},
                                                               {"both", gates::Sides::Both}};
const std::vector<std::pair<std::string, RolloutStep::Mode>> kModes{
    {"split", RolloutStep::Mode::Split}, {"shadow", RolloutStep::Mode::Shadow}};
const std::vector<std::pair<std::string, RolloutStep::OnPass>> kOnPass{
    {"advance", RolloutStep::OnPass::Advance},
    {"wait_for_approval", RolloutStep::OnPass::WaitForApproval}};
const std::vector<std::pair<std::string, RolloutStep::OnFail>> kOnFail{
    {"abort", RolloutStep::OnFail::Abort}, {"pause", RolloutStep::OnFail::Pause}};

template <typename E>
std::string nameOf(E value, const std::vector<std::pair<std::string, E>>& names) {
    for (const auto& [name, e] : names) {
        if (e == value)
            return name;
    }
    return {};
}

GateSpec gateFrom(const std::string& name, const json& g, const std::string& where) {
    onlyKeys(g, where, {"kind", "event", "unit", "sides", "tolerance", "floor"});
    GateSpec spec;
    spec.name = name;
    if (!g.contains("kind"))
        fail(where + ".kind",
             "missing (one of: event_rate, flip_rate, flip_balance, "
             "score_distribution)");
    spec.kind = choice(g, "kind", where, GateSpec::Kind::EventRate, kKinds);
    double tolerance = 0.2;
    if (spec.kind == GateSpec::Kind::EventRate) {
        if (!g.contains("event"))
            fail(where + ".event", "missing (one of: error, decline, slow_request)");
        spec.event = choice(g, "event", where, GateSpec::Event::Error, kEvents);
        // Requests over the SLO are a request's property; errors and declines burst per card.
        spec.unit = choice(g, "unit", where,
                           spec.event == GateSpec::Event::SlowRequest ? GateSpec::Unit::Requests
                                                                      : GateSpec::Unit::Cards,
                           kUnits);
        // Fewer declines can mean missed fraud: both ways by default.
        spec.sides = choice(
            g, "sides", where,
            spec.event == GateSpec::Event::Decline ? gates::Sides::Both : gates::Sides::Worse,
            kSides);
        spec.floor = number(g, "floor", where, 0);
        if (!(spec.floor >= 0 && spec.floor < 1))
            fail(where + ".floor", "must be at least 0 and below 1");
    } else {
        for (const char* key : {"event", "unit", "sides", "floor"}) {
            if (g.contains(key))
                fail(where + "." + key, "only for kind event_rate");
        }
        tolerance = spec.kind == GateSpec::Kind::FlipRate      ? 0.02
                    : spec.kind == GateSpec::Kind::FlipBalance ? 0.15
                                                               : 0.1;
    }
    spec.tolerance = number(g, "tolerance", where, tolerance);
    if (!(spec.tolerance > 0) || (spec.kind != GateSpec::Kind::EventRate && spec.tolerance >= 1))
        fail(where + ".tolerance",
             "must be above 0" +
                 std::string(spec.kind == GateSpec::Kind::EventRate ? "" : " and below 1"));
    return spec;
}

RolloutPlan planFrom(const json& doc) {
    onlyKeys(doc, "plan", {"name", "alpha", "gates", "steps"});
    RolloutPlan plan;
    plan.name = text(doc, "name", "plan", "plan");
    plan.alpha = number(doc, "alpha", "plan", 0.05);
    if (!(plan.alpha > 0 && plan.alpha <= 0.5))
        fail("plan.alpha", "must be above 0 and at most 0.5");
    if (!doc.contains("gates") || !doc["gates"].is_object())
        fail("plan.gates", "missing: an object of named gates");
    for (const auto& [name, g] : doc["gates"].items())
        plan.gates[name] = gateFrom(name, g, "gates." + name);
    if (!doc.contains("steps") || !doc["steps"].is_array() || doc["steps"].empty())
        fail("plan.steps", "missing: a list of steps ending with {\"promote\": true}");
    const auto& steps = doc["steps"];
    double lastSplit = 0;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const std::string where = "steps[" + std::to_string(i) + "]";
        const auto& s = steps[i];
        RolloutStep step;
        if (s.is_object() && s.contains("promote")) {
            onlyKeys(s, where, {"promote"});
            if (s["promote"] != true)
                fail(where + ".promote", "must be true");
            if (i + 1 != steps.size())
                fail(where, "promotion must be the last step");
            step.promote = true;
            step.weightBasisPoints = 10'000;
            plan.steps.push_back(step);
            continue;
        }
        onlyKeys(s, where,
                 {"weight_percent", "mode", "min_duration", "max_duration", "gates", "on_pass",
                  "on_fail"});
        if (!s.contains("weight_percent"))
            fail(where + ".weight_percent", "missing");
        const double weight = number(s, "weight_percent", where, 0);
        if (!(weight > 0 && weight <= 100))
            fail(where + ".weight_percent",
                 s["weight_percent"].dump() + " is not above 0 and at most 100");
        step.weightBasisPoints = static_cast<int>(std::lround(weight * 100));
        step.mode = choice(s, "mode", where, RolloutStep::Mode::Split, kModes);
        step.minimum = duration(s, "min_duration", where, std::chrono::minutes(2));
        step.maximum = duration(s, "max_duration", where, 10 * step.minimum);
        if (step.maximum < step.minimum)
            fail(where + ".max_duration", "is shorter than min_duration");
        step.onPass = choice(s, "on_pass", where, RolloutStep::OnPass::Advance, kOnPass);
        step.onFail = choice(s, "on_fail", where, RolloutStep::OnFail::Abort, kOnFail);
        if (s.contains("gates")) {
            if (!s["gates"].is_array())
                fail(where + ".gates", "must be a list of gate names");
            for (std::size_t k = 0; k < s["gates"].size(); ++k) {
                const std::string at = where + ".gates[" + std::to_string(k) + "]";
                if (!s["gates"][k].is_string())
                    fail(at, "must be a gate's name");
                const auto name = s["gates"][k].get<std::string>();
                const auto it = plan.gates.find(name);
                if (it == plan.gates.end())
                    fail(at, "no gate named \"" + name + "\" in gates");
                const bool flips = it->second.kind == GateSpec::Kind::FlipRate ||
                                   it->second.kind == GateSpec::Kind::FlipBalance;
                if (flips && step.mode != RolloutStep::Mode::Shadow)
                    fail(at, "\"" + name + "\" compares decisions: only in a shadow step");
                step.gates.push_back(name);
            }
        }
        if (step.mode == RolloutStep::Mode::Split) {
            if (weight < lastSplit)
                fail(where + ".weight_percent", "a split step's weight may not go down");
            lastSplit = weight;
        }
        plan.steps.push_back(step);
    }
    if (!plan.steps.back().promote)
        fail("steps[" + std::to_string(steps.size() - 1) + "]",
             "the last step must be {\"promote\": true}");
    return plan;
}

}  // namespace

double RolloutPlan::alphaPerGate() const {
    std::set<std::string> used;
    for (const auto& s : steps)
        used.insert(s.gates.begin(), s.gates.end());
    return used.empty() ? alpha : alpha / static_cast<double>(used.size());
}

std::optional<std::chrono::seconds> parseDuration(const std::string& text) {
    // [Nh][Nm][N[s]], each part at most once and in that order; plain N is seconds.
    long long seconds = 0;
    std::size_t i = 0;
    int lastUnit = -1;  // 0 h, 1 m, 2 s
    bool any = false;
    while (i < text.size()) {
        if (text[i] == ' ') {
            ++i;
            continue;
        }
        if (text[i] < '0' || text[i] > '9')
            return std::nullopt;
        long long n = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            n = n * 10 + (text[i] - '0');
            if (n > 100'000'000)
                return std::nullopt;
            ++i;
        }
        const char unit = i < text.size() ? text[i] : 's';
        const int rank = unit == 'h' ? 0 : unit == 'm' ? 1 : unit == 's' ? 2 : -1;
        if (rank <= lastUnit)
            return std::nullopt;
        seconds += n * (rank == 0 ? 3600 : rank == 1 ? 60 : 1);
        lastUnit = rank;
        any = true;
        if (i < text.size())
            ++i;
    }
    if (!any)
        return std::nullopt;
    return std::chrono::seconds(seconds);
}

std::string durationText(std::chrono::seconds d) {
    const long long s = d.count();
    std::string out;
    if (s >= 3600)
        out += std::to_string(s / 3600) + "h";
    if (s % 3600 >= 60)
        out += std::to_string(s % 3600 / 60) + "m";
    if (s % 60 != 0 || out.empty())
        out += std::to_string(s % 60) + "s";
    return out;
}

namespace {

// JSON is nearly YAML, but JSON's own reader gives JSON's messages for JSON's mistakes.
bool looksLikeJson(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    return first != std::string::npos && text[first] == '{';
}

}  // namespace

std::optional<RolloutPlan> parseRolloutPlan(const std::string& text, std::string* error) {
    const bool isJson = looksLikeJson(text);
    try {
        return planFrom(isJson ? json::parse(text) : rollout::jsonFromYaml(text));
    } catch (const PlanError& e) {
        if (error)
            *error = e.message;
    } catch (const json::exception& e) {
        if (error)
            *error = std::string("not JSON: ") + e.what();
    } catch (const std::runtime_error& e) {
        if (error)
            *error = std::string("not YAML: ") + e.what();
    }
    return std::nullopt;
}

std::string rolloutPlanJson(const RolloutPlan& plan) {
    json doc;
    doc["name"] = plan.name;
    doc["alpha"] = plan.alpha;
    doc["gates"] = json::object();
    for (const auto& [name, g] : plan.gates) {
        json j;
        j["kind"] = nameOf(g.kind, kKinds);
        if (g.kind == GateSpec::Kind::EventRate) {
            j["event"] = nameOf(g.event, kEvents);
            j["unit"] = nameOf(g.unit, kUnits);
            j["sides"] = nameOf(g.sides, kSides);
            if (g.floor > 0)
                j["floor"] = g.floor;
        }
        j["tolerance"] = g.tolerance;
        doc["gates"][name] = j;
    }
    doc["steps"] = json::array();
    for (const auto& s : plan.steps) {
        if (s.promote) {
            doc["steps"].push_back({{"promote", true}});
            continue;
        }
        json j;
        j["weight_percent"] = s.weightBasisPoints / 100.0;
        j["mode"] = nameOf(s.mode, kModes);
        j["min_duration"] = durationText(s.minimum);
        j["max_duration"] = durationText(s.maximum);
        j["gates"] = s.gates;
        j["on_pass"] = nameOf(s.onPass, kOnPass);
        j["on_fail"] = nameOf(s.onFail, kOnFail);
        doc["steps"].push_back(j);
    }
    return doc.dump(2) + "\n";
}

std::optional<StartMode> parseStartMode(const std::string& text) {
    if (text == "plan")
        return StartMode::AsPlanned;
    if (text == "split")
        return StartMode::SplitOnly;
    if (text == "shadow")
        return StartMode::ShadowOnly;
    return std::nullopt;
}

const char* startModeName(StartMode mode) {
    switch (mode) {
        case StartMode::SplitOnly:
            return "split";
        case StartMode::ShadowOnly:
            return "shadow";
        case StartMode::AsPlanned:
            break;
    }
    return "plan";
}

std::optional<RolloutPlan> planInMode(const RolloutPlan& plan, StartMode mode, std::string* error) {
    if (mode == StartMode::AsPlanned)
        return plan;
    RolloutPlan out = plan;
    out.steps.clear();
    for (RolloutStep step : plan.steps) {
        if (mode == StartMode::SplitOnly && !step.promote && step.mode == RolloutStep::Mode::Shadow)
            continue;
        if (mode == StartMode::ShadowOnly && !step.promote)
            step.mode = RolloutStep::Mode::Shadow;
        out.steps.push_back(std::move(step));
    }
    const auto compared = std::count_if(out.steps.begin(), out.steps.end(),
                                        [](const RolloutStep& s) { return !s.promote; });
    if (compared == 0) {
        *error = std::string("plan \"") + plan.name + "\" has no " + startModeName(mode) +
                 " step to compare in";
        return std::nullopt;
    }
    if (mode == StartMode::ShadowOnly) {
        // The canary has decided no card: a person decides whether it decides them all.
        auto last = std::find_if(out.steps.rbegin(), out.steps.rend(),
                                 [](const RolloutStep& s) { return !s.promote; });
        last->onPass = RolloutStep::OnPass::WaitForApproval;
    }
    out.name += mode == StartMode::SplitOnly ? " (split only)" : " (shadow only)";
    // The result must be a plan its own reader accepts, like any plan a person wrote.
    return parseRolloutPlan(rolloutPlanJson(out), error);
}

}  // namespace fraudops
