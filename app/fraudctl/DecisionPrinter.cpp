#include "DecisionPrinter.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

#include "scoring/ApiNames.h"

namespace fraudops {
namespace {

// fraudctl's columns: the decision in capitals, "?" and "-" for what the API leaves unset.
std::string decisionColumn(fraud::v1::Decision d) {
    std::string name(decisionName(d));
    for (char& c : name)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name.empty() ? "?" : name;
}

std::string channelColumn(fraud::v1::Channel c) {
    const auto name = channelName(c);
    return name.empty() ? "-" : std::string(name);
}

std::string format(const char* fmt, auto... args) {
    char buf[256];
    std::snprintf(buf, sizeof buf, fmt, args...);
    return buf;
}

}  // namespace

void printDecision(std::ostream& out, const fraud::v1::Transaction& tx,
                   const fraud::v1::ScoreResult& result, int topFeatures) {
    out << format("%-16s %-11s %9.2f %s  %-4s mcc %s  %s->%s  score %.4f  %-7s  (%s, %s)\n",
                  tx.transaction_id().c_str(), tx.card_id().c_str(), tx.amount(),
                  tx.currency().c_str(), channelColumn(tx.channel()).c_str(),
                  tx.merchant_category().c_str(), tx.card_country().c_str(), tx.country().c_str(),
                  result.score(), decisionColumn(result.decision()).c_str(),
                  result.model_version().c_str(),
                  result.variant() == fraud::v1::VARIANT_CANARY ? "canary" : "stable");
    if (result.card_history_missing())
        out << "    card history unavailable: scored with the velocity features missing\n";
    if (!result.has_explanation() || topFeatures <= 0)
        return;
    const auto& e = result.explanation();
    out << format("    log-odds %.3f = base %.3f", e.margin(), e.base_value());
    double rest = 0;
    int shown = 0;
    for (const auto& c : e.contributions()) {
        if (shown < topFeatures) {
            out << format(" %+.3f %s", c.contribution(), c.feature().c_str());
            if (std::isnan(c.value())) {
                out << "=missing";
            } else {
                out << format("=%g", c.value());
            }
            ++shown;
        } else {
            rest += c.contribution();
        }
    }
    if (e.contributions_size() > shown)
        out << format(" %+.3f others", rest);
    out << "\n";
}

}  // namespace fraudops
