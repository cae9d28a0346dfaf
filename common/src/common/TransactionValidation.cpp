#include "common/TransactionValidation.h"

#include <cctype>
#include <cmath>
#include <sstream>

#include "fraud/v1/transaction.pb.h"

namespace fraud {
namespace {

template <typename Pred>
bool allOf(std::string_view s, Pred pred) {
    for (char c : s) {
        if (!pred(static_cast<unsigned char>(c)))
            return false;
    }
    return true;
}

bool printable(std::string_view s) {
    return allOf(s, [](int c) { return c > 0x20 && c < 0x7f; });
}

std::optional<FieldError> checkId(std::string_view field, const std::string& value, bool required,
                                  const ValidationLimits& limits) {
    if (value.empty()) {
        if (required)
            return FieldError{std::string(field), "is required"};
        return std::nullopt;
    }
    if (value.size() > limits.maxIdLength) {
        return FieldError{std::string(field), "is " + std::to_string(value.size()) +
                                                  " bytes long; at most " +
                                                  std::to_string(limits.maxIdLength) + " allowed"};
    }
    if (!printable(value)) {
        return FieldError{std::string(field), "must be printable ASCII without spaces"};
    }
    return std::nullopt;
}

std::string number(double v) {
    std::ostringstream ss;
    ss << v;
    return ss.str();
}

std::optional<FieldError> checkCountry(std::string_view field, const std::string& value) {
    if (value.size() != 2 || !allOf(value, [](int c) { return c >= 'A' && c <= 'Z'; })) {
        return FieldError{std::string(field), "must be an ISO 3166-1 alpha-2 code such as \"NL\""};
    }
    return std::nullopt;
}

std::optional<FieldError> checkTyped(const v1::Transaction& tx, const ValidationLimits& limits,
                                     EpochMillis now) {
    if (auto e = checkId("card_id", tx.card_id(), true, limits))
        return e;
    if (auto e = checkId("merchant_id", tx.merchant_id(), true, limits))
        return e;
    const auto& mcc = tx.merchant_category();
    if (mcc.size() != 4 || !allOf(mcc, [](int c) { return c >= '0' && c <= '9'; })) {
        return FieldError{"merchant_category", "must be a four-digit merchant category code"};
    }
    const double amount = tx.amount();
    if (!std::isfinite(amount))
        return FieldError{"amount", "must be a finite number"};
    if (amount < 0)
        return FieldError{"amount", "must not be negative, got " + number(amount)};
    if (amount > limits.maxAmount) {
        return FieldError{
            "amount", "is " + number(amount) + ", over the limit of " + number(limits.maxAmount)};
    }
    const auto& currency = tx.currency();
    if (currency.size() != 3 || !allOf(currency, [](int c) { return c >= 'A' && c <= 'Z'; })) {
        return FieldError{"currency", "must be an ISO 4217 code such as \"EUR\""};
    }
    if (!tx.has_timestamp())
        return FieldError{"timestamp", "is required"};
    const auto& ts = tx.timestamp();
    if (ts.nanos() < 0 || ts.nanos() > 999'999'999) {
        return FieldError{"timestamp", "has nanos outside [0, 999999999]"};
    }
    if (ts.seconds() < kTimestampMinSeconds || ts.seconds() > kTimestampMaxSeconds) {
        return FieldError{"timestamp", "has seconds outside the years 0001 to 9999"};
    }
    const EpochMillis t = toEpochMillis(ts);
    const auto ageLimit =
        std::chrono::duration_cast<std::chrono::milliseconds>(limits.maxEventAge).count();
    const auto skewLimit =
        std::chrono::duration_cast<std::chrono::milliseconds>(limits.maxFutureSkew).count();
    // The flag is named so that an operator whose clients' clocks disagree knows what to widen.
    if (t < now - ageLimit) {
        return FieldError{"timestamp", formatRfc3339(t) + " is more than " +
                                           std::to_string(limits.maxEventAge.count()) +
                                           " s before the scorer's clock (" + formatRfc3339(now) +
                                           "; see --max-event-age)"};
    }
    if (t > now + skewLimit) {
        return FieldError{"timestamp", formatRfc3339(t) + " is more than " +
                                           std::to_string(limits.maxFutureSkew.count()) +
                                           " s after the scorer's clock (" + formatRfc3339(now) +
                                           "; see --max-future-skew)"};
    }
    if (!v1::Channel_IsValid(tx.channel()) || tx.channel() == v1::CHANNEL_UNSPECIFIED) {
        return FieldError{"channel", "must be one of POS, ECOM, ATM, MOTO; got " +
                                         std::to_string(static_cast<int>(tx.channel()))};
    }
    if (auto e = checkCountry("country", tx.country()))
        return e;
    if (auto e = checkCountry("card_country", tx.card_country()))
        return e;
    if (auto e = checkId("device_id", tx.device_id(), false, limits))
        return e;
    return std::nullopt;
}

std::optional<FieldError> checkVector(const v1::Transaction& tx, const ExpectedInput& schema) {
    const auto& features = tx.features();
    for (const auto& name : schema.features) {
        const auto it = features.find(name);
        if (it == features.end()) {
            return FieldError{"features[" + name + "]",
                              "is required by model schema " + schema.schemaId};
        }
        if (!std::isfinite(it->second)) {
            return FieldError{"features[" + name + "]", "must be a finite number"};
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view FieldError::metricLabel() const {
    const auto bracket = field.find('[');
    return bracket == std::string::npos ? std::string_view(field)
                                        : std::string_view(field).substr(0, bracket);
}

std::optional<FieldError> validateTransaction(const v1::Transaction& tx,
                                              const ExpectedInput& schema,
                                              const ValidationLimits& limits, EpochMillis now) {
    if (auto e = checkId("transaction_id", tx.transaction_id(), true, limits))
        return e;
    if (!schema.vector)
        return checkTyped(tx, limits, now);
    // A vector model reads only `features`; the optional typed ids still may not be absurd.
    if (auto e = checkId("card_id", tx.card_id(), false, limits))
        return e;
    if (auto e = checkId("merchant_id", tx.merchant_id(), false, limits))
        return e;
    if (auto e = checkId("device_id", tx.device_id(), false, limits))
        return e;
    if (tx.features_size() > static_cast<int>(schema.features.size()) + 64) {
        return FieldError{"features", "has " + std::to_string(tx.features_size()) +
                                          " entries; the schema has " +
                                          std::to_string(schema.features.size())};
    }
    return checkVector(tx, schema);
}

}  // namespace fraud
