#include "training/CsvTable.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "common/CsvLine.h"
#include "common/FileIo.h"

namespace fraud {
CsvTable CsvTable::read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), path.string());
}

CsvTable CsvTable::parse(std::string_view text, const std::string& source) {
    CsvTable table;
    std::size_t lineNo = 0;
    std::size_t at = 0;
    // The next line without its '\n', or nothing at the end of the text.
    const auto nextLine = [&](std::string& line) {
        if (at >= text.size())
            return false;
        const auto end = std::min(text.find('\n', at), text.size());
        line.assign(text.substr(at, end - at));
        at = end + 1;
        ++lineNo;
        return true;
    };
    std::string line;
    if (!nextLine(line))
        throw std::runtime_error(source + ": empty file");
    table.columns = splitCsvLine(line);
    while (nextLine(line)) {
        if (line.empty() || line == "\r")
            continue;
        const auto cells = splitCsvLine(line);
        if (cells.size() != table.columns.size()) {
            throw std::runtime_error(source + ":" + std::to_string(lineNo) + ": " +
                                     std::to_string(cells.size()) + " cells, the header has " +
                                     std::to_string(table.columns.size()));
        }
        std::vector<double> row(cells.size());
        for (std::size_t c = 0; c < cells.size(); ++c) {
            const std::string& s = cells[c];
            if (s.empty()) {
                row[c] = std::numeric_limits<double>::quiet_NaN();
                continue;
            }
            const char* begin = s.data();
            const char* end = s.data() + s.size();
            while (begin < end && *begin == ' ')
                ++begin;
            const auto [ptr, ec] = std::from_chars(begin, end, row[c]);
            if (ec != std::errc() || ptr != end) {
                throw std::runtime_error(source + ":" + std::to_string(lineNo) + ": column " +
                                         table.columns[c] + ": '" + s + "' is not a number");
            }
        }
        table.rows.push_back(std::move(row));
    }
    return table;
}

void CsvTable::writeAtomically(const std::filesystem::path& path) const {
    std::ostringstream out;
    out.precision(std::numeric_limits<double>::max_digits10);
    for (std::size_t c = 0; c < columns.size(); ++c)
        out << (c ? "," : "") << columns[c];
    out << "\n";
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            if (c)
                out << ",";
            if (!std::isnan(row[c]))
                out << row[c];
        }
        out << "\n";
    }
    std::filesystem::create_directories(path.parent_path());
    writeFileAtomically(path, out.str());
}

std::size_t CsvTable::column(const std::string& name) const {
    const auto it = std::find(columns.begin(), columns.end(), name);
    if (it == columns.end()) {
        std::string all;
        for (const auto& c : columns)
            all += (all.empty() ? "" : ", ") + c;
        throw std::runtime_error("no column '" + name + "'; the columns are: " + all);
    }
    return static_cast<std::size_t>(it - columns.begin());
}

}  // namespace fraud
