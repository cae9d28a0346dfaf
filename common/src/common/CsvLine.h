#pragma once

#include <string>
#include <vector>

namespace fraud {

// One line of a CSV (RFC 4180): cells split at commas, double quotes around a cell that holds
// commas or quotes, "" for a quote inside one; a trailing carriage return dropped. The trainer's
// CSV tables and the console's replay files read lines with it.
std::vector<std::string> splitCsvLine(const std::string& line);

}  // namespace fraud
