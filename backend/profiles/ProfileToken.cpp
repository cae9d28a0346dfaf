#include "ProfileToken.h"

#include <QFile>

namespace fraudops {
namespace {

void addProblem(TokenLookup& lookup, const QString& problem) {
    lookup.problems += (lookup.problems.isEmpty() ? QString() : QStringLiteral("; ")) + problem;
}

}  // namespace

ProfileToken::ProfileToken(QObject* parent) : QObject(parent) {
    qRegisterMetaType<TokenLookup>();
    connect(&keychain_, &KeychainTokens::finished, this, [this](const KeychainResult& r) {
        if (r.operation != KeychainResult::Operation::Read) {
            onKeychainChanged(r);
            return;
        }
        if (keychainAskedAt_ != generation_ || r.profile != pending_.name)
            return;  // an answer about a profile no longer asked about
        TokenLookup lookup;
        lookup.profile = r.profile;
        if (r.ok() && !r.token.isEmpty()) {
            lookup.token = r.token.trimmed();
            lookup.source = QStringLiteral("keychain");
            emit resolved(lookup);
            return;
        }
        addProblem(lookup, r.outcome == KeychainResult::Outcome::NotFound
                               ? QStringLiteral("no token in the keychain for this profile")
                               : QStringLiteral("keychain: ") + r.error);
        fromEnvironmentOrFile(lookup);
    });
}

void ProfileToken::store(const QString& profile, const QString& token) {
    keychain_.write(profile, token);
}

void ProfileToken::forget(const QString& profile) {
    keychain_.forget(profile);
}

void ProfileToken::onKeychainChanged(const KeychainResult& r) {
    const bool stored = r.operation == KeychainResult::Operation::Write;
    const bool done = r.ok() || (!stored && r.outcome == KeychainResult::Outcome::NotFound);
    if (done) {
        // The answer may come after the user moved on: it is about r.profile, as saved now
        // (a profile deleted meanwhile stays deleted).
        if (auto p = ProfileStore().find(r.profile)) {
            p->tokenInKeychain = stored;
            ProfileStore().save(*p);
        }
    }
    emit keychainChanged(r);
}

void ProfileToken::resolve(const ConnectionProfile& profile) {
    ++generation_;
    pending_ = profile;
    if (profile.tokenInKeychain) {
        keychainAskedAt_ = generation_;
        keychain_.read(profile.name);
        return;
    }
    TokenLookup lookup;
    lookup.profile = profile.name;
    fromEnvironmentOrFile(lookup);
}

void ProfileToken::fromEnvironmentOrFile(TokenLookup lookup) {
    const ConnectionProfile& p = pending_;
    if (!p.tokenEnvironmentVariable.isEmpty()) {
        const QByteArray v = qgetenv(p.tokenEnvironmentVariable.toUtf8().constData());
        if (!v.trimmed().isEmpty()) {
            lookup.token = QString::fromUtf8(v).trimmed();
            lookup.source = QStringLiteral("environment variable ") + p.tokenEnvironmentVariable;
            emit resolved(lookup);
            return;
        }
    }
    if (!p.tokenFile.isEmpty()) {
        QFile f(p.tokenFile);
        if (f.open(QIODevice::ReadOnly)) {
            lookup.token = QString::fromUtf8(f.readAll()).trimmed();
            if (!lookup.token.isEmpty()) {
                lookup.source = QStringLiteral("file ") + p.tokenFile;
                emit resolved(lookup);
                return;
            }
            addProblem(lookup, QStringLiteral("token file %1 is empty").arg(p.tokenFile));
        } else {
            addProblem(lookup,
                       QStringLiteral("token file %1: %2").arg(p.tokenFile, f.errorString()));
        }
    }
    emit resolved(lookup);
}

}  // namespace fraudops
