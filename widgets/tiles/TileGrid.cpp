#include "tiles/TileGrid.h"

#include <QEvent>
#include <QGridLayout>
#include <algorithm>

namespace fraudops {

TileGrid::TileGrid(QWidget* parent) : QWidget(parent), grid_(new QGridLayout(this)) {
    grid_->setContentsMargins(0, 0, 0, 0);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
}

void TileGrid::addTile(QWidget* tile) {
    tile->setParent(this);
    // A tile whose text grows (a value gains digits) may need a column less.
    tile->installEventFilter(this);
    tiles_.push_back(tile);
    columns_ = 0;
    arrange();
}

int TileGrid::widestTile() const {
    int widest = 1;
    for (const QWidget* t : tiles_)
        widest = std::max({widest, t->sizeHint().width(), t->minimumWidth()});
    return widest;
}

QSize TileGrid::minimumSizeHint() const {
    return {widestTile(), QWidget::minimumSizeHint().height()};
}

int TileGrid::columnsFor(int width) const {
    const int n = static_cast<int>(tiles_.size());
    if (n == 0)
        return 1;
    const int widest = widestTile();
    const int spacing = std::max(0, grid_->horizontalSpacing());
    const int fit = std::clamp((width + spacing) / (widest + spacing), 1, n);
    const int rows = (n + fit - 1) / fit;
    return (n + rows - 1) / rows;
}

void TileGrid::arrange() {
    // Until it is shown, one row: laid out at its initial (tiny) width it would be a column of
    // tiles, and a window sized to that at start would be taller than the screen.
    const int columns =
        isVisible() ? columnsFor(width()) : std::max(1, static_cast<int>(tiles_.size()));
    if (columns == columns_)
        return;
    columns_ = columns;
    for (QWidget* t : tiles_)
        grid_->removeWidget(t);
    for (int c = 0; c < grid_->columnCount(); ++c)
        grid_->setColumnStretch(c, 0);
    for (std::size_t i = 0; i < tiles_.size(); ++i) {
        const int index = static_cast<int>(i);
        grid_->addWidget(tiles_[i], index / columns, index % columns);
    }
    for (int c = 0; c < columns; ++c)
        grid_->setColumnStretch(c, 1);
}

void TileGrid::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    arrange();
}

void TileGrid::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    arrange();
}

bool TileGrid::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::LayoutRequest)
        arrange();
    return QWidget::eventFilter(watched, event);
}

}  // namespace fraudops
