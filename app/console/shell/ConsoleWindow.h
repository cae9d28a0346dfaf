#pragma once

#include <QMainWindow>
#include <QTimer>
#include <chrono>
#include <vector>

#include "ConsolePage.h"
#include "ConsoleSession.h"
#include "TimeRange.h"
#include "async/HeapTrimmer.h"

class QComboBox;
class QLabel;
class QListWidget;
class QStackedWidget;

namespace fraudops {

class ConnectionStatus;
class LocalCluster;
class TimeRangePicker;

// The main window hosts the pages (consolePages(), in order), and nothing else of theirs: a
// page list with Ctrl+1… shortcuts, a banner with the shown page's state, the toolbar
// (profile, time range, auto-refresh; F5 refreshes now) and the connection's status bar.
// The connection itself is the ConsoleSession's. Every tick refreshes the shown page (a page
// shown again is refreshed at once) and the pages that ask to be refreshed hidden (the
// Alerts page, whose badge in the page list must stay current), and polls the scorers for
// the status bar. A page's badge goes beside its name; a page may ask to show another. The time
// range and refresh interval are kept per profile (ViewSettings).
class ConsoleWindow : public QMainWindow {
    Q_OBJECT
public:
    ConsoleWindow(ConnectionProfile profile, LocalCluster* local, QWidget* parent = nullptr);
    ~ConsoleWindow() override;

    QStringList pageTitles() const;
    // Shows the page of that title, whatever its case; false if there is none.
    bool showPage(const QString& title);
    ConsolePage* page(const QString& title) const;
    ConsolePage* currentPage() const;
    template <typename Page>
    Page* page() const {
        for (ConsolePage* p : pages_) {
            if (auto* typed = qobject_cast<Page*>(p))
                return typed;
        }
        return nullptr;
    }
    // The page shows data from every source it reads (its content is complete).
    bool pageHasData(const QString& title) const;
    void refreshNow();

    ConsoleSession& session() { return session_; }
    const ConnectionProfile& profile() const { return session_.profile(); }
    // Where the current profile's token came from ("keychain", ...), or "" before it is known.
    QString tokenSource() const { return session_.tokenSource(); }
    void setKeychainToken(const QString& token) { session_.setKeychainToken(token); }
    void forgetKeychainToken() { session_.forgetKeychainToken(); }
    // Re-reads the saved profiles (after the Profiles dialog changed them).
    void reloadProfiles();
    // Switches to the saved profile of that name, as its toolbar entry does; false if none.
    bool selectProfile(const QString& name);

    // A preset, or an interval of its own (tests refresh every second); 0 turns it off.
    void setRefreshInterval(std::chrono::milliseconds interval);
    std::chrono::milliseconds refreshInterval() const;
    void setRange(const TimeRange& range);
    TimeRange range() const;
    ConnectionStatus& connectionStatus() const { return *status_; }
    QString bannerText() const;

private:
    void openProfile(const ConnectionProfile& profile);
    void loadViewSettings();
    void saveViewSettings() const;
    void showState();
    void askForToken();
    void editProfiles();

    ConsoleSession session_;
    std::vector<ConsolePage*> pages_;
    QListWidget* list_;
    QStackedWidget* stack_;
    QLabel* banner_;
    QComboBox* profiles_;
    TimeRangePicker* range_;
    QComboBox* refreshEvery_;
    QLabel* updated_;
    ConnectionStatus* status_;
    QTimer timer_;
    // A console left open for days gives freed memory back once a minute.
    HeapTrimmer heapTrimmer_{std::chrono::minutes(1)};
    bool loadingSettings_ = false;
};

}  // namespace fraudops
