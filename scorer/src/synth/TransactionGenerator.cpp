#include "synth/TransactionGenerator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <span>

#include "common/Hash.h"

namespace fraud {
namespace {

using namespace std::string_view_literals;

constexpr std::uint32_t kEpisodeTrigger = std::numeric_limits<std::uint32_t>::max();
constexpr EpochMillis kMinute = 60'000;
constexpr EpochMillis kHour = 60 * kMinute;
constexpr EpochMillis kDay = 24 * kHour;

// Where the cards are issued, and how often (a European portfolio, like the ULB data).
constexpr std::array kCountries{"NL"sv, "DE"sv, "FR"sv, "BE"sv, "GB"sv, "ES"sv, "IT"sv};
constexpr std::array kCountryWeights{0.30, 0.20, 0.15, 0.10, 0.10, 0.08, 0.07};
// Countries that fraudsters cash out from, besides the card's own neighbours.
constexpr std::array kFraudCountries{"US"sv, "BR"sv, "NG"sv, "RU"sv, "CN"sv, "MX"sv};

struct Category {
    std::string_view mcc;
    double weight;        // share of merchants
    double amountFactor;  // typical ticket relative to the card's habit
    double onlineShare;   // share of its transactions that are e-commerce
};
constexpr std::array<Category, 13> kCategories{{
    {"5411", 0.25, 1.0, 0.05},  // groceries
    {"5812", 0.18, 0.8, 0.05},  // restaurants
    {"5541", 0.10, 1.2, 0.0},   // fuel
    {"5691", 0.10, 1.8, 0.40},  // clothing
    {"4111", 0.08, 0.2, 0.30},  // transport
    {"5732", 0.06, 4.0, 0.50},  // electronics
    {"4722", 0.04, 6.0, 0.80},  // travel
    {"5816", 0.05, 0.5, 1.0},   // digital goods
    {"5944", 0.02, 5.0, 0.30},  // jewellery
    {"5967", 0.03, 0.7, 1.0},   // direct marketing
    {"7995", 0.03, 1.5, 0.90},  // gambling
    {"4829", 0.02, 3.0, 0.90},  // money transfer
    {"6051", 0.04, 2.0, 0.90},  // quasi-cash
}};
constexpr std::array kTestingCategories{"5816"sv, "5967"sv};
constexpr std::array kTakeoverCategories{"5732"sv, "5944"sv, "4829"sv};
constexpr std::array kNightCategories{"7995"sv, "6051"sv, "4829"sv};
constexpr std::array kCloneCategories{"5732"sv, "5944"sv, "5541"sv};
constexpr std::array kHighRiskCategories{"7995"sv, "6051"sv, "4829"sv, "5967"sv};

// Relative activity by hour of day (UTC): quiet at night, busiest around midday and evening.
constexpr std::array<double, 24> kHourActivity{0.10, 0.06, 0.04, 0.03, 0.04, 0.08, 0.25, 0.55,
                                               0.80, 0.90, 0.95, 1.00, 1.00, 0.95, 0.90, 0.90,
                                               0.95, 1.00, 1.00, 0.95, 0.80, 0.60, 0.35, 0.20};

// Share of fraud that is friendly fraud: label noise no feature can explain.
constexpr double kFriendlyShare = 0.1;

// Mean fraudulent transactions an episode of each pattern makes, to size the episode rate.
constexpr double kMeanFraudPerEpisode = 0.3 * 11.0 + 0.3 * 2.0 + 0.2 * 2.0 + 0.2 * 2.5;

}  // namespace

std::string_view toString(FraudPattern p) {
    switch (p) {
        case FraudPattern::None:
            return "none";
        case FraudPattern::CardTesting:
            return "card_testing";
        case FraudPattern::AccountTakeover:
            return "account_takeover";
        case FraudPattern::RiskyCategoryAtNight:
            return "risky_category_at_night";
        case FraudPattern::MerchantCompromise:
            return "merchant_compromise";
        case FraudPattern::FriendlyFraud:
            return "friendly_fraud";
    }
    return "unknown";
}

struct TransactionGenerator::Card {
    std::string id;
    std::string country;
    double amountMu;  // log of the typical ticket
    std::vector<std::uint32_t> favourites;
    std::vector<std::string> devices;
};

struct TransactionGenerator::Merchant {
    std::string id;
    std::string_view mcc;
    std::string country;
    double amountFactor;
    double onlineShare;
};

TransactionGenerator::TransactionGenerator(GeneratorConfig config)
    : config_(std::move(config)), rng_(config_.seed), driftRng_(mix64(config_.seed + 1)) {
    std::discrete_distribution<std::size_t> countryPick(kCountryWeights.begin(),
                                                        kCountryWeights.end());
    std::vector<double> categoryWeights;
    for (const auto& c : kCategories)
        categoryWeights.push_back(c.weight);
    std::discrete_distribution<std::size_t> categoryPick(categoryWeights.begin(),
                                                         categoryWeights.end());
    merchants_.reserve(config_.merchants);
    for (std::size_t i = 0; i < std::max<std::size_t>(config_.merchants, 50); ++i) {
        const Category& c = kCategories[categoryPick(rng_)];
        merchants_.push_back(Merchant{"m-" + std::to_string(i), c.mcc,
                                      std::string(kCountries[countryPick(rng_)]), c.amountFactor,
                                      c.onlineShare});
    }
    cards_.reserve(config_.cards);
    for (std::size_t i = 0; i < config_.cards; ++i)
        cards_.push_back(makeCard(i));
    for (std::uint32_t i = 0; i < cards_.size(); ++i)
        scheduleLegit(i, config_.start);
    updateEpisodeRate();
    if (episodesPerMs_ > 0)
        scheduleNextEpisode(config_.start);
}

TransactionGenerator::Card TransactionGenerator::makeCard(std::size_t index) {
    std::discrete_distribution<std::size_t> countryPick(kCountryWeights.begin(),
                                                        kCountryWeights.end());
    Card card;
    card.id = config_.cardPrefix + "-" + std::to_string(index);
    card.country = std::string(kCountries[countryPick(rng_)]);
    card.amountMu = habit_(rng_);
    const int favourites = 3 + static_cast<int>(rng_() % 6);
    for (int f = 0; f < favourites; ++f) {
        card.favourites.push_back(randomMerchant(card.country, {}));
    }
    const int devices = 1 + static_cast<int>(rng_() % 2);
    for (int d = 0; d < devices; ++d) {
        card.devices.push_back(card.id + "-dev" + std::to_string(d));
    }
    return card;
}

void TransactionGenerator::updateEpisodeRate() {
    const double legitPerMs =
        static_cast<double>(cards_.size()) * config_.txnsPerCardPerDay / static_cast<double>(kDay);
    const double rate = std::clamp(config_.fraudRate, 0.0, 0.5);
    // A tenth of the fraud is friendly fraud, drawn among the legitimate-looking transactions.
    episodesPerMs_ = (1 - kFriendlyShare) * rate * legitPerMs / ((1 - rate) * kMeanFraudPerEpisode);
    friendlyRate_ = kFriendlyShare * rate;
}

void TransactionGenerator::addCards(std::size_t count, EpochMillis from) {
    const bool hadEpisodes = episodesPerMs_ > 0;
    for (std::size_t i = 0; i < count; ++i) {
        cards_.push_back(makeCard(cards_.size()));
        scheduleLegit(static_cast<std::uint32_t>(cards_.size() - 1), from);
    }
    config_.cards = cards_.size();
    updateEpisodeRate();
    if (!hadEpisodes && episodesPerMs_ > 0)
        scheduleNextEpisode(from);
}

void TransactionGenerator::setTxnsPerCardPerDay(double rate, EpochMillis notBefore) {
    config_.txnsPerCardPerDay = rate;
    const bool hadEpisodes = episodesPerMs_ > 0;
    updateEpisodeRate();
    EpochMillis earliest = std::numeric_limits<EpochMillis>::max();
    for (Event& e : queue_) {
        if (e.card != kEpisodeTrigger && !e.prepared) {
            e.after = std::max(e.after, notBefore);
            e.time = drawLegitTime(e.after);
            earliest = std::min(earliest, e.after);
        }
    }
    std::make_heap(queue_.begin(), queue_.end(), std::greater<>());
    if (!hadEpisodes && episodesPerMs_ > 0 && earliest != std::numeric_limits<EpochMillis>::max())
        scheduleNextEpisode(earliest);
}

TransactionGenerator::~TransactionGenerator() = default;

std::size_t TransactionGenerator::cardCount() const {
    return cards_.size();
}

double TransactionGenerator::uniform(double a, double b) {
    return std::uniform_real_distribution<double>(a, b)(rng_);
}

void TransactionGenerator::push(EpochMillis time, std::uint32_t card, FraudPattern pattern,
                                std::shared_ptr<v1::Transaction> prepared, EpochMillis after) {
    queue_.push_back(Event{time, seq_++, card, pattern, std::move(prepared), after});
    std::push_heap(queue_.begin(), queue_.end(), std::greater<>());
}

EpochMillis TransactionGenerator::drawLegitTime(EpochMillis after) {
    // A Poisson process thinned by the hour-of-day activity: the same daily count, most of
    // it by day.
    if (!config_.diurnal) {
        std::exponential_distribution<double> gap(config_.txnsPerCardPerDay /
                                                  static_cast<double>(kDay));
        return after + static_cast<EpochMillis>(gap(rng_)) + 1;
    }
    const double peakPerMs = config_.txnsPerCardPerDay / static_cast<double>(kDay) / 0.62;
    std::exponential_distribution<double> gap(peakPerMs);
    EpochMillis t = after;
    for (int attempt = 0; attempt < 1000; ++attempt) {
        t += static_cast<EpochMillis>(gap(rng_)) + 1;
        const auto hour = static_cast<std::size_t>(((t % kDay) + kDay) % kDay / kHour);
        if (uniform(0, 1) < kHourActivity[hour])
            break;
    }
    return t;
}

void TransactionGenerator::scheduleLegit(std::uint32_t card, EpochMillis after) {
    push(drawLegitTime(after), card, FraudPattern::None, nullptr, after);
}

void TransactionGenerator::scheduleNextEpisode(EpochMillis after) {
    std::exponential_distribution<double> gap(episodesPerMs_);
    push(after + static_cast<EpochMillis>(gap(rng_)) + 1, kEpisodeTrigger, FraudPattern::None,
         nullptr);
}

std::uint32_t TransactionGenerator::randomMerchant(std::string_view country,
                                                   std::span<const std::string_view> categories) {
    for (int attempt = 0; attempt < 4096; ++attempt) {
        const auto i = static_cast<std::uint32_t>(rng_() % merchants_.size());
        const Merchant& m = merchants_[i];
        if (!country.empty() && m.country != country)
            continue;
        if (!categories.empty() &&
            std::find(categories.begin(), categories.end(), m.mcc) == categories.end()) {
            continue;
        }
        return i;
    }
    return static_cast<std::uint32_t>(rng_() % merchants_.size());
}

std::string TransactionGenerator::randomForeignCountry(const std::string& home) {
    if (uniform(0, 1) < 0.5)
        return std::string(kFraudCountries[rng_() % kFraudCountries.size()]);
    for (;;) {
        auto c = std::string(kCountries[rng_() % kCountries.size()]);
        if (c != home)
            return c;
    }
}

void TransactionGenerator::fillCommon(v1::Transaction& tx, const Card& card, EpochMillis time,
                                      const Merchant& merchant) {
    tx.set_transaction_id(config_.idPrefix + "-" + std::to_string(config_.seed) + "-" +
                          std::to_string(txnCounter_++));
    tx.set_card_id(card.id);
    tx.set_merchant_id(merchant.id);
    tx.set_merchant_category(std::string(merchant.mcc));
    tx.set_currency("EUR");
    setEpochMillis(tx.mutable_timestamp(), time);
    tx.set_country(merchant.country);
    tx.set_card_country(card.country);
}

v1::Transaction TransactionGenerator::legitTransaction(const Card& card, EpochMillis time) {
    std::uint32_t m;
    const double where = uniform(0, 1);
    if (where < 0.70) {
        m = card.favourites[rng_() % card.favourites.size()];
    } else if (where < 0.96) {
        m = randomMerchant(card.country, {});
    } else {
        // Travelling: a merchant in another country.
        do {
            m = static_cast<std::uint32_t>(rng_() % merchants_.size());
        } while (merchants_[m].country == card.country);
    }
    const Merchant& merchant = merchants_[m];
    v1::Transaction tx;
    fillCommon(tx, card, time, merchant);
    std::normal_distribution<double> ticket(card.amountMu + std::log(merchant.amountFactor), 0.8);
    tx.set_amount(std::round(std::exp(ticket(rng_)) * 100) / 100 + 0.01);
    if (merchant.mcc == "6011") {
        tx.set_channel(v1::CHANNEL_ATM);
    } else if (uniform(0, 1) < merchant.onlineShare) {
        tx.set_channel(v1::CHANNEL_ECOM);
        // Now and then a real customer shops from a new phone.
        tx.set_device_id(uniform(0, 1) < 0.03 ? card.id + "-new" + std::to_string(rng_() % 1000)
                                              : card.devices[rng_() % card.devices.size()]);
    } else {
        tx.set_channel(uniform(0, 1) < 0.02 ? v1::CHANNEL_MOTO : v1::CHANNEL_POS);
    }
    return tx;
}

std::shared_ptr<v1::Transaction> TransactionGenerator::fraudTransaction(
    const Card& card, EpochMillis time, std::uint32_t merchant, double amount, v1::Channel channel,
    const std::string& country, const std::string& device) {
    auto tx = std::make_shared<v1::Transaction>();
    fillCommon(*tx, card, time, merchants_[merchant]);
    tx->set_amount(std::round(amount * 100) / 100 + 0.01);
    tx->set_channel(channel);
    if (!country.empty())
        tx->set_country(country);
    tx->set_device_id(device);
    return tx;
}

void TransactionGenerator::startEpisode(EpochMillis at) {
    const auto victimIndex = static_cast<std::uint32_t>(rng_() % cards_.size());
    const Card& victim = cards_[victimIndex];
    const double habit = std::exp(victim.amountMu);
    const std::string fraudDevice = "dev-x" + std::to_string(fraudDeviceCounter_++);
    const double p = uniform(0, 1);
    if (p < 0.3) {
        // Card testing: small online charges at many merchants, minutes apart, then cash-out.
        const std::string country =
            uniform(0, 1) < 0.6 ? randomForeignCountry(victim.country) : victim.country;
        const int tests = 5 + static_cast<int>(rng_() % 11);
        EpochMillis t = at;
        std::exponential_distribution<double> gap(1.0 / 40'000.0);
        for (int i = 0; i < tests; ++i) {
            t += static_cast<EpochMillis>(gap(rng_)) + 1000;
            push(t, victimIndex, FraudPattern::CardTesting,
                 fraudTransaction(victim, t, randomMerchant("", kTestingCategories),
                                  uniform(0.5, 3.0), v1::CHANNEL_ECOM, country, fraudDevice));
        }
        t += static_cast<EpochMillis>(uniform(1, 30) * kMinute);
        push(t, victimIndex, FraudPattern::CardTesting,
             fraudTransaction(victim, t, randomMerchant("", kTakeoverCategories),
                              uniform(200, 1500), v1::CHANNEL_ECOM, country, fraudDevice));
    } else if (p < 0.6) {
        // Account takeover: a new device in a foreign country spends big, once or twice more.
        // A third of takeovers come from the card's own country, which hides them better.
        const std::string country =
            uniform(0, 1) < 0.35 ? victim.country : randomForeignCountry(victim.country);
        const int n = 1 + static_cast<int>(rng_() % 3);
        EpochMillis t = at;
        for (int i = 0; i < n; ++i) {
            push(
                t, victimIndex, FraudPattern::AccountTakeover,
                fraudTransaction(victim, t, randomMerchant("", kTakeoverCategories),
                                 habit * uniform(1.5, 15), v1::CHANNEL_ECOM, country, fraudDevice));
            t += static_cast<EpochMillis>(uniform(2, 40) * kMinute);
        }
    } else if (p < 0.8) {
        // High-risk categories in the small hours, often from the card's own country.
        const EpochMillis dayStart = at - ((at % kDay) + kDay) % kDay;
        EpochMillis t = dayStart + kDay + static_cast<EpochMillis>(uniform(1, 5) * kHour);
        const int n = 1 + static_cast<int>(rng_() % 3);
        const std::string device =
            uniform(0, 1) < 0.5 ? fraudDevice : victim.devices[rng_() % victim.devices.size()];
        for (int i = 0; i < n; ++i) {
            push(t, victimIndex, FraudPattern::RiskyCategoryAtNight,
                 fraudTransaction(victim, t, randomMerchant("", kNightCategories), uniform(40, 800),
                                  v1::CHANNEL_ECOM, "", device));
            t += static_cast<EpochMillis>(uniform(3, 30) * kMinute);
        }
    } else {
        // Merchant compromise: a genuine purchase at a breached merchant, then the cloned
        // card is used in person abroad a day or two later.
        const Card& card = victim;
        const std::uint32_t breached = randomMerchant(card.country, {});
        auto visit = std::make_shared<v1::Transaction>();
        fillCommon(*visit, card, at, merchants_[breached]);
        visit->set_amount(std::round(habit * uniform(0.5, 2.0) * 100) / 100 + 0.01);
        visit->set_channel(v1::CHANNEL_POS);
        push(at, victimIndex, FraudPattern::None, std::move(visit));
        const std::string country =
            uniform(0, 1) < 0.3 ? card.country : randomForeignCountry(card.country);
        EpochMillis t = at + static_cast<EpochMillis>(uniform(0.5, 2.5) * kDay);
        const int n = 1 + static_cast<int>(rng_() % 4);
        for (int i = 0; i < n; ++i) {
            push(t, victimIndex, FraudPattern::MerchantCompromise,
                 fraudTransaction(card, t, randomMerchant("", kCloneCategories), uniform(30, 1500),
                                  v1::CHANNEL_POS, country, ""));
            t += static_cast<EpochMillis>(uniform(10, 120) * kMinute);
        }
    }
}

void TransactionGenerator::applyDrift(v1::Transaction& tx) {
    const DriftKnobs& d = config_.drift;
    if (!d.any() || toEpochMillis(tx.timestamp()) < d.from)
        return;
    if (d.amountScale != 1.0)
        tx.set_amount(std::round(tx.amount() * d.amountScale * 100) / 100);
    // Drift draws come from their own stream: the population's behaviour stays the same
    // transaction for transaction, and only the shifted fields differ.
    std::uniform_real_distribution<double> share(0, 1);
    if (d.categoryShift > 0 && share(driftRng_) < d.categoryShift) {
        tx.set_merchant_category(
            std::string(kHighRiskCategories[driftRng_() % kHighRiskCategories.size()]));
    }
    if (d.countryShift > 0 && share(driftRng_) < d.countryShift) {
        tx.set_country(std::string(kFraudCountries[driftRng_() % kFraudCountries.size()]));
    }
}

EpochMillis TransactionGenerator::peekTime() {
    // Episode triggers make no transaction themselves; they schedule the episode's ones.
    while (queue_.front().card == kEpisodeTrigger) {
        const EpochMillis at = queue_.front().time;
        std::pop_heap(queue_.begin(), queue_.end(), std::greater<>());
        queue_.pop_back();
        startEpisode(at);
        scheduleNextEpisode(at);
    }
    return queue_.front().time;
}

GeneratedTransaction TransactionGenerator::next() {
    peekTime();
    std::pop_heap(queue_.begin(), queue_.end(), std::greater<>());
    Event e = std::move(queue_.back());
    queue_.pop_back();
    {
        GeneratedTransaction out;
        out.card = e.card;
        if (e.prepared) {
            out.tx = std::move(*e.prepared);
            out.pattern = e.pattern;
            out.fraud = e.pattern != FraudPattern::None;
        } else {
            out.tx = legitTransaction(cards_[e.card], e.time);
            scheduleLegit(e.card, e.time);
            if (uniform(0, 1) < friendlyRate_) {
                out.fraud = true;
                out.pattern = FraudPattern::FriendlyFraud;
            }
        }
        applyDrift(out.tx);
        return out;
    }
}

}  // namespace fraud
