#include "ConsoleProbe.h"

#include <QCoreApplication>
#include <QLabel>
#include <QSettings>

#include "cluster/ClusterPage.h"
#include "overview/OverviewPage.h"
#include "shell/ConsoleWindow.h"
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

OverviewPage* showOverview(ConsoleWindow& window) {
    window.showPage("Overview");
    return window.page<OverviewPage>();
}

ClusterPage* showCluster(ConsoleWindow& window) {
    window.showPage("Cluster");
    return window.page<ClusterPage>();
}

void useOwnSettings(const QString& dir, const QString& testName) {
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir + "/settings");
    QCoreApplication::setOrganizationName("fraudops-test");
    QCoreApplication::setApplicationName(testName);
}

bool showsData(ConsoleWindow& window, const QString& page) {
    window.showPage(page);
    return window.pageHasData(page);
}

}  // namespace fraudops::test
