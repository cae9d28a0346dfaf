#pragma once

#include <QString>

class QWidget;

namespace fraudops {
class ClusterPage;
class StatTile;
struct ReplicaRow;
}  // namespace fraudops

namespace fraudops::test {

// What a console test reads off the pages, found the way a user would: by title and name.
StatTile* tileTitled(QWidget* page, const QString& title);
const ReplicaRow* replicaRow(ClusterPage* page, const QString& name);

}  // namespace fraudops::test
