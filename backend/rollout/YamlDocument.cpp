#include "rollout/YamlDocument.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace fraudops::rollout {
namespace {

using nlohmann::json;

// A decimal integer or float as YAML 1.2's core schema writes them ("20", "-3", "0.25", "1e-3");
// nothing for anything else ("5m", "1h30m", "inf").
std::optional<json> numberIn(std::string_view v) {
    if (!v.empty() && v.front() == '+')
        v.remove_prefix(1);
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (v.empty() || std::none_of(v.begin(), v.end(), digit) ||
        !(digit(v.front()) || v.front() == '-' || v.front() == '.'))
        return std::nullopt;
    const char* end = v.data() + v.size();
    if (v.find_first_of(".eE") == std::string_view::npos) {
        long long i = 0;
        const auto [at, ec] = std::from_chars(v.data(), end, i);
        if (ec == std::errc() && at == end)
            return json(i);
    }
    double d = 0;
    const auto [at, ec] = std::from_chars(v.data(), end, d);
    if (ec == std::errc() && at == end)
        return json(d);
    return std::nullopt;
}

// YAML 1.2 core schema for an untagged plain scalar.
json plainScalar(const std::string& s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
        return nullptr;
    if (s == "true" || s == "True" || s == "TRUE")
        return true;
    if (s == "false" || s == "False" || s == "FALSE")
        return false;
    if (auto number = numberIn(s))
        return *number;
    return s;
}

json toJson(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            return nullptr;
        case YAML::NodeType::Scalar:
            // "!" is the tag of a quoted scalar: a string, whatever it looks like.
            return node.Tag() == "!" ? json(node.Scalar()) : plainScalar(node.Scalar());
        case YAML::NodeType::Sequence: {
            json out = json::array();
            for (const auto& item : node)
                out.push_back(toJson(item));
            return out;
        }
        case YAML::NodeType::Map: {
            json out = json::object();
            for (const auto& entry : node) {
                if (!entry.first.IsScalar()) {
                    const auto mark = entry.first.Mark();
                    throw std::runtime_error("line " + std::to_string(mark.line + 1) +
                                             ": a mapping key must be a plain name");
                }
                out[entry.first.Scalar()] = toJson(entry.second);
            }
            return out;
        }
    }
    return nullptr;
}

}  // namespace

json jsonFromYaml(const std::string& text) {
    try {
        return toJson(YAML::Load(text));
    } catch (const YAML::Exception& e) {
        throw std::runtime_error("line " + std::to_string(e.mark.line + 1) + ", column " +
                                 std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
}

}  // namespace fraudops::rollout
