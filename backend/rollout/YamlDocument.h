#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace fraudops::rollout {

// A YAML document as the JSON value it describes, so a plan reviewed as YAML is read by the
// same rules as one written as JSON. Plain scalars resolve as YAML 1.2's core schema does
// (null, true/false, integers and floats, else strings); quoted scalars stay strings. Throws
// std::runtime_error naming the line and column of a syntax error, or an unsupported feature
// (a non-string mapping key).
nlohmann::json jsonFromYaml(const std::string& text);

}  // namespace fraudops::rollout
