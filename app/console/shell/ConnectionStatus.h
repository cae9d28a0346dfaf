#pragma once

#include <QWidget>

class QLabel;

namespace fraudops {

class ConsoleSession;

// The status bar's view of the open connection: whether Prometheus answers, how many scorers
// answer, and where the token came from (or what went wrong with the keychain).
class ConnectionStatus : public QWidget {
    Q_OBJECT
public:
    explicit ConnectionStatus(ConsoleSession& session, QWidget* parent = nullptr);

    QString prometheusText() const;
    QString scorersText() const;
    QString tokenText() const;

private:
    QLabel* prometheus_;
    QLabel* scorers_;
    QLabel* token_;
};

}  // namespace fraudops
