// TileGrid puts the Overview's eight tiles in as few rows as the width allows, rows evenly
// filled, and never squeezes a tile below what its value and unit need.
#include <QVBoxLayout>
#include <QtTest>

#include "tiles/StatTile.h"
#include "tiles/TileGrid.h"

using namespace fraudops;

namespace {

// The Overview's tiles, with values as wide as a live cluster's.
std::vector<StatTile*> overviewTiles(TileGrid& grid) {
    const std::vector<std::tuple<QString, QString, double>> spec = {
        {"Scores", "/s", 2004.5},
        {"p99 latency (Score)", "ms", 1.41},
        {"Error rate", "%", 0},
        {"Shed (overload)", "%", 0.012},
        {"Decline rate", "%", 0.785},
        {"Replicas up / desired", "", 2},
        {"Drift (max PSI, stable)", "", 0.0295},
        {"Capacity", "scores/s per core", 85.7}};
    std::vector<StatTile*> tiles;
    for (const auto& [title, unit, value] : spec) {
        auto* t = new StatTile(title, unit);
        t->setValue(value);
        grid.addTile(t);
        tiles.push_back(t);
    }
    return tiles;
}

// Every tile at least as wide as it asks to be: its value and unit whole.
bool noneClipped(const std::vector<StatTile*>& tiles) {
    for (const StatTile* t : tiles) {
        if (t->width() < t->sizeHint().width())
            return false;
    }
    return true;
}

// A page around the grid, as the Overview has: the grid at the top, the rest below.
struct Page {
    QWidget widget;
    TileGrid* grid = new TileGrid;
    Page() {
        auto* layout = new QVBoxLayout(&widget);
        layout->addWidget(grid);
        layout->addStretch(1);
    }
    void resize(int width) { widget.resize(width, 600); }
};

}  // namespace

class TileGridTest : public QObject {
    Q_OBJECT

private slots:
    void rowsFollowTheWidth() {
        Page page;
        TileGrid& grid = *page.grid;
        const auto tiles = overviewTiles(grid);
        const int widest = grid.minimumSizeHint().width();
        QVERIFY(widest >= tiles.back()->sizeHint().width());
        page.widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page.widget));

        // Room for all eight: one row.
        page.resize(9 * widest + 60);
        QTRY_COMPARE(grid.columns(), 8);
        QTRY_VERIFY(noneClipped(tiles));
        // Room for five: two rows of four, not five and three.
        page.resize(5 * widest + 60);
        QTRY_COMPARE(grid.columns(), 4);
        QTRY_VERIFY(noneClipped(tiles));
        const int twoRows = grid.height();
        // Room for three: three rows (3, 3, 2).
        page.resize(3 * widest + 40);
        QTRY_COMPARE(grid.columns(), 3);
        QTRY_VERIFY(noneClipped(tiles));
        QTRY_VERIFY(grid.height() > twoRows);
        // Narrower than one tile: one column, and nothing asks the window to stay wide.
        page.resize(widest / 2);
        QTRY_COMPARE(grid.columns(), 1);
        QVERIFY(page.widget.minimumSizeHint().width() < 2 * widest);
    }

    void aValueThatGrowsTakesAColumnLess() {
        Page page;
        TileGrid& grid = *page.grid;
        const auto tiles = overviewTiles(grid);
        page.widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page.widget));
        page.resize(4 * grid.minimumSizeHint().width() + 60);
        QTRY_COMPARE(grid.columns(), 4);
        tiles.back()->setValue(std::nullopt, "123,456,789.00 per core, measured");
        QTRY_VERIFY(grid.columns() < 4);
        QTRY_VERIFY(noneClipped(tiles));
    }
};

QTEST_MAIN(TileGridTest)
#include "tst_tile_grid.moc"
