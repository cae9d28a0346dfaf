// What the release gates' per-card flags cost the request path: each recorded Score takes the
// card's shard lock once for its history (CardHistoryStore::observe) and once more, after the
// model has decided, for its outcome flags (flagCard). The second lock cannot join the first:
// the outcome is known only after the features read under the first have been scored, and
// holding the shard through model evaluation would serialize far more.
//
// Baseline: observe alone, the request path's card-history cost before the flags. Same cards,
// same events, same run; one thread and two (the scorer's request threads on this machine).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "features/CardHistoryStore.h"
#include "serving/CardFlags.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Event {
    std::string card;
    fraud::CardEvent event;
};

std::vector<Event> makeEvents(std::size_t count, std::size_t cards, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::size_t> card(0, cards - 1);
    std::vector<Event> out;
    out.reserve(count);
    const fraud::EpochMillis start = 1'790'000'000'000;
    for (std::size_t i = 0; i < count; ++i) {
        Event e;
        e.card = "card-" + std::to_string(card(rng));
        e.event.time = start + static_cast<fraud::EpochMillis>(i) * 10;
        e.event.amount = 10.0 + static_cast<double>(rng() % 50'000) / 100.0;
        e.event.merchant = static_cast<std::uint32_t>(rng());
        e.event.id = static_cast<std::uint32_t>(rng()) | 1u;
        out.push_back(std::move(e));
    }
    return out;
}

// Nanoseconds per event with `threads` threads each taking every threads-th event.
double nanosPerEvent(const std::vector<Event>& events, int threads, bool flags) {
    fraud::CardHistoryStore store;
    const auto start = Clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            std::uint64_t sink = 0;
            for (std::size_t i = static_cast<std::size_t>(t); i < events.size();
                 i += static_cast<std::size_t>(threads)) {
                const auto& e = events[i];
                const auto view = store.observe(e.card, e.event, true);
                sink += static_cast<std::uint64_t>(view.count24h);
                if (flags) {
                    sink += store.flagCard(e.card, 7, fraud::cardFlag::kScored, e.event.time);
                }
            }
            if (sink == 42)
                std::puts("");  // keeps the loop's results alive
        });
    }
    for (auto& w : workers)
        w.join();
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
           static_cast<double>(events.size());
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t count = 2'000'000, cards = 100'000;
    int passes = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--events"))
            count = std::strtoull(argv[i + 1], nullptr, 10);
        else if (!std::strcmp(argv[i], "--cards"))
            cards = std::strtoull(argv[i + 1], nullptr, 10);
        else if (!std::strcmp(argv[i], "--passes"))
            passes = std::atoi(argv[i + 1]);
    }
    const auto events = makeEvents(count, cards, 20261130);
    std::printf(
        "Card history per recorded event, %zu events over %zu cards, median of %d "
        "passes\n\n",
        count, cards, passes);
    std::printf("| threads | observe (baseline) | observe + flagCard | ratio |\n");
    std::printf("|---|---|---|---|\n");
    for (int threads : {1, 2}) {
        std::vector<double> base, flagged;
        for (int p = 0; p < passes; ++p) {  // interleaved, so drift hits both alike
            base.push_back(nanosPerEvent(events, threads, false));
            flagged.push_back(nanosPerEvent(events, threads, true));
        }
        std::sort(base.begin(), base.end());
        std::sort(flagged.begin(), flagged.end());
        const double b = base[base.size() / 2], f = flagged[flagged.size() / 2];
        std::printf("| %d | %.0f ns | %.0f ns | %.2f |\n", threads, b, f, f / b);
    }
    return 0;
}
