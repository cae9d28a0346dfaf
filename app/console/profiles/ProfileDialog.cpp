#include "ProfileDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "profiles/ProfileValidation.h"

namespace fraudops {

ProfileDialog::ProfileDialog(const QString& current, QWidget* parent)
    : QDialog(parent),
      list_(new QListWidget(this)),
      name_(new QLineEdit(this)),
      scorers_(new QPlainTextEdit(this)),
      prometheus_(new QLineEdit(this)),
      job_(new QLineEdit(this)),
      scrapeInterval_(new QSpinBox(this)),
      tls_(new QCheckBox("TLS", this)),
      ca_(new QLineEdit(this)),
      serverName_(new QLineEdit(this)),
      slo_(new QDoubleSpinBox(this)),
      token_(new QLineEdit(this)),
      tokenEnv_(new QLineEdit(this)),
      tokenFile_(new QLineEdit(this)),
      errors_(new QLabel(this)),
      checkOutput_(new QPlainTextEdit(this)),
      test_(new QPushButton("Test connection", this)) {
    setWindowTitle("Connection profiles");
    resize(820, 560);
    scorers_->setPlaceholderText("one host:port a line");
    scorers_->setMaximumHeight(80);
    prometheus_->setPlaceholderText("http://prometheus:9090");
    scrapeInterval_->setRange(1, 3600);
    scrapeInterval_->setSuffix(" s");
    slo_->setRange(0.1, 10'000);
    slo_->setSuffix(" ms");
    ca_->setPlaceholderText("empty: the system's roots");
    serverName_->setPlaceholderText("if the certificate names another host");
    token_->setEchoMode(QLineEdit::Password);
    token_->setPlaceholderText("typed here, kept in the system keychain on Save");
    tokenEnv_->setPlaceholderText("e.g. FRAUDOPS_TOKEN");
    tokenFile_->setPlaceholderText("a file holding the token");
    errors_->setStyleSheet("color: #c62828;");
    errors_->setWordWrap(true);
    checkOutput_->setReadOnly(true);
    checkOutput_->setPlaceholderText("Test connection lists what answered.");

    auto* browse = new QPushButton("…", this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, "CA bundle", ca_->text());
        if (!f.isEmpty())
            ca_->setText(f);
    });
    auto* caRow = new QHBoxLayout;
    caRow->addWidget(ca_, 1);
    caRow->addWidget(browse);

    auto* form = new QFormLayout;
    form->addRow("Name", name_);
    form->addRow("Scorers", scorers_);
    form->addRow("Prometheus", prometheus_);
    form->addRow("Scrape job", job_);
    form->addRow("Scrape interval", scrapeInterval_);
    form->addRow("", tls_);
    form->addRow("CA file", caRow);
    form->addRow("Server name", serverName_);
    form->addRow("Latency SLO", slo_);
    form->addRow("Token", token_);
    form->addRow("or environment variable", tokenEnv_);
    form->addRow("or file", tokenFile_);

    auto* newButton = new QPushButton("New", this);
    auto* deleteButton = new QPushButton("Delete", this);
    auto* listButtons = new QHBoxLayout;
    listButtons->addWidget(newButton);
    listButtons->addWidget(deleteButton);
    auto* left = new QVBoxLayout;
    left->addWidget(list_, 1);
    left->addLayout(listButtons);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Close, this);
    buttons->addButton(test_, QDialogButtonBox::ActionRole);
    auto* right = new QVBoxLayout;
    right->addLayout(form);
    right->addWidget(errors_);
    right->addWidget(checkOutput_, 1);
    right->addWidget(buttons);
    auto* layout = new QHBoxLayout(this);
    layout->addLayout(left);
    layout->addLayout(right, 1);
    list_->setFixedWidth(180);

    connect(list_, &QListWidget::currentTextChanged, this, [this](const QString& name) {
        if (const auto p = ProfileStore().find(name))
            setFormProfile(*p);
    });
    connect(newButton, &QPushButton::clicked, this, [this] {
        list_->clearSelection();
        ConnectionProfile fresh;
        fresh.tokenInKeychain = true;
        setFormProfile(fresh);
        name_->setFocus();
    });
    connect(deleteButton, &QPushButton::clicked, this, [this] {
        const QString name = name_->text();
        if (name.isEmpty() || name == "local" || !ProfileStore().find(name))
            return;
        ProfileStore().remove(name);
        profileToken_.forget(name);  // its token goes with it
        reloadList({});
        emit profilesChanged();
    });
    connect(buttons, &QDialogButtonBox::accepted, this, [this] { saveForm(); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(test_, &QPushButton::clicked, this, &ProfileDialog::testConnection);
    connect(&check_, &ConnectionCheck::finished, this, &ProfileDialog::showReport);
    connect(&profileToken_, &ProfileToken::resolved, this,
            [this](const TokenLookup& lookup) { check_.run(formProfile(), lookup.token); });
    // A saved profile with a new token is announced once the keychain has it (and the
    // profile says so), so that the console's next lookup finds it.
    connect(&profileToken_, &ProfileToken::keychainChanged, this, [this](const KeychainResult& r) {
        if (r.operation != KeychainResult::Operation::Write)
            return;
        if (!r.ok())
            errors_->setText("The token could not be kept in the keychain: " + r.error +
                             ". Name an environment variable or a file instead.");
        else if (r.profile == name_->text().trimmed())
            tokenInKeychain_ = true;
        emit profilesChanged();
    });
    reloadList(current);
}

void ProfileDialog::reloadList(const QString& select) {
    list_->clear();
    for (const auto& p : ProfileStore().all())
        list_->addItem(p.name);
    const auto found = list_->findItems(select, Qt::MatchExactly);
    list_->setCurrentRow(found.isEmpty() ? 0 : list_->row(found.first()));
}

QStringList ProfileDialog::savedProfileNames() const {
    QStringList names;
    for (const auto& p : ProfileStore().all())
        names << p.name;
    return names;
}

ConnectionProfile ProfileDialog::formProfile() const {
    ConnectionProfile p;
    p.name = name_->text().trimmed();
    for (const QString& line : scorers_->toPlainText().split('\n', Qt::SkipEmptyParts)) {
        if (!line.trimmed().isEmpty())
            p.scorerEndpoints << line.trimmed();
    }
    p.prometheusUrl = prometheus_->text().trimmed();
    p.scrapeJob = job_->text().trimmed();
    p.scrapeIntervalSeconds = scrapeInterval_->value();
    p.tls = tls_->isChecked();
    p.caFile = ca_->text().trimmed();
    p.serverName = serverName_->text().trimmed();
    p.latencySloMs = slo_->value();
    p.tokenInKeychain = tokenInKeychain_;  // set once a token typed here is in the keychain
    p.tokenEnvironmentVariable = tokenEnv_->text().trimmed();
    p.tokenFile = tokenFile_->text().trimmed();
    return p;
}

void ProfileDialog::setFormProfile(const ConnectionProfile& p) {
    name_->setText(p.name);
    scorers_->setPlainText(p.scorerEndpoints.join('\n'));
    prometheus_->setText(p.prometheusUrl);
    job_->setText(p.scrapeJob);
    scrapeInterval_->setValue(p.scrapeIntervalSeconds);
    tls_->setChecked(p.tls);
    ca_->setText(p.caFile);
    serverName_->setText(p.serverName);
    slo_->setValue(p.latencySloMs);
    tokenInKeychain_ = p.tokenInKeychain;
    token_->clear();
    token_->setPlaceholderText(p.tokenInKeychain
                                   ? "kept in the keychain; type to replace it"
                                   : "typed here, kept in the system keychain on Save");
    tokenEnv_->setText(p.tokenEnvironmentVariable);
    tokenFile_->setText(p.tokenFile);
    errors_->clear();
    checkOutput_->clear();
    // The built-in profile is the local cluster's: only its token can change.
    for (QWidget* w :
         std::initializer_list<QWidget*>{name_, scorers_, prometheus_, job_, scrapeInterval_, tls_,
                                         ca_, serverName_, slo_, tokenEnv_, tokenFile_})
        w->setEnabled(!p.isLocal());
    test_->setEnabled(!p.isLocal());
}

void ProfileDialog::setToken(const QString& token) {
    token_->setText(token);
}

QString ProfileDialog::errorText() const {
    return errors_->text();
}

QString ProfileDialog::checkText() const {
    return checkOutput_->toPlainText();
}

bool ProfileDialog::saveForm() {
    const ConnectionProfile p = formProfile();
    const QString token = token_->text().trimmed();
    if (p.isLocal()) {
        token_->clear();
        if (!token.isEmpty())
            profileToken_.store(p.name, token);  // profilesChanged when it is there
        return true;
    }
    const QStringList errors = profileErrors(p);
    errors_->setText(errors.join('\n'));
    if (!errors.isEmpty())
        return false;
    ProfileStore().save(p);
    token_->clear();
    reloadList(p.name);
    if (token.isEmpty())
        emit profilesChanged();
    else
        profileToken_.store(p.name, token);  // profilesChanged when it is there
    return true;
}

void ProfileDialog::testConnection() {
    const ConnectionProfile p = formProfile();
    const QStringList errors = profileErrors(p);
    // A new profile may be tested before it has a name.
    QStringList blocking;
    for (const QString& e : errors) {
        if (!e.startsWith("name:"))
            blocking << e;
    }
    errors_->setText(blocking.join('\n'));
    if (!blocking.isEmpty())
        return;
    checkOutput_->setPlainText("Testing…");
    testing_ = true;
    test_->setEnabled(false);
    // The token typed here, else the one the profile would use (keychain, variable, file).
    const QString typed = token_->text().trimmed();
    if (!typed.isEmpty())
        check_.run(p, typed);
    else
        profileToken_.resolve(p);
}

void ProfileDialog::showReport(const ConnectionReport& report) {
    testing_ = false;
    test_->setEnabled(true);
    QStringList lines;
    for (const auto& s : report.scorers) {
        if (s.answered)
            lines << QStringLiteral("✔ %1: %2, generation %3, stable %4%5")
                         .arg(s.address, s.replica)
                         .arg(s.generation)
                         .arg(s.stableVersion.isEmpty() ? "-" : s.stableVersion,
                              s.canaryVersion.isEmpty() ? "" : ", canary " + s.canaryVersion);
        else
            lines << QStringLiteral("✘ %1: %2").arg(s.address, s.error);
    }
    if (report.prometheusAnswered)
        lines << QStringLiteral("%1 Prometheus: %2 of %3 targets of job \"%4\" up")
                     .arg(report.targets > 0 && report.targetsUp == report.targets ? "✔" : "✘")
                     .arg(report.targetsUp)
                     .arg(report.targets)
                     .arg(job_->text().trimmed());
    else
        lines << "✘ Prometheus: " + report.prometheusError;
    checkOutput_->setPlainText(lines.join('\n'));
}

}  // namespace fraudops
