#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fraud {

// A numeric CSV table with a header row: what data scientists export, and what the
// registry keeps as evaluation sets. Quoted fields are accepted; empty cells read as NaN.
struct CsvTable {
    std::vector<std::string> columns;
    std::vector<std::vector<double>> rows;

    // Throws std::runtime_error naming the file, line and column of a bad cell.
    static CsvTable read(const std::filesystem::path& path);
    // The same from text already read; `source` names it in errors.
    static CsvTable parse(std::string_view text, const std::string& source);
    void writeAtomically(const std::filesystem::path& path) const;
    // Index of `name`, or throws naming the columns there are.
    std::size_t column(const std::string& name) const;
};

}  // namespace fraud
