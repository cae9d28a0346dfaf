// CSV tables as fraud-train and the registry's evaluation sets read them (quoted cells, empty
// cells as NaN, a header row): a table reads with every row as wide as the header, or is
// refused with the line and column named.
#include <stdexcept>

#include "FuzzInput.h"
#include "training/CsvTable.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fraud::CsvTable table;
    try {
        table = fraud::CsvTable::parse(fraud::fuzz::text(data, size), "input.csv");
    } catch (const std::runtime_error&) {
        return 0;
    }
    for (const auto& row : table.rows) {
        if (row.size() != table.columns.size())
            fraud::fuzz::fail("a row is not as wide as the header");
    }
    if (!table.columns.empty()) {
        try {
            (void)table.column(table.columns.front());
        } catch (const std::runtime_error&) {
            fraud::fuzz::fail("a column of the header cannot be found by its name");
        }
    }
    return 0;
}
