#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "fraud/v1/transaction.pb.h"

namespace fraudops {

// One input row: its line number, and the transaction or why it could not be read.
struct ReplayRow {
    int line = 0;
    std::optional<fraud::v1::Transaction> transaction;
    std::string field;  // what could not be read: "json", or "features[NAME]" of a CSV cell
    std::string error;
};

// Reads a replay file a row at a time, never whole: JSON lines of transactions (or whole
// ScoreRequests, whose transaction is taken), or, for vector schemas, a CSV with a header of
// feature names (an optional `transaction_id` column; other rows are named "line-N").
// Columns named label, class, weight or time are not features and are left out.
class ReplayReader {
public:
    // Opens `path`; on failure returns false with the reason in `error`.
    bool open(const std::string& path, std::string* error);
    std::optional<ReplayRow> next();
    // Share of the file read, 0 to 1.
    double progress();
    bool csv() const { return csv_; }

private:
    std::ifstream in_;
    std::uintmax_t size_ = 0;
    int line_ = 0;
    bool csv_ = false;
    std::vector<std::string> columns_;
    int idColumn_ = -1;
    std::vector<bool> isFeature_;
};

}  // namespace fraudops
