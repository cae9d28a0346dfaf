// StatTile colours its value by thresholds, and sets its style sheets only when the level
// changes: a style sheet re-polishes the tile and its labels, and the Overview sets eight
// tiles' values every second.
#include <QLabel>
#include <QtTest>

#include "tiles/StatTile.h"

using namespace fraudops;

namespace {

// Counts the style changes delivered to a widget and its children.
class StyleChanges : public QObject {
public:
    explicit StyleChanges(QWidget* root) {
        root->installEventFilter(this);
        for (QWidget* child : root->findChildren<QWidget*>())
            child->installEventFilter(this);
    }
    int count = 0;

protected:
    bool eventFilter(QObject*, QEvent* event) override {
        count += event->type() == QEvent::StyleChange;
        return false;
    }
};

QString valueColour(const StatTile& tile) {
    return tile.findChildren<QLabel*>().at(1)->styleSheet();
}

}  // namespace

class StatTileTest : public QObject {
    Q_OBJECT
private slots:
    void levelsFollowThresholds() {
        StatTile tile("p99 latency", "ms");
        tile.setThresholds(StatTile::Thresholds{4, 5, true});
        tile.setValue(1.5);
        QCOMPARE(tile.level(), StatTile::Level::Good);
        QCOMPARE(tile.valueText(), "1.50");
        tile.setValue(4.2);
        QCOMPARE(tile.level(), StatTile::Level::Warning);
        tile.setValue(7);
        QCOMPARE(tile.level(), StatTile::Level::Critical);
        tile.setValue(std::nullopt, {}, "no data");
        QCOMPARE(tile.level(), StatTile::Level::Unknown);
        QCOMPARE(tile.valueText(), "—");
        QCOMPARE(tile.detailText(), "no data");
    }

    void styleIsSetOnlyWhenTheLevelChanges() {
        StatTile tile("p99 latency", "ms");
        tile.setThresholds(StatTile::Thresholds{4, 5, true});
        tile.setValue(1.5);
        tile.show();
        QVERIFY(QTest::qWaitForWindowExposed(&tile));
        const QString good = valueColour(tile);
        QVERIFY2(good.contains("#2e7d32"), qPrintable(good));

        StyleChanges changes(&tile);
        for (double v : {1.6, 1.7, 2.0, 3.9})
            tile.setValue(v);
        QCOMPARE(changes.count, 0);
        QCOMPARE(tile.valueText(), "3.90");

        tile.setValue(6);
        QVERIFY(changes.count > 0);
        QVERIFY2(valueColour(tile).contains("#c62828"), qPrintable(valueColour(tile)));
        QVERIFY(tile.styleSheet().contains("#c62828"));

        changes.count = 0;
        tile.setValue(8);
        QCOMPARE(changes.count, 0);
        tile.setLevel(StatTile::Level::Good);
        QVERIFY(changes.count > 0);
        QCOMPARE(valueColour(tile), good);
    }
};

QTEST_MAIN(StatTileTest)
#include "tst_stat_tile.moc"
