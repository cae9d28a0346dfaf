#pragma once

#include <QString>

class QWidget;

namespace fraudops {
class ClusterPage;
class ConsoleWindow;
class OverviewPage;
class StatTile;
struct ReplicaRow;
}  // namespace fraudops

namespace fraudops::test {

// What a console test reads off the pages, found the way a user would: by title and name.
StatTile* tileTitled(QWidget* page, const QString& title);
const ReplicaRow* replicaRow(ClusterPage* page, const QString& name);
// Pages refresh while shown: a test shows a page before it reads it, as a user would.
OverviewPage* showOverview(ConsoleWindow& window);
ClusterPage* showCluster(ConsoleWindow& window);
// The console keeps profiles and views (range, refresh) in QSettings: a test keeps its own,
// under `dir`, never the user's. Call before anything reads settings.
void useOwnSettings(const QString& dir, const QString& testName);
// Shows the page; true once it shows data from every source it reads.
bool showsData(ConsoleWindow& window, const QString& page);

}  // namespace fraudops::test
