#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>

namespace fraud {

// An integer field of a registry file, read strictly. nlohmann's get<std::uint64_t>() casts
// whatever number is there, and a float out of the type's range (a hand-edited
// "generation": 8.9e116, found by the registry files fuzzer) is undefined behaviour; a
// negative number silently wraps. This refuses both, naming the field.
template <typename Int>
Int jsonInteger(const nlohmann::json& value, const char* field) {
    if (value.is_number_unsigned()) {
        const auto n = value.get<std::uint64_t>();
        if (std::in_range<Int>(n))
            return static_cast<Int>(n);
    } else if (value.is_number_integer()) {
        const auto n = value.get<std::int64_t>();
        if (std::in_range<Int>(n))
            return static_cast<Int>(n);
    } else {
        throw std::runtime_error(std::string(field) + ": expected an integer, found " +
                                 value.type_name());
    }
    throw std::runtime_error(std::string(field) + ": " + value.dump() + " is out of range");
}

// The same for a field of `object`, or `fallback` when it is absent.
template <typename Int>
Int jsonInteger(const nlohmann::json& object, const char* field, Int fallback) {
    const auto it = object.find(field);
    return it == object.end() ? fallback : jsonInteger<Int>(*it, field);
}

}  // namespace fraud
