#include "KeychainTokens.h"

#include <qt6keychain/keychain.h>

namespace fraudops {
namespace {

QString keyOf(const QString& profile) {
    return QStringLiteral("profile/") + profile;
}

KeychainResult::Outcome outcomeOf(QKeychain::Error error) {
    switch (error) {
        case QKeychain::NoError:
            return KeychainResult::Outcome::Ok;
        case QKeychain::EntryNotFound:
            return KeychainResult::Outcome::NotFound;
        case QKeychain::NoBackendAvailable:
        case QKeychain::NotImplemented:
            return KeychainResult::Outcome::Unavailable;
        case QKeychain::OtherError:
            // QtKeychain reports "no D-Bus session" and "no Secret Service on the bus" this
            // way; for the user both mean there is no keychain to use here.
            return KeychainResult::Outcome::Unavailable;
        default:
            return KeychainResult::Outcome::Failed;
    }
}

}  // namespace

KeychainTokens::KeychainTokens(QObject* parent) : QObject(parent) {
    qRegisterMetaType<KeychainResult>();
}

QString KeychainTokens::service() {
    return QStringLiteral("FraudOps console");
}

void KeychainTokens::read(const QString& profile) {
    auto* job = new QKeychain::ReadPasswordJob(service(), this);
    job->setKey(keyOf(profile));
    run(job, KeychainResult::Operation::Read, profile);
}

void KeychainTokens::write(const QString& profile, const QString& token) {
    auto* job = new QKeychain::WritePasswordJob(service(), this);
    job->setKey(keyOf(profile));
    job->setTextData(token);
    run(job, KeychainResult::Operation::Write, profile);
}

void KeychainTokens::forget(const QString& profile) {
    auto* job = new QKeychain::DeletePasswordJob(service(), this);
    job->setKey(keyOf(profile));
    run(job, KeychainResult::Operation::Forget, profile);
}

void KeychainTokens::run(QKeychain::Job* job, KeychainResult::Operation operation,
                         const QString& profile) {
    // The job deletes itself after `finished` (QtKeychain's autoDelete).
    connect(job, &QKeychain::Job::finished, this, [this, job, operation, profile] {
        KeychainResult r;
        r.operation = operation;
        r.profile = profile;
        r.outcome = outcomeOf(job->error());
        if (!r.ok())
            r.error = job->errorString();
        else if (auto* read = qobject_cast<QKeychain::ReadPasswordJob*>(job))
            r.token = read->textData();
        emit finished(r);
    });
    job->start();
}

}  // namespace fraudops
