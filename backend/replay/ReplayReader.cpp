#include "replay/ReplayReader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>

#include "common/CsvLine.h"
#include "scoring/TransactionJson.h"

namespace fraudops {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

bool ReplayReader::open(const std::string& path, std::string* error) {
    in_.open(path, std::ios::binary);
    if (!in_) {
        *error = "cannot open " + path;
        return false;
    }
    std::error_code ec;
    size_ = std::filesystem::file_size(path, ec);
    csv_ = lower(std::filesystem::path(path).extension().string()) == ".csv";
    if (csv_) {
        std::string header;
        if (!std::getline(in_, header)) {
            *error = path + " is empty: a CSV needs a header of feature names";
            return false;
        }
        ++line_;
        columns_ = fraud::splitCsvLine(header);
        for (std::size_t i = 0; i < columns_.size(); ++i) {
            const auto name = lower(columns_[i]);
            if (name == "transaction_id")
                idColumn_ = static_cast<int>(i);
            isFeature_.push_back(name != "transaction_id" && name != "label" && name != "class" &&
                                 name != "weight" && name != "time");
        }
    }
    return true;
}

std::optional<ReplayRow> ReplayReader::next() {
    std::string text;
    while (std::getline(in_, text)) {
        ++line_;
        if (text.empty() || text == "\r")
            continue;
        ReplayRow row;
        row.line = line_;
        if (!csv_) {
            std::string error;
            auto request = scoreRequestFromJson(text, &error);
            if (!request) {
                row.field = "json";
                row.error = error;
            } else {
                row.transaction = std::move(*request->mutable_transaction());
            }
            return row;
        }
        const auto cells = fraud::splitCsvLine(text);
        fraud::v1::Transaction tx;
        tx.set_transaction_id(idColumn_ >= 0 && idColumn_ < static_cast<int>(cells.size())
                                  ? cells[static_cast<std::size_t>(idColumn_)]
                                  : std::string("line-").append(std::to_string(line_)));
        for (std::size_t i = 0; i < columns_.size() && i < cells.size(); ++i) {
            if (!isFeature_[i])
                continue;
            double value = 0;
            const auto& cell = cells[i];
            const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
            if (ec != std::errc() || end != cell.data() + cell.size()) {
                row.field = "features[" + columns_[i] + "]";
                row.error = "\"" + cell + "\" is not a number";
                return row;
            }
            (*tx.mutable_features())[columns_[i]] = value;
        }
        row.transaction = std::move(tx);
        return row;
    }
    return std::nullopt;
}

double ReplayReader::progress() {
    if (size_ == 0)
        return 1;
    const auto at = in_.tellg();
    return at < 0 ? 1.0 : std::min(1.0, static_cast<double>(at) / static_cast<double>(size_));
}

}  // namespace fraudops
