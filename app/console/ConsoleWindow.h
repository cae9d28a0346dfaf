#pragma once

#include <QMainWindow>
#include <QTimer>
#include <chrono>
#include <memory>

#include "profiles/ConnectionProfile.h"
#include "profiles/ProfileToken.h"

class QComboBox;
class QLabel;
class QListWidget;
class QStackedWidget;

namespace fraudops {

class ClusterPage;
class LocalCluster;
class OverviewPage;
class PrometheusClient;

// The main window: a page list, the connection profile, one time range and one auto-refresh
// interval for every panel, the last-updated time, and the state of each connection in the
// status bar. Network work happens in the clients (worker threads); this only routes values.
class ConsoleWindow : public QMainWindow {
    Q_OBJECT
public:
    static const QStringList& pageNames();

    ConsoleWindow(ConnectionProfile profile, LocalCluster* local, QWidget* parent = nullptr);
    ~ConsoleWindow() override;

    bool showPage(const QString& name);
    // The page has shown data from every source it reads.
    bool pageHasData(const QString& name) const;
    void refreshNow();
    OverviewPage* overviewPage() const { return overview_; }
    ClusterPage* clusterPage() const { return cluster_; }
    const ConnectionProfile& profile() const { return profile_; }
    // Where the current profile's token came from ("keychain", ...), or "" before it is known.
    QString tokenSource() const { return tokenSource_; }
    void setRefreshInterval(std::chrono::milliseconds interval);
    // Picks the time-range preset of this length; false if there is none.
    bool setRange(std::chrono::seconds span);
    // Keeps `token` in the system keychain for the current profile and uses it.
    void setKeychainToken(const QString& token);
    // Removes the current profile's token from the keychain; the profile stops using it.
    void forgetKeychainToken();
    // Re-reads the saved profiles (after the Profiles dialog changed them).
    void reloadProfiles();

private:
    void applyProfile(const ConnectionProfile& profile);
    void onToken(const TokenLookup& lookup);
    void askForToken();
    void editProfiles();

    void setPrometheusUrl(const QString& url);
    std::chrono::seconds range() const;

    ConnectionProfile profile_;
    LocalCluster* local_;
    QListWidget* pages_;
    QStackedWidget* stack_;
    QComboBox* profiles_;
    QComboBox* range_;
    QComboBox* refreshEvery_;
    QLabel* updated_;
    QLabel* prometheusState_;
    QLabel* scorerState_;
    QLabel* tokenState_;
    OverviewPage* overview_;
    ClusterPage* cluster_;
    std::unique_ptr<PrometheusClient> prometheus_;
    QString prometheusUrl_;
    QString tokenSource_;
    QTimer timer_;
    ProfileToken token_;
};

}  // namespace fraudops
