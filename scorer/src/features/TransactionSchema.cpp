#include "features/TransactionSchema.h"

#include <algorithm>
#include <utility>

namespace fraud {
namespace {

using namespace std::string_view_literals;

constexpr std::array kAmount{"amount"sv};
constexpr std::array kCardTime{"card_id"sv, "timestamp"sv};
constexpr std::array kCardTimeAmount{"card_id"sv, "timestamp"sv, "amount"sv};
constexpr std::array kMerchant{"card_id"sv, "timestamp"sv, "merchant_id"sv};
constexpr std::array kDevice{"card_id"sv, "timestamp"sv, "device_id"sv};
constexpr std::array kCountries{"country"sv, "card_country"sv};
constexpr std::array kTime{"timestamp"sv};
constexpr std::array kCategory{"merchant_category"sv};
constexpr std::array kChannel{"channel"sv};

constexpr std::array<TransactionFeatureInfo, kTransactionFeatureCount> kFeatures{{
    {"amount", "transaction amount", kAmount},
    {"card_txn_count_1h", "the card's earlier transactions in the hour before this one", kCardTime},
    {"card_txn_count_24h", "the card's earlier transactions in the 24 hours before this one",
     kCardTime},
    {"card_amount_sum_24h", "sum of the card's earlier amounts in the 24 hours before",
     kCardTimeAmount},
    {"amount_to_card_mean",
     "amount divided by the mean of the card's remembered earlier amounts (missing if none)",
     kCardTimeAmount},
    {"seconds_since_last_txn",
     "seconds since the card's latest earlier transaction (missing if "
     "none)",
     kCardTime},
    {"new_merchant", "1 if the card has not been used at this merchant before", kMerchant},
    {"new_device", "1 if the device is new for the card, 0 if known or no device", kDevice},
    {"country_mismatch", "1 if the merchant's country differs from the card's", kCountries},
    {"hour_of_day", "hour of the event time, UTC, 0-23", kTime, /*cyclic=*/true},
    {"merchant_category_risk", "prior risk of the merchant category code", kCategory},
    {"channel", "channel code: 1 POS, 2 e-commerce, 3 ATM, 4 mail/telephone order", kChannel},
}};

// Categories singled out by card networks' and acquirers' risk programmes: quasi-cash,
// gambling, digital goods, electronics and jewellery resale, wire transfers.
constexpr std::pair<std::string_view, double> kCategoryRisk[] = {
    {"4829", 0.70},  // money transfer
    {"6051", 0.75},  // quasi-cash, crypto
    {"7995", 0.65},  // gambling
    {"5967", 0.55},  // direct marketing, inbound telemarketing
    {"5816", 0.45},  // digital goods: games
    {"5732", 0.40},  // electronics
    {"5944", 0.40},  // jewellery
    {"4722", 0.25},  // travel agencies
    {"5691", 0.15},  // clothing
    {"5812", 0.08},  // restaurants
    {"5541", 0.10},  // fuel
    {"5411", 0.05},  // groceries
    {"4111", 0.05},  // commuter transport
    {"6011", 0.20},  // ATM cash
};
constexpr double kDefaultCategoryRisk = 0.20;

}  // namespace

std::span<const TransactionFeatureInfo> transactionFeatures() {
    return kFeatures;
}

double merchantCategoryRisk(std::string_view mcc) {
    const auto* it = std::find_if(std::begin(kCategoryRisk), std::end(kCategoryRisk),
                                  [&](const auto& e) { return e.first == mcc; });
    return it == std::end(kCategoryRisk) ? kDefaultCategoryRisk : it->second;
}

}  // namespace fraud
