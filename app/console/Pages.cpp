// The console's pages, in order. A page is a folder under app/console/ and a line here.
#include "alerts/AlertsPage.h"
#include "cluster/ClusterPage.h"
#include "decisions/DecisionsPage.h"
#include "drift/DriftPage.h"
#include "overview/OverviewPage.h"
#include "release/ReleasePage.h"
#include "shell/PageRegistry.h"

namespace fraudops {
namespace {

template <typename Page>
ConsolePage* make(ConsoleSession& session, QWidget* parent) {
    return new Page(session, parent);
}

}  // namespace

const std::vector<PageFactory>& consolePages() {
    static const std::vector<PageFactory> pages{
        make<OverviewPage>, make<ClusterPage>, make<DecisionsPage>,
        make<DriftPage>,    make<ReleasePage>, make<AlertsPage>,
    };
    return pages;
}

}  // namespace fraudops
