#pragma once

#include <QDialog>

#include "profiles/ConnectionCheck.h"
#include "profiles/ConnectionProfile.h"
#include "profiles/ProfileToken.h"

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace fraudops {

// Connection profiles: add, edit, delete, and test one before saving it. A token typed
// here goes to the system keychain, never to the settings; "Test connection" calls every
// scorer's GetStatus and Prometheus's `up` for the scrape job off the GUI thread and lists
// what answered.
class ProfileDialog : public QDialog {
    Q_OBJECT
public:
    explicit ProfileDialog(const QString& current, QWidget* parent = nullptr);

    // The profile the form describes (unsaved edits included).
    ConnectionProfile formProfile() const;
    void setFormProfile(const ConnectionProfile& profile);
    // Validates and saves the form; false (and the errors shown) if it cannot be saved.
    bool saveForm();
    void testConnection();
    void setToken(const QString& token);
    QString errorText() const;
    QString checkText() const;
    bool checkRunning() const { return testing_; }  // from the click to the report
    QStringList savedProfileNames() const;

signals:
    // A profile was saved or deleted.
    void profilesChanged();

private:
    void reloadList(const QString& select);
    void showReport(const ConnectionReport& report);

    QListWidget* list_;
    QLineEdit* name_;
    QPlainTextEdit* scorers_;
    QLineEdit* prometheus_;
    QLineEdit* job_;
    QSpinBox* scrapeInterval_;
    QCheckBox* tls_;
    QLineEdit* ca_;
    QLineEdit* serverName_;
    QDoubleSpinBox* slo_;
    QLineEdit* token_;
    QLineEdit* tokenEnv_;
    QLineEdit* tokenFile_;
    QLabel* errors_;
    QPlainTextEdit* checkOutput_;
    QPushButton* test_;
    ConnectionCheck check_;
    ProfileToken profileToken_;
    bool tokenInKeychain_ = false;
    bool testing_ = false;
};

}  // namespace fraudops
