#include "PagePictures.h"

#include <cstdio>

#include "ConsolePage.h"
#include "ConsoleWindow.h"

namespace fraudops {

namespace {
// After the refresh that follows a page's data, before its picture: every panel redrawn.
constexpr std::chrono::milliseconds kRedraw{2000};
}  // namespace

PagePictures::PagePictures(ConsoleWindow& window,
                           std::vector<std::pair<QString, QString>> pagesAndFiles, Options options,
                           QObject* parent)
    : QObject(parent), window_(window), shots_(std::move(pagesAndFiles)), options_(options) {
    poll_.setInterval(500);
    connect(&poll_, &QTimer::timeout, this, &PagePictures::poll);
}

void PagePictures::start() {
    next_ = 0;
    failed_ = 0;
    showNext();
}

void PagePictures::showNext() {
    if (next_ >= shots_.size()) {
        emit finished(failed_);
        return;
    }
    const QString& title = shots_[next_].first;
    if (!window_.showPage(title)) {
        std::fprintf(stderr, "fraudops-console: no page named %s (pages: %s)\n", qPrintable(title),
                     qPrintable(window_.pageTitles().join(", ")));
        ++failed_;
        ++next_;
        QTimer::singleShot(0, this, &PagePictures::showNext);
        return;
    }
    waited_.start();
    poll_.start();
}

void PagePictures::poll() {
    ConsolePage* page = window_.page(shots_[next_].first);
    if (page->content().complete) {
        poll_.stop();
        // The first page waits out the settle time, so the charts have a history to show;
        // the later ones find it already there.
        const auto settle = settled_ ? std::chrono::milliseconds(0) : options_.settle;
        settled_ = true;
        QTimer::singleShot(settle, this, [this] { window_.refreshNow(); });
        QTimer::singleShot(settle + kRedraw, this, &PagePictures::picture);
    } else if (std::chrono::milliseconds(waited_.elapsed()) > options_.timeout) {
        poll_.stop();
        std::fprintf(stderr, "fraudops-console: %s had no data after %lld s (it shows %s)\n",
                     qPrintable(page->title()),
                     static_cast<long long>(options_.timeout.count() / 1000),
                     qPrintable(page->content().summary));
        ++failed_;
        ++next_;
        showNext();
    }
}

void PagePictures::picture() {
    const auto& [title, file] = shots_[next_];
    ConsolePage* page = window_.page(title);
    const auto content = page->content();
    std::fprintf(stderr, "fraudops-console: %s shows %s\n", qPrintable(page->title()),
                 qPrintable(content.summary));
    // A picture's colours alone pass on empty axes: it must still show everything.
    if (!content.complete) {
        std::fprintf(stderr, "fraudops-console: %s lost data before the picture\n",
                     qPrintable(page->title()));
        ++failed_;
    } else {
        const bool saved = window_.grab().save(file, "PNG");
        std::fprintf(stderr, "fraudops-console: %s %s\n", saved ? "wrote" : "could not write",
                     qPrintable(file));
        failed_ += saved ? 0 : 1;
    }
    ++next_;
    showNext();
}

}  // namespace fraudops
