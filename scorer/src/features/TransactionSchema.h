#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace fraud {

// The built-in transaction feature schema. Its version changes whenever a feature's
// meaning changes, so a model is never fed features it was not trained on.
inline constexpr int kTransactionSchemaVersion = 1;

enum class TransactionFeature : std::size_t {
    Amount,
    CardTxnCount1h,
    CardTxnCount24h,
    CardAmountSum24h,
    AmountToCardMean,
    SecondsSinceLastTxn,
    NewMerchant,
    NewDevice,
    CountryMismatch,
    HourOfDay,
    MerchantCategoryRisk,
    Channel,
};
inline constexpr std::size_t kTransactionFeatureCount = 12;

// One feature of the schema: its name, what it means, and the raw Transaction fields
// it depends on. The drift tests rely on this map: shifting a raw field must move
// exactly the features that list it.
struct TransactionFeatureInfo {
    std::string_view name;
    std::string_view description;
    std::span<const std::string_view> rawFields;
    // Cycles by construction (the hour of day): any window shorter than its period differs
    // from a baseline over whole periods, so drift verdicts leave it out.
    bool cyclic = false;
};

std::span<const TransactionFeatureInfo> transactionFeatures();

// Prior fraud risk of a merchant category code, in [0, 1]; part of the schema (a new
// table is a new schema version). Unknown codes get the table's default.
double merchantCategoryRisk(std::string_view mcc);

}  // namespace fraud
