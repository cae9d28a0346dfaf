#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>

namespace QKeychain {
class Job;
}

namespace fraudops {

// What a keychain operation came to.
struct KeychainResult {
    enum class Operation { Read, Write, Forget };
    enum class Outcome { Ok, NotFound, Unavailable, Failed };
    Operation operation = Operation::Read;
    QString profile;
    Outcome outcome = Outcome::Failed;
    QString token;  // for a successful read
    QString error;  // why, when not Ok
    bool ok() const { return outcome == Outcome::Ok; }
};

// A profile's token in the system keychain through QtKeychain (the Secret Service on Linux:
// GNOME Keyring, KWallet's bridge; the Keychain on macOS; the Credential Store on Windows).
// Every operation is asynchronous, because the Secret Service is a D-Bus round trip that may
// wait on an unlock prompt, and its result comes back through `finished`. QtKeychain's
// "insecure fallback" (plain text in QSettings) stays off: without a keychain the profile
// names a file or an environment variable instead.
class KeychainTokens : public QObject {
    Q_OBJECT
public:
    explicit KeychainTokens(QObject* parent = nullptr);

    // The keychain entry is (service, "profile/<name>").
    static QString service();
    void read(const QString& profile);
    void write(const QString& profile, const QString& token);
    void forget(const QString& profile);

signals:
    void finished(const fraudops::KeychainResult& result);

private:
    void run(QKeychain::Job* job, KeychainResult::Operation operation, const QString& profile);
};

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::KeychainResult)
