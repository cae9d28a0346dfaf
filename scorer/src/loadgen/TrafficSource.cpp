#include "loadgen/TrafficSource.h"

#include <algorithm>
#include <stdexcept>

namespace fraud {

std::unique_ptr<TrafficSource> TrafficSource::synthetic(GeneratorConfig config) {
    std::unique_ptr<TrafficSource> s(new TrafficSource());
    config.idPrefix = "lg";
    s->generator_ = std::make_unique<TransactionGenerator>(std::move(config));
    return s;
}

std::unique_ptr<TrafficSource> TrafficSource::replay(const std::filesystem::path& csv,
                                                     const std::vector<std::string>& dropColumns) {
    std::unique_ptr<TrafficSource> s(new TrafficSource());
    s->table_ = CsvTable::read(csv);
    if (s->table_.rows.empty())
        throw std::runtime_error(csv.string() + " has no rows");
    for (const auto& d : dropColumns)
        s->table_.column(d);  // a typo is an error
    for (std::size_t c = 0; c < s->table_.columns.size(); ++c) {
        if (std::find(dropColumns.begin(), dropColumns.end(), s->table_.columns[c]) ==
            dropColumns.end()) {
            s->featureColumns_.push_back(c);
        }
    }
    return s;
}

v1::Transaction TrafficSource::next() {
    std::lock_guard lock(mutex_);
    const std::uint64_t n = count_++;
    if (generator_) {
        auto g = generator_->next();
        eventTime_ = toEpochMillis(g.tx.timestamp());
        if (n == 0)
            firstEventTime_ = eventTime_;
        return std::move(g.tx);
    }
    v1::Transaction tx;
    tx.set_transaction_id("replay-" + std::to_string(n));
    const auto& row = table_.rows[n % table_.rows.size()];
    auto& features = *tx.mutable_features();
    for (std::size_t c : featureColumns_)
        features[table_.columns[c]] = row[c];
    return tx;
}

void TrafficSource::setDrift(DriftKnobs knobs) {
    std::lock_guard lock(mutex_);
    if (!generator_)
        return;
    knobs.from = std::min(knobs.from, eventTime_);
    generator_->setDrift(knobs);
}

EpochMillis TrafficSource::firstEventTime() const {
    std::lock_guard lock(mutex_);
    return firstEventTime_;
}

EpochMillis TrafficSource::eventTime() const {
    std::lock_guard lock(mutex_);
    return eventTime_;
}

std::uint64_t TrafficSource::handedOut() const {
    std::lock_guard lock(mutex_);
    return count_;
}

}  // namespace fraud
