#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include "TimeRange.h"

namespace fraudops {

class ConsoleSession;

// What a page shows as a whole, beside its own panels' overlays.
struct PageState {
    enum class Kind {
        Loading,    // nothing asked or answered yet
        Live,       // showing current data
        NoData,     // the sources answer, with nothing to show
        Stale,      // the data stopped coming (a source answers with old data only)
        Error,      // a source failed
        WarmingUp,  // the local demo warms card histories: no figure means anything yet
    };
    Kind kind = Kind::Loading;
    QString message;  // shown above the page for anything but Live
    bool operator==(const PageState&) const = default;
};

// What a page has on screen, counted: tests and --screenshot check it before taking a
// picture (a picture's colours alone pass on empty axes).
struct PageContent {
    bool complete = false;  // every panel shows data
    QString summary;        // e.g. "4 charts, 9 series, 1,204 points; 7 of 7 tiles with values"
};

// One page of the console: built with the session (the connection it reads), refreshed by the
// window for a time window, and saying what state it is in. A page never talks to the
// network itself: it asks the session's clients and draws what they answer.
class ConsolePage : public QWidget {
    Q_OBJECT
public:
    ConsolePage(ConsoleSession& session, QWidget* parent) : QWidget(parent), session_(session) {}

    virtual QString title() const = 0;
    // Asks every source again for `window`; answers arrive later, queued.
    virtual void refresh(const TimeWindow& window) = 0;
    // What is on screen now.
    virtual PageContent content() const = 0;
    PageState state() const { return state_; }
    // A short figure beside the page's name in the page list ("3" firing alerts), or "".
    virtual QString badge() const { return {}; }
    // Refreshed on every tick even when another page is shown (its badge stays current).
    virtual bool refreshesWhenHidden() const { return false; }

    // The pages the window has, by title, for pages that link to others.
    void setPageTitles(QStringList titles) { pageTitles_ = std::move(titles); }
    const QStringList& pageTitles() const { return pageTitles_; }
    bool hasPage(const QString& title) const {
        return pageTitles_.contains(title, Qt::CaseInsensitive);
    }

signals:
    void stateChanged(const fraudops::PageState& state);
    void badgeChanged();
    // The window shows the page of that title (any case), if it has one.
    void openPageRequested(const QString& title);

protected:
    ConsoleSession& session() const { return session_; }
    void setState(PageState::Kind kind, const QString& message = {}) {
        const PageState next{kind, message};
        if (next == state_)
            return;
        state_ = next;
        emit stateChanged(state_);
    }

private:
    ConsoleSession& session_;
    PageState state_;
    QStringList pageTitles_;
};

}  // namespace fraudops
