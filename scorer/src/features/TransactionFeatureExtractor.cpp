#include "features/TransactionFeatureExtractor.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "common/Hash.h"
#include "common/Time.h"
#include "features/TransactionSchema.h"
#include "fraud/v1/transaction.pb.h"

namespace fraud {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

void set(std::span<float> out, TransactionFeature f, double value) {
    out[static_cast<std::size_t>(f)] = static_cast<float>(value);
}

CardEvent cardEvent(const v1::Transaction& tx) {
    CardEvent event;
    event.time = toEpochMillis(tx.timestamp());
    event.amount = tx.amount();
    event.merchant = static_cast<std::uint32_t>(hash64(tx.merchant_id()));
    event.hasDevice = !tx.device_id().empty();
    event.device = event.hasDevice ? static_cast<std::uint32_t>(hash64(tx.device_id())) : 0;
    if (!tx.transaction_id().empty()) {
        // 32 bits: a card remembers 32 events, so two ids of one card collide once in 2^27.
        event.id = static_cast<std::uint32_t>(hash64(tx.transaction_id()));
        if (event.id == 0)
            event.id = 1;  // 0 means "no id"
    }
    return event;
}

}  // namespace

TransactionFeatureExtractor::TransactionFeatureExtractor(CardHistory& history)
    : store_(history), schema_(FeatureSchema::builtinTransaction()) {}

bool TransactionFeatureExtractor::extract(const v1::Transaction& tx, std::span<float> out,
                                          bool record) {
    const CardHistoryView h = store_.observe(tx.card_id(), cardEvent(tx), record);
    fill(tx, tx.amount(), h, out);
    return h.available;
}

void TransactionFeatureExtractor::extractBatch(std::span<const v1::Transaction* const> txs,
                                               std::span<float> out, bool record,
                                               std::vector<bool>& available) {
    available.resize(txs.size());
    thread_local std::vector<CardLookup> lookups;
    thread_local std::vector<CardHistoryView> views;
    lookups.clear();
    for (const v1::Transaction* tx : txs)
        lookups.push_back({tx->card_id(), cardEvent(*tx), record});
    views.resize(txs.size());
    store_.observeBatch(lookups, views);
    for (std::size_t i = 0; i < txs.size(); ++i) {
        fill(*txs[i], txs[i]->amount(), views[i],
             out.subspan(i * kTransactionFeatureCount, kTransactionFeatureCount));
        available[i] = views[i].available;
    }
}

CardHistoryView TransactionFeatureExtractor::history(
    const v1::Transaction& tx, std::span<const v1::Transaction* const> prior) {
    if (prior.empty())
        return store_.observe(tx.card_id(), cardEvent(tx), false);
    std::vector<CardEvent> events;
    events.reserve(prior.size());
    for (const v1::Transaction* p : prior)
        events.push_back(cardEvent(*p));
    return store_.observeWithPriors(tx.card_id(), events, cardEvent(tx));
}

bool TransactionFeatureExtractor::extractWithPriors(const v1::Transaction& tx,
                                                    std::span<const v1::Transaction* const> prior,
                                                    std::span<float> out) {
    const CardHistoryView h = history(tx, prior);
    fill(tx, tx.amount(), h, out);
    return h.available;
}

FieldSweep TransactionFeatureExtractor::sweep(const v1::Transaction& tx,
                                              std::span<const v1::Transaction* const> prior,
                                              std::string_view field) {
    if (field != "amount") {
        throw std::invalid_argument("the transaction schema sweeps \"amount\" only; \"" +
                                    std::string(field) + "\" is not a numeric field");
    }
    FieldSweep s;
    s.current = tx.amount();
    for (const auto& info : transactionFeatures()) {
        if (std::find(info.rawFields.begin(), info.rawFields.end(), field) != info.rawFields.end())
            s.dependents.emplace_back(info.name);
    }
    // The card's history does not hold the transaction's own amount: read it once.
    s.features = [this, copy = tx, view = history(tx, prior)](double value, std::span<float> out) {
        fill(copy, value, view, out);
    };
    return s;
}

void TransactionFeatureExtractor::fill(const v1::Transaction& tx, double amount,
                                       const CardHistoryView& h, std::span<float> out) const {
    if (out.size() != kTransactionFeatureCount) {
        throw std::logic_error("transaction schema: output has the wrong size");
    }
    using F = TransactionFeature;
    set(out, F::Amount, amount);
    set(out, F::CountryMismatch, tx.country() != tx.card_country() ? 1 : 0);
    const std::int64_t secondsOfDay = ((tx.timestamp().seconds() % 86400) + 86400) % 86400;
    set(out, F::HourOfDay, static_cast<double>(secondsOfDay / 3600));
    set(out, F::MerchantCategoryRisk, merchantCategoryRisk(tx.merchant_category()));
    set(out, F::Channel, static_cast<double>(tx.channel()));
    if (!h.available) {
        // Unknown, not "a new card": NaN sends each split down its default branch.
        for (const F f :
             {F::CardTxnCount1h, F::CardTxnCount24h, F::CardAmountSum24h, F::AmountToCardMean,
              F::SecondsSinceLastTxn, F::NewMerchant, F::NewDevice})
            out[static_cast<std::size_t>(f)] = kMissing;
        return;
    }
    set(out, F::CardTxnCount1h, h.count1h);
    set(out, F::CardTxnCount24h, h.count24h);
    set(out, F::CardAmountSum24h, h.amountSum24h);
    if (h.remembered > 0 && h.meanAmount > 0) {
        set(out, F::AmountToCardMean, amount / h.meanAmount);
    } else {
        out[static_cast<std::size_t>(F::AmountToCardMean)] = kMissing;
    }
    if (h.secondsSinceLast >= 0) {
        set(out, F::SecondsSinceLastTxn, h.secondsSinceLast);
    } else {
        out[static_cast<std::size_t>(F::SecondsSinceLastTxn)] = kMissing;
    }
    set(out, F::NewMerchant, h.newMerchant ? 1 : 0);
    set(out, F::NewDevice, h.newDevice ? 1 : 0);
}

VectorFeatureExtractor::VectorFeatureExtractor(FeatureSchema schema) : schema_(std::move(schema)) {}

bool VectorFeatureExtractor::extract(const v1::Transaction& tx, std::span<float> out, bool) {
    if (out.size() != schema_.features.size()) {
        throw std::logic_error("vector schema: output has the wrong size");
    }
    const auto& features = tx.features();
    for (std::size_t i = 0; i < schema_.features.size(); ++i) {
        const auto it = features.find(schema_.features[i]);
        out[i] = it == features.end() ? kMissing : static_cast<float>(it->second);
    }
    return true;
}

FieldSweep VectorFeatureExtractor::sweep(const v1::Transaction& tx,
                                         std::span<const v1::Transaction* const>,
                                         std::string_view field) {
    constexpr std::string_view prefix = "features[";
    const bool named = field.starts_with(prefix) && field.ends_with("]");
    const std::string name(named ? field.substr(prefix.size(), field.size() - prefix.size() - 1)
                                 : field);
    const auto at = std::find(schema_.features.begin(), schema_.features.end(), name);
    if (!named || at == schema_.features.end()) {
        throw std::invalid_argument("\"" + std::string(field) + "\" is not a feature of schema " +
                                    schema_.id() + "; name one as features[NAME]");
    }
    FieldSweep s;
    const auto index = static_cast<std::size_t>(at - schema_.features.begin());
    std::vector<float> row(schema_.features.size());
    extract(tx, row, false);
    s.current = row[index];
    s.dependents = {name};
    s.features = [row, index](double value, std::span<float> out) {
        std::copy(row.begin(), row.end(), out.begin());
        out[index] = static_cast<float>(value);
    };
    return s;
}

std::unique_ptr<FeatureExtractor> makeFeatureExtractor(const FeatureSchema& schema,
                                                       CardHistory& history) {
    if (schema.kind == FeatureSchema::Kind::Transaction) {
        if (schema != FeatureSchema::builtinTransaction()) {
            throw std::runtime_error("this scorer computes transaction schema v" +
                                     std::to_string(kTransactionSchemaVersion) +
                                     " only; the model needs " + schema.id());
        }
        return std::make_unique<TransactionFeatureExtractor>(history);
    }
    return std::make_unique<VectorFeatureExtractor>(schema);
}

}  // namespace fraud
