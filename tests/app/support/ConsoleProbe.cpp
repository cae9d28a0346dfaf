#include "ConsoleProbe.h"

#include <QLabel>

#include "cluster/ClusterPage.h"
#include "tiles/StatTile.h"

namespace fraudops::test {

StatTile* tileTitled(QWidget* page, const QString& title) {
    for (auto* tile : page->findChildren<StatTile*>()) {
        for (auto* label : tile->findChildren<QLabel*>()) {
            if (label->text() == title)
                return tile;
        }
    }
    return nullptr;
}

const ReplicaRow* replicaRow(ClusterPage* page, const QString& name) {
    for (const auto& r : page->model().rows()) {
        if (r.name == name)
            return &r;
    }
    return nullptr;
}

}  // namespace fraudops::test
