#include "ConsoleWindow.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTime>
#include <QToolBar>
#include <QVBoxLayout>

#include "ConnectionStatus.h"
#include "PageRegistry.h"
#include "TimeRangePicker.h"
#include "ViewSettings.h"
#include "profiles/ProfileDialog.h"

namespace fraudops {
namespace {

QString intervalLabel(std::chrono::milliseconds ms) {
    if (ms.count() == 0)
        return QStringLiteral("off");
    if (ms.count() % 60'000 == 0)
        return QStringLiteral("%1 m").arg(ms.count() / 60'000);
    if (ms.count() % 1000 == 0)
        return QStringLiteral("%1 s").arg(ms.count() / 1000);
    return QStringLiteral("%1 ms").arg(ms.count());
}

QString bannerStyle(PageState::Kind kind) {
    switch (kind) {
        case PageState::Kind::WarmingUp:
        case PageState::Kind::Stale:
            return QStringLiteral("background: #fff3e0; color: #e65100; padding: 6px;");
        case PageState::Kind::Error:
            return QStringLiteral("background: #ffebee; color: #b71c1c; padding: 6px;");
        default:
            return QStringLiteral("background: #eceff1; color: #37474f; padding: 6px;");
    }
}

}  // namespace

ConsoleWindow::ConsoleWindow(ConnectionProfile profile, LocalCluster* local, QWidget* parent)
    : QMainWindow(parent),
      session_(std::move(profile), local),
      list_(new QListWidget(this)),
      stack_(new QStackedWidget(this)),
      banner_(new QLabel(this)),
      profiles_(new QComboBox(this)),
      range_(new TimeRangePicker(this)),
      refreshEvery_(new QComboBox(this)),
      updated_(new QLabel("not updated yet", this)),
      status_(new ConnectionStatus(session_, this)) {
    setWindowTitle("FraudOps console");
    resize(1440, 900);

    auto* toolbar = addToolBar("Connection");
    toolbar->setMovable(false);
    toolbar->addWidget(new QLabel(" Profile ", this));
    for (const auto& p : ProfileStore().all())
        profiles_->addItem(p.name);
    profiles_->setCurrentText(session_.profile().name);
    toolbar->addWidget(profiles_);
    toolbar->addAction("Profiles…", this, &ConsoleWindow::editProfiles)
        ->setToolTip("Add, edit, test and delete connection profiles");
    toolbar->addAction("Set token…", this, &ConsoleWindow::askForToken)
        ->setToolTip("Keep this profile's token in the system keychain");
    toolbar->addAction("Forget token", this, [this] { forgetKeychainToken(); })
        ->setToolTip("Remove this profile's token from the system keychain");
    toolbar->addSeparator();
    toolbar->addWidget(range_);
    toolbar->addWidget(new QLabel(" Refresh ", this));
    for (const int ms : {0, 5000, 10000, 30000, 60000})
        refreshEvery_->addItem(intervalLabel(std::chrono::milliseconds(ms)), ms);
    refreshEvery_->setObjectName("refreshInterval");
    toolbar->addWidget(refreshEvery_);
    auto* refresh = toolbar->addAction("Refresh", this, &ConsoleWindow::refreshNow);
    refresh->setShortcuts({QKeySequence::Refresh, QKeySequence(Qt::CTRL | Qt::Key_R)});
    refresh->setToolTip("Refresh now (F5)");
    auto* spacer = new QWidget(this);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolbar->addWidget(spacer);
    toolbar->addWidget(updated_);

    for (const auto& make : consolePages()) {
        ConsolePage* page = make(session_, stack_);
        const int index = static_cast<int>(pages_.size());
        pages_.push_back(page);
        stack_->addWidget(page);
        list_->addItem(page->title());
        if (index < 9) {
            auto* go = new QAction(page->title(), this);
            go->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + index)));
            connect(go, &QAction::triggered, this, [this, index] { list_->setCurrentRow(index); });
            addAction(go);
            list_->item(index)->setToolTip(QStringLiteral("%1 (%2)").arg(
                page->title(), go->shortcut().toString(QKeySequence::NativeText)));
        }
        connect(page, &ConsolePage::stateChanged, this, [this] { showState(); });
        connect(page, &ConsolePage::badgeChanged, this, [this, page, index] {
            const QString badge = page->badge();
            list_->item(index)->setText(badge.isEmpty() ? page->title()
                                                        : page->title() + "  (" + badge + ")");
        });
        connect(page, &ConsolePage::openPageRequested, this,
                [this](const QString& title) { showPage(title); });
    }
    for (ConsolePage* page : pages_)
        page->setPageTitles(pageTitles());
    list_->setFixedWidth(140);
    list_->setCurrentRow(0);
    banner_->setObjectName("pageStateBanner");
    banner_->setWordWrap(true);
    banner_->hide();
    auto* central = new QWidget(this);
    auto* right = new QVBoxLayout;
    right->addWidget(banner_);
    right->addWidget(stack_, 1);
    auto* layout = new QHBoxLayout(central);
    layout->addWidget(list_);
    layout->addLayout(right, 1);
    setCentralWidget(central);
    statusBar()->addWidget(status_);

    connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
        stack_->setCurrentIndex(row);
        showState();
        refreshNow();  // a page shown again is brought up to date at once
    });
    connect(range_, &TimeRangePicker::rangeChanged, this, [this] {
        saveViewSettings();
        refreshNow();
    });
    connect(refreshEvery_, &QComboBox::currentIndexChanged, this, [this] {
        const int ms = refreshEvery_->currentData().toInt();
        if (ms > 0)
            timer_.start(ms);
        else
            timer_.stop();
        saveViewSettings();
    });
    connect(profiles_, &QComboBox::currentTextChanged, this, [this](const QString& name) {
        if (const auto p = ProfileStore().find(name))
            openProfile(*p);
    });
    connect(&timer_, &QTimer::timeout, this, &ConsoleWindow::refreshNow);
    connect(&session_, &ConsoleSession::ready, this, &ConsoleWindow::refreshNow);
    connect(&session_, &ConsoleSession::prometheusChanged, this, &ConsoleWindow::refreshNow);
    connect(&session_, &ConsoleSession::prometheusAnswered, this,
            [this] { updated_->setText("updated " + QTime::currentTime().toString("HH:mm:ss")); });
    connect(&session_, &ConsoleSession::warmupChanged, this, [this] {
        if (!session_.warmup())
            refreshNow();  // the figures start now
    });
    openProfile(session_.profile());
}

ConsoleWindow::~ConsoleWindow() = default;

void ConsoleWindow::openProfile(const ConnectionProfile& profile) {
    loadingSettings_ = true;
    const ViewSettings view = ViewSettings::load(profile.name);
    range_->setRange(view.range);
    setRefreshInterval(view.refresh);
    loadingSettings_ = false;
    session_.open(profile);
}

void ConsoleWindow::saveViewSettings() const {
    if (loadingSettings_)
        return;
    ViewSettings view;
    view.range = range_->range();
    view.refresh = refreshInterval();
    view.save(session_.profile().name);
}

QStringList ConsoleWindow::pageTitles() const {
    QStringList titles;
    for (const ConsolePage* p : pages_)
        titles << p->title();
    return titles;
}

ConsolePage* ConsoleWindow::page(const QString& title) const {
    for (ConsolePage* p : pages_) {
        if (p->title().compare(title, Qt::CaseInsensitive) == 0)
            return p;
    }
    return nullptr;
}

ConsolePage* ConsoleWindow::currentPage() const {
    const int row = list_->currentRow();
    return row >= 0 ? pages_[static_cast<std::size_t>(row)] : nullptr;
}

bool ConsoleWindow::showPage(const QString& title) {
    ConsolePage* p = page(title);
    if (!p)
        return false;
    list_->setCurrentRow(
        static_cast<int>(std::find(pages_.begin(), pages_.end(), p) - pages_.begin()));
    return true;
}

bool ConsoleWindow::pageHasData(const QString& title) const {
    const ConsolePage* p = page(title);
    return p && p->content().complete;
}

void ConsoleWindow::showState() {
    const ConsolePage* p = currentPage();
    if (!p)
        return;
    const PageState s = p->state();
    const bool show = s.kind != PageState::Kind::Live && s.kind != PageState::Kind::Loading &&
                      !s.message.isEmpty();
    banner_->setText(s.message);
    banner_->setStyleSheet(bannerStyle(s.kind));
    banner_->setVisible(show);
}

QString ConsoleWindow::bannerText() const {
    return banner_->isVisible() ? banner_->text() : QString();
}

void ConsoleWindow::refreshNow() {
    session_.pollScorers();
    const TimeWindow window = range_->range().window(QDateTime::currentDateTimeUtc());
    ConsolePage* shown = currentPage();
    for (ConsolePage* p : pages_) {
        if (p == shown || p->refreshesWhenHidden())
            p->refresh(window);
    }
}

void ConsoleWindow::setRefreshInterval(std::chrono::milliseconds interval) {
    const int ms = static_cast<int>(std::max<qint64>(0, interval.count()));
    int i = refreshEvery_->findData(ms);
    if (i < 0) {
        refreshEvery_->addItem(intervalLabel(std::chrono::milliseconds(ms)), ms);
        i = refreshEvery_->count() - 1;
    }
    if (i == refreshEvery_->currentIndex()) {
        // The same entry: the timer may still need starting (the window is new).
        if (ms > 0 && (!timer_.isActive() || timer_.interval() != ms))
            timer_.start(ms);
        return;
    }
    refreshEvery_->setCurrentIndex(i);  // starts or stops the timer, and saves
}

std::chrono::milliseconds ConsoleWindow::refreshInterval() const {
    return std::chrono::milliseconds(refreshEvery_->currentData().toInt());
}

void ConsoleWindow::setRange(const TimeRange& range) {
    range_->setRange(range);
}

TimeRange ConsoleWindow::range() const {
    return range_->range();
}

void ConsoleWindow::editProfiles() {
    ProfileDialog dialog(session_.profile().name, this);
    connect(&dialog, &ProfileDialog::profilesChanged, this, &ConsoleWindow::reloadProfiles);
    dialog.exec();
}

void ConsoleWindow::reloadProfiles() {
    const QSignalBlocker quiet(profiles_);
    profiles_->clear();
    for (const auto& p : ProfileStore().all())
        profiles_->addItem(p.name);
    // The current profile again, as saved now; `local` if it was deleted.
    const auto current = ProfileStore().find(session_.profile().name);
    const ConnectionProfile next = current ? *current : ProfileStore::local();
    profiles_->setCurrentText(next.name);
    openProfile(next);
}

bool ConsoleWindow::selectProfile(const QString& name) {
    if (profiles_->findText(name) < 0 || !ProfileStore().find(name))
        return false;
    profiles_->setCurrentText(name);  // opens it
    return true;
}

void ConsoleWindow::askForToken() {
    bool ok = false;
    const QString token = QInputDialog::getText(
        this, "Set token",
        "Token for profile " + session_.profile().name + " (kept in the system keychain):",
        QLineEdit::Password, {}, &ok);
    if (ok && !token.trimmed().isEmpty())
        setKeychainToken(token.trimmed());
}

}  // namespace fraudops
