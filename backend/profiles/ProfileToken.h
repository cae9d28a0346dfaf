#pragma once

#include <QObject>
#include <QString>

#include "ConnectionProfile.h"
#include "KeychainTokens.h"

namespace fraudops {

// Where a profile's token came from, or why there is none.
struct TokenLookup {
    QString profile;
    QString token;     // empty: call without one
    QString source;    // "keychain", "environment variable FRAUDOPS_TOKEN", "file /path"
    QString problems;  // sources the profile names that gave nothing, and why
};

// Finds a profile's token: the system keychain when the profile keeps it there, then the
// environment variable, then the file; the first that has one wins. A source that fails
// (no keychain on this machine, an unreadable file) is reported in `problems` and the next
// is tried, so a keychain-less server can still run the console from a file.
class ProfileToken : public QObject {
    Q_OBJECT
public:
    explicit ProfileToken(QObject* parent = nullptr);

    // Asynchronous when the keychain is asked; `resolved` comes once for the latest call
    // (an answer for a profile asked about before is dropped).
    void resolve(const ConnectionProfile& profile);
    // Keeps `token` in the keychain for the saved profile `profile` and, once it is there,
    // records in the profile that its token lives there; forget does the reverse (a token
    // already gone counts as forgotten). A failed write leaves the profile as it was (a
    // token kept before stays). `keychainChanged` reports the outcome after the profile is
    // saved, so a lookup started from it finds the new state.
    void store(const QString& profile, const QString& token);
    void forget(const QString& profile);
    KeychainTokens& keychain() { return keychain_; }

signals:
    void resolved(const fraudops::TokenLookup& lookup);
    void keychainChanged(const fraudops::KeychainResult& result);

private:
    void fromEnvironmentOrFile(TokenLookup lookup);
    void onKeychainChanged(const KeychainResult& result);

    KeychainTokens keychain_;
    ConnectionProfile pending_;
    quint64 generation_ = 0;
    quint64 keychainAskedAt_ = 0;
};

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::TokenLookup)
