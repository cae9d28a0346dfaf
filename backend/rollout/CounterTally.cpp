#include "rollout/CounterTally.h"

namespace fraudops::rollout {

void CounterTally::start(const Values& values) {
    last_ = values;
    total_ = 0;
    resets_ = 0;
    started_ = true;
}

double CounterTally::observe(const Values& values) {
    if (!started_) {
        start(values);
        return 0;
    }
    double grown = 0;
    for (const auto& [series, value] : values) {
        const auto it = last_.find(series);
        if (it == last_.end()) {
            grown += value;  // a series born after the step began
        } else if (value >= it->second) {
            grown += value - it->second;
        } else {
            grown += value;  // reset: its process restarted and counts from zero
            ++resets_;
        }
    }
    // A series that vanished (its replica gone) keeps its last value, so that a comeback
    // without a restart counts only what it adds.
    for (const auto& [series, value] : values)
        last_[series] = value;
    total_ += grown;
    return grown;
}

nlohmann::json CounterTally::toJson() const {
    return {{"last", last_}, {"total", total_}, {"resets", resets_}, {"started", started_}};
}

CounterTally CounterTally::fromJson(const nlohmann::json& j) {
    CounterTally t;
    t.last_ = j.at("last").get<Values>();
    t.total_ = j.at("total").get<double>();
    t.resets_ = j.value("resets", std::size_t{0});
    t.started_ = j.value("started", true);
    return t;
}

}  // namespace fraudops::rollout
