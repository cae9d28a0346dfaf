#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace fraudops::rollout {

// How much a set of Prometheus counters grew since a step began, read from their raw values,
// series by series, look after look. Not increase(): that extrapolates to the window's edges and
// misses the part of a window before a restart. Here a series that went down was reset (its
// process restarted) and counts from zero again; a series seen for the first time (a new
// replica) counts from zero too, since it began after the step. What a restarted process
// counted between the last look and its restart is lost, never double-counted.
class CounterTally {
public:
    // The counters' current values, by series (the series' label set, as text).
    using Values = std::map<std::string, double>;

    // The first look: the step's starting point. Nothing before it counts.
    void start(const Values& values);
    // A later look: adds each series' growth since the last look, and returns the total growth
    // in this look.
    double observe(const Values& values);

    double total() const { return total_; }
    bool started() const { return started_; }
    std::size_t resetsSeen() const { return resets_; }

    // The tally survives a runner's restart in the rollout run record.
    nlohmann::json toJson() const;
    static CounterTally fromJson(const nlohmann::json& j);

private:
    Values last_;
    double total_ = 0;
    std::size_t resets_ = 0;
    bool started_ = false;
};

}  // namespace fraudops::rollout
