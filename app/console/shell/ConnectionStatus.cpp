#include "ConnectionStatus.h"

#include <QHBoxLayout>
#include <QLabel>

#include "ConsoleSession.h"

namespace fraudops {
namespace {

const QString kGood = QStringLiteral("color: #2e7d32;");
const QString kBad = QStringLiteral("color: #c62828;");
const QString kWarning = QStringLiteral("color: #ef6c00;");

}  // namespace

ConnectionStatus::ConnectionStatus(ConsoleSession& session, QWidget* parent)
    : QWidget(parent),
      prometheus_(new QLabel("Prometheus: …", this)),
      scorers_(new QLabel(this)),
      token_(new QLabel(this)) {
    prometheus_->setObjectName("prometheusState");
    scorers_->setObjectName("scorerState");
    token_->setObjectName("tokenState");
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(16);
    for (QLabel* l : {prometheus_, scorers_, token_})
        layout->addWidget(l);

    connect(
        &session, &ConsoleSession::prometheusAnswered, this, [this](bool ok, const QString& error) {
            prometheus_->setText(ok ? QStringLiteral("Prometheus: up") : "Prometheus: " + error);
            prometheus_->setStyleSheet(ok ? kGood : kBad);
        });
    connect(&session.scorers(), &ReplicaStatusPoller::roundFinished, this,
            [this](const std::vector<ReplicaStatusReading>& readings) {
                const auto count = [&](ReplicaHealth h) {
                    return std::count_if(readings.begin(), readings.end(),
                                         [h](const auto& r) { return r.health == h; });
                };
                const auto up = count(ReplicaHealth::Up), refused = count(ReplicaHealth::Refused);
                const auto all = static_cast<long>(readings.size());
                QString text = QStringLiteral("Scorers: %1 of %2 up").arg(up).arg(all);
                // Answering but refusing this token is not down: the fix is a token, not a page.
                if (refused > 0)
                    text += QStringLiteral(", %1 refuse the token").arg(refused);
                scorers_->setText(text);
                scorers_->setStyleSheet(up == all ? kGood : up + refused == all ? kWarning : kBad);
            });
    connect(&session, &ConsoleSession::profileChanged, this, [this] {
        token_->setText("Token: looking up…");
        token_->setStyleSheet({});
        scorers_->clear();
    });
    connect(&session, &ConsoleSession::tokenResolved, this, [this](const TokenLookup& lookup) {
        QString text = lookup.token.isEmpty() ? QStringLiteral("Token: none")
                                              : QStringLiteral("Token: from ") + lookup.source;
        if (!lookup.problems.isEmpty())
            text += QStringLiteral(" (") + lookup.problems + ")";
        token_->setText(text);
        token_->setStyleSheet(lookup.problems.isEmpty() ? QString() : kWarning);
    });
    connect(&session, &ConsoleSession::keychainFailed, this, [this](const QString& error) {
        token_->setText(QStringLiteral("Token: keychain: ") + error);
        token_->setStyleSheet(kBad);
    });
}

QString ConnectionStatus::prometheusText() const {
    return prometheus_->text();
}

QString ConnectionStatus::scorersText() const {
    return scorers_->text();
}

QString ConnectionStatus::tokenText() const {
    return token_->text();
}

}  // namespace fraudops
