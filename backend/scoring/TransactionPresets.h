#pragma once

#include <QString>
#include <QStringList>
#include <cstdint>
#include <vector>

#include "fraud/v1/transaction.pb.h"

namespace fraudops {

// A test transaction and the card history it needs, as an analyst tries a fraud pattern.
struct TransactionPreset {
    QString name;
    QString description;  // what the pattern is, in a sentence
    fraud::v1::Transaction transaction;
    std::vector<fraud::v1::Transaction> prior;  // the card's earlier transactions, oldest first
};

// The fraud patterns the trainer simulates (scorer/src/synth), and a random legitimate
// payment, each on a fresh card of its own (so the card has no live history) at event time
// `now`, with the card history the pattern implies. `seed` varies amounts, merchants and ids.
enum class PresetKind {
    Legitimate,
    CardTesting,
    AccountTakeover,
    RiskyCategoryAtNight,
    MerchantCompromise,
    FriendlyFraud,
};
std::vector<PresetKind> presetKinds();
TransactionPreset makePreset(PresetKind kind, qint64 nowMillis, std::uint64_t seed);

// "n earlier payments of `amount`, `minutes` apart, by `channel`" before `tx`, at its merchant
// category, in its country, with its device: the card history of the test form.
std::vector<fraud::v1::Transaction> priorPayments(const fraud::v1::Transaction& tx, int n,
                                                  double amount, double minutesApart,
                                                  fraud::v1::Channel channel);

}  // namespace fraudops
