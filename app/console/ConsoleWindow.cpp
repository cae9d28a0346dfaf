#include "ConsoleWindow.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>
#include <optional>

#include "ClusterPage.h"
#include "OverviewPage.h"
#include "ProfileDialog.h"
#include "cluster/LocalCluster.h"
#include "prometheus/PrometheusClient.h"

namespace fraudops {
namespace {

QWidget* laterPage(const QString& name, const QString& what, QWidget* parent) {
    auto* page = new QWidget(parent);
    auto* label = new QLabel(
        QStringLiteral("<h2>%1</h2><p>%2</p><p><i>This page is built by a later issue; the "
                       "scorer already serves what it will show.</i></p>")
            .arg(name, what),
        page);
    label->setWordWrap(true);
    label->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(label);
    layout->addStretch();
    return page;
}

}  // namespace

const QStringList& ConsoleWindow::pageNames() {
    static const QStringList names{"Overview", "Decisions", "Drift",
                                   "Release",  "Cluster",   "Alerts"};
    return names;
}

ConsoleWindow::ConsoleWindow(ConnectionProfile profile, LocalCluster* local, QWidget* parent)
    : QMainWindow(parent),
      profile_(std::move(profile)),
      local_(local),
      pages_(new QListWidget(this)),
      stack_(new QStackedWidget(this)),
      profiles_(new QComboBox(this)),
      range_(new QComboBox(this)),
      refreshEvery_(new QComboBox(this)),
      updated_(new QLabel("not updated yet", this)),
      prometheusState_(new QLabel(this)),
      scorerState_(new QLabel(this)),
      tokenState_(new QLabel(this)),
      overview_(new OverviewPage(this)),
      cluster_(new ClusterPage(this)) {
    setWindowTitle("FraudOps console");
    resize(1440, 900);

    auto* toolbar = addToolBar("Connection");
    toolbar->setMovable(false);
    toolbar->addWidget(new QLabel(" Profile ", this));
    for (const auto& p : ProfileStore().all())
        profiles_->addItem(p.name);
    profiles_->setCurrentText(profile_.name);
    toolbar->addWidget(profiles_);
    toolbar->addAction("Profiles…", this, &ConsoleWindow::editProfiles)
        ->setToolTip("Add, edit, test and delete connection profiles");
    toolbar->addAction("Set token…", this, &ConsoleWindow::askForToken)
        ->setToolTip("Keep this profile's token in the system keychain");
    toolbar->addAction("Forget token", this, &ConsoleWindow::forgetKeychainToken)
        ->setToolTip("Remove this profile's token from the system keychain");
    toolbar->addSeparator();
    toolbar->addWidget(new QLabel(" Range ", this));
    for (const auto& [label, seconds] :
         std::initializer_list<std::pair<const char*, int>>{{"5 m", 300},
                                                            {"15 m", 900},
                                                            {"1 h", 3600},
                                                            {"6 h", 21600},
                                                            {"24 h", 86400},
                                                            {"7 d", 604800}})
        range_->addItem(label, seconds);
    range_->setCurrentIndex(1);
    toolbar->addWidget(range_);
    toolbar->addWidget(new QLabel(" Refresh ", this));
    for (const auto& [label, ms] : std::initializer_list<std::pair<const char*, int>>{
             {"off", 0}, {"5 s", 5000}, {"10 s", 10000}, {"30 s", 30000}, {"1 m", 60000}})
        refreshEvery_->addItem(label, ms);
    refreshEvery_->setCurrentIndex(1);
    toolbar->addWidget(refreshEvery_);
    auto* spacer = new QWidget(this);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolbar->addWidget(spacer);
    toolbar->addWidget(updated_);

    const QStringList later{
        "Live decisions with their explanations, filtered by score, decision and variant.",
        "PSI of every feature and the score against the training baseline, per variant.",
        "Canary weight, shadow mode, promotion and rollback, with the audit log.", "",
        "Alert rules and their state."};
    for (const auto& name : pageNames()) {
        pages_->addItem(name);
        if (name == "Overview")
            stack_->addWidget(overview_);
        else if (name == "Cluster")
            stack_->addWidget(cluster_);
        else
            stack_->addWidget(laterPage(name, later[pageNames().indexOf(name) - 1], this));
    }
    pages_->setFixedWidth(140);
    pages_->setCurrentRow(0);
    auto* central = new QWidget(this);
    auto* layout = new QHBoxLayout(central);
    layout->addWidget(pages_);
    layout->addWidget(stack_, 1);
    setCentralWidget(central);
    statusBar()->addWidget(prometheusState_);
    statusBar()->addWidget(scorerState_);
    statusBar()->addWidget(tokenState_);
    connect(&token_, &ProfileToken::resolved, this, &ConsoleWindow::onToken);
    connect(&token_, &ProfileToken::keychainChanged, this, [this](const KeychainResult& r) {
        const bool gone = r.outcome == KeychainResult::Outcome::NotFound &&
                          r.operation == KeychainResult::Operation::Forget;
        if (!r.ok() && !gone) {
            tokenState_->setText(QStringLiteral("Token: keychain: ") + r.error);
            tokenState_->setStyleSheet("color: #c62828;");
        } else if (r.profile == profile_.name) {
            // ProfileToken recorded the change in the saved profile: use it as saved.
            applyProfile(ProfileStore().find(r.profile).value_or(profile_));
        }
    });

    connect(pages_, &QListWidget::currentRowChanged, stack_, &QStackedWidget::setCurrentIndex);
    connect(range_, &QComboBox::currentIndexChanged, this, [this] { refreshNow(); });
    connect(refreshEvery_, &QComboBox::currentIndexChanged, this, [this] {
        const int ms = refreshEvery_->currentData().toInt();
        if (ms > 0)
            timer_.start(ms);
        else
            timer_.stop();
    });
    connect(profiles_, &QComboBox::currentTextChanged, this, [this](const QString& name) {
        if (const auto p = ProfileStore().find(name))
            applyProfile(*p);
    });
    connect(&timer_, &QTimer::timeout, this, &ConsoleWindow::refreshNow);
    connect(&overview_->panels(), &PrometheusPanels::refreshed, this,
            [this](bool ok, const QString& error) {
                updated_->setText("updated " + QTime::currentTime().toString("HH:mm:ss"));
                prometheusState_->setText(ok ? "Prometheus: up" : "Prometheus: " + error);
                prometheusState_->setStyleSheet(ok ? "color: #2e7d32;" : "color: #c62828;");
            });
    connect(&cluster_->model(), &QAbstractItemModel::dataChanged, this, [this] {
        int up = 0;
        for (const auto& r : cluster_->model().rows())
            up += r.health == "Up";
        scorerState_->setText(
            QStringLiteral("Scorers: %1 of %2 up").arg(up).arg(cluster_->model().rows().size()));
    });
    if (local_) {
        cluster_->setLocalCluster(local_);
        connect(local_, &LocalCluster::changed, this, [this](const LocalClusterState& s) {
            overview_->setDesiredReplicas(s.desiredReplicas);
            const bool warming =
                s.loadRunning && s.loadPhase == LocalClusterState::LoadPhase::WarmingUp;
            const bool wasWarming = overview_->warmingUp();
            overview_->setWarmup(warming ? std::optional<double>(s.warmupProgress) : std::nullopt);
            if (wasWarming && !warming)
                refreshNow();
            if (s.prometheusUp && s.prometheusUrl != prometheusUrl_)
                setPrometheusUrl(s.prometheusUrl);
            if (!s.prometheusUp && !prometheusUrl_.isEmpty())
                prometheusState_->setText("Prometheus: restarting");
        });
    }
    applyProfile(profile_);
    timer_.start(refreshEvery_->currentData().toInt());
}

ConsoleWindow::~ConsoleWindow() = default;

std::chrono::seconds ConsoleWindow::range() const {
    return std::chrono::seconds(range_->currentData().toInt());
}

void ConsoleWindow::applyProfile(const ConnectionProfile& profile) {
    profile_ = profile;
    tokenSource_.clear();
    overview_->setLatencySlo(profile.latencySloMs);
    overview_->panels().setScrapeJob(profile.scrapeJob);
    overview_->panels().setScrapeInterval(std::chrono::seconds(profile.scrapeIntervalSeconds));
    if (profile.isLocal() && local_) {
        overview_->panels().setScrapeInterval(local_->config().scrapeInterval);
        if (local_->state().prometheusUp)
            setPrometheusUrl(local_->state().prometheusUrl);
    } else {
        setPrometheusUrl(profile.prometheusUrl);
        overview_->setDesiredReplicas(static_cast<int>(profile.scorerEndpoints.size()));
    }
    // The scorers are called once the token is known (the keychain answers asynchronously).
    tokenState_->setText("Token: looking up…");
    tokenState_->setStyleSheet({});
    token_.resolve(profile);
}

void ConsoleWindow::onToken(const TokenLookup& lookup) {
    if (lookup.profile != profile_.name)
        return;
    tokenSource_ = lookup.token.isEmpty() ? QStringLiteral("none") : lookup.source;
    QString text = lookup.token.isEmpty() ? QStringLiteral("Token: none")
                                          : QStringLiteral("Token: from ") + lookup.source;
    if (!lookup.problems.isEmpty())
        text += QStringLiteral(" (") + lookup.problems + ")";
    tokenState_->setText(text);
    tokenState_->setStyleSheet(lookup.problems.isEmpty() ? QString() : "color: #ef6c00;");
    cluster_->setProfile(profile_, lookup.token);
    refreshNow();
}

void ConsoleWindow::editProfiles() {
    ProfileDialog dialog(profile_.name, this);
    connect(&dialog, &ProfileDialog::profilesChanged, this, &ConsoleWindow::reloadProfiles);
    dialog.exec();
}

void ConsoleWindow::reloadProfiles() {
    const QSignalBlocker quiet(profiles_);
    profiles_->clear();
    for (const auto& p : ProfileStore().all())
        profiles_->addItem(p.name);
    // The current profile again, as saved now; `local` if it was deleted.
    const auto current = ProfileStore().find(profile_.name);
    const ConnectionProfile next = current ? *current : ProfileStore::local();
    profiles_->setCurrentText(next.name);
    applyProfile(next);
}

void ConsoleWindow::askForToken() {
    bool ok = false;
    const QString token = QInputDialog::getText(
        this, "Set token", "Token for profile " + profile_.name + " (kept in the system keychain):",
        QLineEdit::Password, {}, &ok);
    if (ok && !token.trimmed().isEmpty())
        setKeychainToken(token.trimmed());
}

void ConsoleWindow::setKeychainToken(const QString& token) {
    tokenState_->setText("Token: saving to the keychain…");
    token_.store(profile_.name, token);
}

void ConsoleWindow::forgetKeychainToken() {
    token_.forget(profile_.name);
}

void ConsoleWindow::setPrometheusUrl(const QString& url) {
    prometheusUrl_ = url;
    overview_->setClient(nullptr);
    cluster_->setClient(nullptr);
    prometheus_.reset();
    if (url.isEmpty()) {
        prometheusState_->setText("Prometheus: not configured");
        return;
    }
    PrometheusClient::Options options;
    options.baseUrl = url;
    options.timeout = std::chrono::seconds(5);
    prometheus_ = std::make_unique<PrometheusClient>(options);
    overview_->setClient(prometheus_.get());
    cluster_->setClient(prometheus_.get());
    refreshNow();
}

void ConsoleWindow::refreshNow() {
    overview_->refresh(range());
    cluster_->refresh();
}

void ConsoleWindow::setRefreshInterval(std::chrono::milliseconds interval) {
    // The nearest preset, or exactly this one (tests refresh faster than any preset).
    timer_.start(interval);
}

bool ConsoleWindow::setRange(std::chrono::seconds span) {
    const int i = range_->findData(static_cast<int>(span.count()));
    if (i < 0)
        return false;
    range_->setCurrentIndex(i);
    return true;
}

bool ConsoleWindow::showPage(const QString& name) {
    const int row = static_cast<int>(pageNames().indexOf(name));
    if (row < 0)
        return false;
    pages_->setCurrentRow(row);
    return true;
}

bool ConsoleWindow::pageHasData(const QString& name) const {
    // While the demo traffic warms card histories, no page shows live figures yet.
    if (local_ && local_->state().loadRunning &&
        local_->state().loadPhase == LocalClusterState::LoadPhase::WarmingUp)
        return false;
    if (name == "Overview")
        return overview_->hasData();
    if (name == "Cluster")
        return cluster_->hasData();
    return true;
}

}  // namespace fraudops
