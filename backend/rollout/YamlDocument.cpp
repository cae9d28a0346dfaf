#include "rollout/YamlDocument.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <regex>
#include <stdexcept>

namespace fraudops::rollout {
namespace {

using nlohmann::json;

// YAML 1.2 core schema for an untagged plain scalar.
json plainScalar(const std::string& s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
        return nullptr;
    if (s == "true" || s == "True" || s == "TRUE")
        return true;
    if (s == "false" || s == "False" || s == "FALSE")
        return false;
    static const std::regex kInteger("[-+]?[0-9]+");
    static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    if (std::regex_match(s, kInteger)) {
        long long v = 0;
        const char* begin = s.data() + (s.front() == '+' ? 1 : 0);
        const auto [end, ec] = std::from_chars(begin, s.data() + s.size(), v);
        if (ec == std::errc() && end == s.data() + s.size())
            return v;
    }
    if (std::regex_match(s, kFloat))
        return std::stod(s);
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
