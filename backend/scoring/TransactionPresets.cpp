#include "scoring/TransactionPresets.h"

#include <google/protobuf/util/time_util.h>

#include <cmath>
#include <random>

namespace fraudops {
namespace {

constexpr qint64 kMinute = 60'000;
constexpr qint64 kHour = 60 * kMinute;
constexpr qint64 kDay = 24 * kHour;

void setTime(fraud::v1::Transaction& tx, qint64 millis) {
    *tx.mutable_timestamp() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(millis);
}

// Draws of one preset, reproducible from its seed.
class Draws {
public:
    explicit Draws(std::uint64_t seed) : rng_(seed) {}
    double uniform(double a, double b) {
        return std::uniform_real_distribution<double>(a, b)(rng_);
    }
    int integer(int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng_); }
    std::string id(const char* prefix) {
        std::string s = prefix;
        s += std::to_string(std::uniform_int_distribution<std::uint32_t>(100'000, 999'999)(rng_));
        return s;
    }
    double cents(double a, double b) { return std::round(uniform(a, b) * 100) / 100; }

private:
    std::mt19937_64 rng_;
};

fraud::v1::Transaction payment(Draws& d, const std::string& card, qint64 at, const char* category,
                               double amount, fraud::v1::Channel channel, const char* country,
                               const char* cardCountry, const std::string& device) {
    fraud::v1::Transaction tx;
    tx.set_transaction_id(d.id("test-"));
    tx.set_card_id(card);
    tx.set_merchant_id(d.id("m-test-"));
    tx.set_merchant_category(category);
    tx.set_amount(amount);
    tx.set_currency("EUR");
    setTime(tx, at);
    tx.set_channel(channel);
    tx.set_country(country);
    tx.set_card_country(cardCountry);
    tx.set_device_id(device);
    return tx;
}

// The card's ordinary life before an episode: a few purchases at home over the last days, on
// its own device, at a couple of usual merchants.
std::vector<fraud::v1::Transaction> habits(Draws& d, const fraud::v1::Transaction& tx, int n) {
    std::vector<fraud::v1::Transaction> out;
    const qint64 at = google::protobuf::util::TimeUtil::TimestampToMilliseconds(tx.timestamp());
    const char* categories[] = {"5411", "5812", "5541"};
    const std::string favourite = d.id("m-usual-");
    for (int i = n; i >= 1; --i) {
        auto p = payment(d, tx.card_id(), at - i * (kDay / 2) - d.integer(0, 3) * kHour,
                         categories[i % 3], d.cents(12, 70), fraud::v1::CHANNEL_POS,
                         tx.card_country().c_str(), tx.card_country().c_str(), "dev-own-phone");
        if (i % 2)
            p.set_merchant_id(favourite);
        out.push_back(p);
    }
    return out;
}

}  // namespace

std::vector<PresetKind> presetKinds() {
    return {PresetKind::Legitimate,         PresetKind::CardTesting,
            PresetKind::AccountTakeover,    PresetKind::RiskyCategoryAtNight,
            PresetKind::MerchantCompromise, PresetKind::FriendlyFraud};
}

TransactionPreset makePreset(PresetKind kind, qint64 now, std::uint64_t seed) {
    Draws d(seed * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(kind));
    TransactionPreset p;
    const std::string card = d.id("card-test-");
    const qint64 at = now - 1000;
    switch (kind) {
        case PresetKind::Legitimate: {
            p.name = "Legitimate payment";
            p.description =
                "An ordinary purchase at home, on the card's own phone, after its usual "
                "week: what most traffic looks like.";
            p.transaction = payment(d, card, at, "5411", d.cents(15, 60), fraud::v1::CHANNEL_POS,
                                    "NL", "NL", "dev-own-phone");
            p.prior = habits(d, p.transaction, 6);
            break;
        }
        case PresetKind::CardTesting: {
            p.name = "Card testing";
            p.description =
                "Small online charges at digital-goods merchants, seconds to minutes "
                "apart, from a new device abroad: a stolen card being tried before it "
                "is cashed out.";
            const std::string device = d.id("dev-x");
            p.transaction = payment(d, card, at, "5816", d.cents(0.5, 3), fraud::v1::CHANNEL_ECOM,
                                    "RO", "NL", device);
            const int tests = d.integer(6, 10);
            for (int i = tests; i >= 1; --i) {
                p.prior.push_back(payment(d, card, at - i * d.integer(20, 60) * 1000,
                                          i % 2 ? "5816" : "5967", d.cents(0.5, 3),
                                          fraud::v1::CHANNEL_ECOM, "RO", "NL", device));
            }
            break;
        }
        case PresetKind::AccountTakeover: {
            p.name = "Account takeover";
            p.description =
                "A new device in another country spends ten times the card's usual "
                "ticket on electronics online.";
            p.transaction = payment(d, card, at, "5732", d.cents(450, 1400),
                                    fraud::v1::CHANNEL_ECOM, "BR", "NL", d.id("dev-x"));
            p.prior = habits(d, p.transaction, 6);
            break;
        }
        case PresetKind::RiskyCategoryAtNight: {
            p.name = "Risky category at night";
            p.description =
                "Gambling or quasi-cash online in the small hours, from the card's own "
                "country.";
            const qint64 dayStart = at - ((at % kDay) + kDay) % kDay;
            const qint64 night = dayStart + 3 * kHour + d.integer(0, 59) * kMinute;
            p.transaction =
                payment(d, card, night <= at ? night : night - kDay, "7995", d.cents(200, 800),
                        fraud::v1::CHANNEL_ECOM, "NL", "NL", d.id("dev-x"));
            p.prior = habits(d, p.transaction, 4);
            break;
        }
        case PresetKind::MerchantCompromise: {
            p.name = "Merchant compromise";
            p.description =
                "A genuine purchase at a breached merchant yesterday, then the cloned "
                "card used in person abroad.";
            p.transaction = payment(d, card, at, "5944", d.cents(300, 1500), fraud::v1::CHANNEL_POS,
                                    "US", "NL", "");
            p.prior = habits(d, p.transaction, 4);
            p.prior.push_back(payment(d, card, at - kDay - d.integer(0, 6) * kHour, "5411",
                                      d.cents(20, 80), fraud::v1::CHANNEL_POS, "NL", "NL", ""));
            break;
        }
        case PresetKind::FriendlyFraud: {
            p.name = "Friendly fraud";
            p.description =
                "The cardholder's own ordinary purchase, disputed later: it looks "
                "legitimate, so no model of these features should decline it.";
            p.transaction = payment(d, card, at, "5691", d.cents(40, 150), fraud::v1::CHANNEL_ECOM,
                                    "NL", "NL", "dev-own-phone");
            p.prior = habits(d, p.transaction, 6);
            break;
        }
    }
    return p;
}

std::vector<fraud::v1::Transaction> priorPayments(const fraud::v1::Transaction& tx, int n,
                                                  double amount, double minutesApart,
                                                  fraud::v1::Channel channel) {
    std::vector<fraud::v1::Transaction> out;
    const qint64 at = google::protobuf::util::TimeUtil::TimestampToMilliseconds(tx.timestamp());
    for (int i = n; i >= 1; --i) {
        fraud::v1::Transaction p = tx;
        p.set_transaction_id(tx.transaction_id() + "-prior-" + std::to_string(i));
        p.set_merchant_id(tx.merchant_id() + "-" + std::to_string(i));
        p.set_amount(amount);
        p.set_channel(channel);
        if (channel != fraud::v1::CHANNEL_ECOM && channel != fraud::v1::CHANNEL_MOTO)
            p.clear_device_id();
        setTime(p, at - static_cast<qint64>(std::llround(i * minutesApart * kMinute)));
        out.push_back(p);
    }
    return out;
}

}  // namespace fraudops
