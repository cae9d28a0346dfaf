#pragma once

#include <QWidget>
#include <vector>

class QGridLayout;

namespace fraudops {

// Stat tiles in as few rows as the width allows, the rows evenly filled: eight tiles are one
// row on a wide screen and two rows of four on a laptop's, never one squeezed below what its
// value and unit need (a clipped number reads as a different number).
class TileGrid : public QWidget {
public:
    explicit TileGrid(QWidget* parent = nullptr);
    void addTile(QWidget* tile);
    int columns() const { return columns_; }
    // The columns for `width` pixels: as many as fit tiles at their widest size hint, then
    // balanced (8 tiles in 5 columns would leave a row of 3: 4 and 4 instead).
    int columnsFor(int width) const;
    // One tile's width: a narrower window gets more rows, so the grid must not hold it wide.
    QSize minimumSizeHint() const override;

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void arrange();
    int widestTile() const;

    QGridLayout* grid_;
    std::vector<QWidget*> tiles_;
    int columns_ = 0;
};

}  // namespace fraudops
