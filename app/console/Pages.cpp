// The console's pages, in order. A page is a folder under app/console/ and a line here.
#include "cluster/ClusterPage.h"
#include "overview/OverviewPage.h"
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
        make<OverviewPage>,
        make<ClusterPage>,
    };
    return pages;
}

}  // namespace fraudops
