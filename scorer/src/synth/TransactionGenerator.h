#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/Time.h"
#include "fraud/v1/transaction.pb.h"

namespace fraud {

enum class FraudPattern : std::uint8_t {
    None,
    CardTesting,           // a burst of tiny online amounts at many merchants, then a cash-out
    AccountTakeover,       // a new device, a foreign country, amounts far above the card's habit
    RiskyCategoryAtNight,  // gambling, quasi-cash, money transfer between 1 and 5 am
    MerchantCompromise,    // the card is used at a breached merchant, then cloned abroad
    FriendlyFraud,         // a genuine-looking purchase the cardholder later disputes
};
std::string_view toString(FraudPattern p);

// Shifts of the raw distributions, to make drifted traffic (and a second model version).
// Each knob touches only its raw field, so the features that depend on it move and the
// others do not (TransactionSchema.h holds the dependency map).
struct DriftKnobs {
    double amountScale = 1.0;  // every amount is multiplied by this
    double categoryShift = 0;  // share of transactions re-labelled to a high-risk category
    double countryShift = 0;   // share of transactions reported in a foreign country
    EpochMillis from = 0;      // event time from which the knobs apply

    bool any() const { return amountScale != 1.0 || categoryShift > 0 || countryShift > 0; }
};

struct GeneratorConfig {
    std::uint64_t seed = 1;
    std::size_t cards = 5000;
    std::size_t merchants = 2000;
    EpochMillis start = 0;    // simulated clock's origin (event time of the first draw)
    double fraudRate = 0.01;  // target share of fraudulent transactions (0.5-2 % typical)
    double txnsPerCardPerDay = 2.0;
    // Cards transact more by day than by night (true), or evenly around the clock (false: a
    // demo whose figures, velocity features included, are the same at any hour).
    bool diurnal = true;
    DriftKnobs drift;
    std::string idPrefix = "t";       // transaction ids are <prefix>-<seed>-<n>
    std::string cardPrefix = "card";  // card ids are <prefix>-<n>
};

struct GeneratedTransaction {
    v1::Transaction tx;
    bool fraud = false;
    FraudPattern pattern = FraudPattern::None;
    std::uint32_t card = 0;  // index of the card in the population (cards are added in order)
};

// A population of cards living on a simulated clock: each card has a home country, a
// spending habit, favourite merchants and devices, and transacts more by day than by
// night; fraud episodes of the patterns above strike random cards. Transactions come out
// in event-time order and are the same for the same seed. The clock is simulated, so a
// consumer can replay days of activity in seconds (the load generator maps it to the wall
// clock with a time-compression factor, keeping per-card rates those of training).
class TransactionGenerator {
public:
    explicit TransactionGenerator(GeneratorConfig config);
    ~TransactionGenerator();

    GeneratedTransaction next();
    // Event time of the transaction next() returns.
    EpochMillis peekTime();
    void setDrift(const DriftKnobs& drift) { config_.drift = drift; }
    const GeneratorConfig& config() const { return config_; }
    std::size_t cardCount() const;

    // Grows the population by `count` cards whose lives start at `from` (which may lie before
    // the events already handed out: a new card then arrives with a history of its own).
    void addCards(std::size_t count, EpochMillis from);
    // Changes every card's rate. Pending legitimate events are drawn again at the new rate
    // from their card's previous event, or from `notBefore` if that is later (exact for a
    // Poisson process, which has no memory), so the change applies at once rather than after
    // each card's next old-rate event.
    void setTxnsPerCardPerDay(double rate, EpochMillis notBefore);

private:
    struct Card;
    struct Merchant;
    struct Event {
        EpochMillis time;
        std::uint64_t seq;
        std::uint32_t card;
        FraudPattern pattern;
        std::shared_ptr<v1::Transaction> prepared;  // fraud events are drawn when scheduled
        EpochMillis after = 0;                      // legitimate: drawn as a gap from here
        bool operator>(const Event& o) const {
            return time != o.time ? time > o.time : seq > o.seq;
        }
    };

    Card makeCard(std::size_t index);
    void updateEpisodeRate();
    EpochMillis drawLegitTime(EpochMillis after);
    void scheduleLegit(std::uint32_t card, EpochMillis after);
    void scheduleNextEpisode(EpochMillis after);
    void startEpisode(EpochMillis at);
    void push(EpochMillis time, std::uint32_t card, FraudPattern pattern,
              std::shared_ptr<v1::Transaction> prepared, EpochMillis after = 0);
    v1::Transaction legitTransaction(const Card& card, EpochMillis time);
    std::shared_ptr<v1::Transaction> fraudTransaction(const Card& card, EpochMillis time,
                                                      std::uint32_t merchant, double amount,
                                                      v1::Channel channel,
                                                      const std::string& country,
                                                      const std::string& device);
    void fillCommon(v1::Transaction& tx, const Card& card, EpochMillis time,
                    const Merchant& merchant);
    void applyDrift(v1::Transaction& tx);
    std::uint32_t randomMerchant(std::string_view country,
                                 std::span<const std::string_view> categories);
    std::string randomForeignCountry(const std::string& home);
    double uniform(double a, double b);

    GeneratorConfig config_;
    std::mt19937_64 rng_;
    std::mt19937_64 driftRng_;
    // One distribution for every card: it keeps the second of each pair of normal draws.
    std::normal_distribution<double> habit_{3.5553480614894135, 0.6};  // log(35): a 35 EUR habit
    std::vector<Card> cards_;
    std::vector<Merchant> merchants_;
    // A min-heap on event time (std::push_heap with std::greater): a plain vector, so that a
    // rate change can redraw the pending events in place.
    std::vector<Event> queue_;
    std::uint64_t seq_ = 0;
    std::uint64_t txnCounter_ = 0;
    std::uint64_t fraudDeviceCounter_ = 0;
    double episodesPerMs_ = 0;
    double friendlyRate_ = 0;
};

}  // namespace fraud
