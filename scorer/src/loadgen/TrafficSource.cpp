#include "loadgen/TrafficSource.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace fraud {

std::unique_ptr<TrafficSource> TrafficSource::synthetic(GeneratorConfig config, PacingConfig pacing,
                                                        EventClock clock) {
    std::unique_ptr<TrafficSource> s(new TrafficSource());
    config.idPrefix = "lg";
    s->generator_ = std::make_unique<PacedGenerator>(std::move(config), pacing, clock);
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

std::optional<SourcedTransaction> TrafficSource::tryNext() {
    std::lock_guard lock(mutex_);
    if (generator_) {
        auto paced = generator_->next();
        if (!paced)
            return std::nullopt;
        eventTime_ = toEpochMillis(paced->generated.tx.timestamp());
        if (count_++ == 0)
            firstEventTime_ = eventTime_;
        return SourcedTransaction{std::move(paced->generated.tx), paced->history};
    }
    const std::uint64_t n = count_++;
    SourcedTransaction out;
    out.tx.set_transaction_id("replay-" + std::to_string(n));
    const auto& row = table_.rows[n % table_.rows.size()];
    auto& features = *out.tx.mutable_features();
    for (std::size_t c : featureColumns_)
        features[table_.columns[c]] = row[c];
    return out;
}

SourcedTransaction TrafficSource::next() {
    for (;;) {
        if (auto s = tryNext())
            return std::move(*s);
        // Only a population too small to grow into the demand at once gets here: wait for its
        // next transaction (briefly: it grows again on the next try).
        EpochMillis wait = 0;
        {
            std::lock_guard lock(mutex_);
            wait = generator_->peekTime() - generator_->clock().now();
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::clamp<EpochMillis>(wait, 1, 50)));
    }
}

bool TrafficSource::warmingUp() {
    std::lock_guard lock(mutex_);
    return generator_ && generator_->warmingUp();
}

double TrafficSource::warmupProgress() {
    std::lock_guard lock(mutex_);
    return generator_ ? generator_->warmupProgress() : 1;
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

std::size_t TrafficSource::cards() const {
    std::lock_guard lock(mutex_);
    return generator_ ? generator_->cards() : 0;
}

double TrafficSource::txnsPerCardPerDay() const {
    std::lock_guard lock(mutex_);
    return generator_ ? generator_->txnsPerCardPerDay() : 0;
}

std::vector<std::string> TrafficSource::takeNotes() {
    std::lock_guard lock(mutex_);
    return generator_ ? generator_->takeNotes() : std::vector<std::string>{};
}

}  // namespace fraud
