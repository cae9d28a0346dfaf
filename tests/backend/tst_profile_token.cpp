// Profiles and where their tokens come from, on a machine without a keychain (no D-Bus
// session, as on a CI runner or a server): the keychain's failure is reported and the
// environment variable, then the file, are used; nothing is ever written to the settings
// in plain text. The keychain itself (a real Secret Service) is exercised end to end by
// tst_console_remote_profile.
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "profiles/ConnectionProfile.h"
#include "profiles/ProfileToken.h"
#include "profiles/ProfileValidation.h"

using namespace fraudops;

namespace {

TokenLookup resolveNow(ProfileToken& resolver, const ConnectionProfile& profile) {
    QSignalSpy spy(&resolver, &ProfileToken::resolved);
    resolver.resolve(profile);
    if (spy.isEmpty() && !spy.wait(30'000))
        return {};
    return spy.takeFirst().at(0).value<TokenLookup>();
}

}  // namespace

class ProfileTokenTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QString writeFile(const QString& name, const QByteArray& content) {
        QFile f(dir_.filePath(name));
        f.open(QIODevice::WriteOnly);
        f.write(content);
        return f.fileName();
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        // No session bus: what a keychain-less machine looks like to QtKeychain.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + dir_.filePath("no-bus").toUtf8());
        qunsetenv("DISPLAY");
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.filePath("settings"));
        QCoreApplication::setOrganizationName("fraudops-test");
        QCoreApplication::setApplicationName("tst_profile_token");
    }

    void profilesRoundTripThroughSettings() {
        ConnectionProfile p;
        p.name = "prod";
        p.scorerEndpoints = {"scorer-0.fraud:50051", "scorer-1.fraud:50051"};
        p.prometheusUrl = "https://prometheus.fraud:9090";
        p.scrapeJob = "fraud-scoring";
        p.scrapeIntervalSeconds = 30;
        p.tls = true;
        p.caFile = "/etc/fraudops/ca.crt";
        p.serverName = "scorer.fraud";
        p.latencySloMs = 5;
        p.tokenInKeychain = true;
        p.tokenEnvironmentVariable = "PROD_TOKEN";
        p.tokenFile = "/run/secrets/fraudops";
        ProfileStore store;
        store.save(p);
        const auto all = store.all();
        QCOMPARE(all.size(), 2u);
        QCOMPARE(all.front().name, QString("local"));  // built in, always first
        const auto back = store.find("prod");
        QVERIFY(back);
        QCOMPARE(back->scorerEndpoints, p.scorerEndpoints);
        QCOMPARE(back->prometheusUrl, p.prometheusUrl);
        QCOMPARE(back->scrapeJob, p.scrapeJob);
        QCOMPARE(back->scrapeIntervalSeconds, 30);
        QCOMPARE(back->tls, true);
        QCOMPARE(back->caFile, p.caFile);
        QCOMPARE(back->serverName, p.serverName);
        QCOMPARE(back->latencySloMs, 5.0);
        QCOMPARE(back->tokenInKeychain, true);
        QCOMPARE(back->tokenEnvironmentVariable, p.tokenEnvironmentVariable);
        QCOMPARE(back->tokenFile, p.tokenFile);

        const auto endpoint = back->endpoint("scorer-0.fraud:50051", "t0k3n");
        QCOMPARE(endpoint.address, std::string("scorer-0.fraud:50051"));
        QCOMPARE(endpoint.bearerToken, std::string("t0k3n"));
        QVERIFY(endpoint.tls);
        QCOMPARE(endpoint.caFile, std::string("/etc/fraudops/ca.crt"));
        QCOMPARE(endpoint.serverName, std::string("scorer.fraud"));

        // The built-in profile keeps only where its token is.
        auto local = ProfileStore::local();
        local.tokenInKeychain = true;
        store.save(local);
        QVERIFY(ProfileStore::local().tokenInKeychain);
        QVERIFY(!QSettings().childGroups().isEmpty());
        store.remove("prod");
        QVERIFY(!store.find("prod"));
        local.tokenInKeychain = false;
        store.save(local);
    }

    void profileErrorsNameTheField_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("error");  // empty: valid
        QTest::newRow("valid") << ""
                               << ""
                               << "";
        QTest::newRow("no name") << "name"
                                 << ""
                                 << "name: required";
        QTest::newRow("reserved name") << "name"
                                       << "local"
                                       << "name: \"local\"";
        QTest::newRow("name with a slash") << "name"
                                           << "a/b"
                                           << "name: letters";
        QTest::newRow("no port") << "scorers"
                                 << "scorer-0"
                                 << "scorers: \"scorer-0\"";
        QTest::newRow("port 0") << "scorers"
                                << "scorer-0:0"
                                << "scorers: \"scorer-0:0\"";
        QTest::newRow("port too high") << "scorers"
                                       << "h:70000"
                                       << "scorers: \"h:70000\"";
        QTest::newRow("IPv6") << "scorers"
                              << "[::1]:50051"
                              << "";
        QTest::newRow("no scorers") << "scorers"
                                    << "-"
                                    << "scorers: at least one";
        QTest::newRow("ftp Prometheus") << "prometheus"
                                        << "ftp://p:9090"
                                        << "prometheus: \"ftp";
        QTest::newRow("no Prometheus") << "prometheus"
                                       << ""
                                       << "prometheus: required";
        QTest::newRow("missing CA") << "ca"
                                    << "/nonexistent/ca.crt"
                                    << "CA file: cannot read";
        QTest::newRow("no job") << "job"
                                << " "
                                << "scrape job: required";
    }
    void profileErrorsNameTheField() {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, error);
        ConnectionProfile p;
        p.name = "prod";
        p.scorerEndpoints = {"scorer-0.fraud:50051"};
        p.prometheusUrl = "https://prometheus.fraud:9090";
        p.tls = true;
        if (field == "name")
            p.name = value;
        else if (field == "scorers")
            p.scorerEndpoints = value == "-" ? QStringList{} : QStringList{value};
        else if (field == "prometheus")
            p.prometheusUrl = value;
        else if (field == "ca")
            p.caFile = value;
        else if (field == "job")
            p.scrapeJob = value;
        const QStringList errors = profileErrors(p);
        if (error.isEmpty()) {
            QVERIFY2(errors.isEmpty(), qPrintable(errors.join("; ")));
        } else {
            QCOMPARE(errors.size(), 1);
            QVERIFY2(errors.front().startsWith(error), qPrintable(errors.front()));
        }
    }

    void noTokenValueEverReachesTheSettings() {
        ConnectionProfile p;
        p.name = "secretive";
        p.tokenFile = writeFile("secretive.token", "s3cr3t-value\n");
        ProfileStore().save(p);
        ProfileToken resolver;
        QCOMPARE(resolveNow(resolver, p).token, QString("s3cr3t-value"));
        QSettings().sync();
        QFile ini(QSettings().fileName());
        QVERIFY(ini.open(QIODevice::ReadOnly));
        QVERIFY(!ini.readAll().contains("s3cr3t-value"));
        ProfileStore().remove("secretive");
    }

    void environmentBeforeFile() {
        ConnectionProfile p;
        p.name = "env";
        p.tokenEnvironmentVariable = "FRAUDOPS_TEST_TOKEN";
        p.tokenFile = writeFile("env.token", "from-file\n");
        qputenv("FRAUDOPS_TEST_TOKEN", "  from-env \n");
        ProfileToken resolver;
        auto lookup = resolveNow(resolver, p);
        QCOMPARE(lookup.token, QString("from-env"));
        QCOMPARE(lookup.source, QString("environment variable FRAUDOPS_TEST_TOKEN"));
        QVERIFY(lookup.problems.isEmpty());
        qunsetenv("FRAUDOPS_TEST_TOKEN");
        lookup = resolveNow(resolver, p);
        QCOMPARE(lookup.token, QString("from-file"));
        QCOMPARE(lookup.source, "file " + p.tokenFile);
    }

    void unusableFilesAreNamed() {
        ConnectionProfile p;
        p.name = "files";
        p.tokenFile = dir_.filePath("missing.token");
        ProfileToken resolver;
        auto lookup = resolveNow(resolver, p);
        QVERIFY(lookup.token.isEmpty());
        QVERIFY2(lookup.problems.contains("missing.token"), qPrintable(lookup.problems));
        p.tokenFile = writeFile("empty.token", "\n");
        lookup = resolveNow(resolver, p);
        QVERIFY(lookup.token.isEmpty());
        QVERIFY2(lookup.problems.contains("is empty"), qPrintable(lookup.problems));
        // Nothing configured: no token, and nothing to complain about.
        lookup = resolveNow(resolver, ConnectionProfile{});
        QVERIFY(lookup.token.isEmpty());
        QVERIFY(lookup.problems.isEmpty());
    }

    void noKeychainFallsBackToTheFile() {
        ConnectionProfile p;
        p.name = "keychain-less";
        p.tokenInKeychain = true;
        p.tokenFile = writeFile("fallback.token", "fallback-token");
        ProfileToken resolver;
        const auto lookup = resolveNow(resolver, p);
        QCOMPARE(lookup.token, QString("fallback-token"));
        QCOMPARE(lookup.source, "file " + p.tokenFile);
        QVERIFY2(lookup.problems.startsWith("keychain: "), qPrintable(lookup.problems));
    }

    void noKeychainMeansWritesFailClearly() {
        KeychainTokens keychain;
        QSignalSpy spy(&keychain, &KeychainTokens::finished);
        keychain.write("prod", "t0k3n");
        QVERIFY(spy.wait(30'000));
        const auto result = spy.takeFirst().at(0).value<KeychainResult>();
        QCOMPARE(result.operation, KeychainResult::Operation::Write);
        QCOMPARE(result.profile, QString("prod"));
        QCOMPARE(result.outcome, KeychainResult::Outcome::Unavailable);
        QVERIFY(!result.error.isEmpty());
        QSettings().sync();
        QFile ini(QSettings().fileName());
        QVERIFY(!ini.open(QIODevice::ReadOnly) || !ini.readAll().contains("t0k3n"));
    }

    void anAnswerForAProfileNoLongerAskedAboutIsDropped() {
        ConnectionProfile inKeychain;
        inKeychain.name = "first";
        inKeychain.tokenInKeychain = true;
        ConnectionProfile fromFile;
        fromFile.name = "second";
        fromFile.tokenFile = writeFile("second.token", "second-token");
        ProfileToken resolver;
        QSignalSpy resolved(&resolver, &ProfileToken::resolved);
        QSignalSpy keychainAnswered(&resolver.keychain(), &KeychainTokens::finished);
        resolver.resolve(inKeychain);
        resolver.resolve(fromFile);  // answered at once
        QVERIFY(keychainAnswered.wait(30'000));
        QCOMPARE(resolved.size(), 1);
        QCOMPARE(resolved.at(0).at(0).value<TokenLookup>().profile, QString("second"));
    }
};

QTEST_GUILESS_MAIN(ProfileTokenTest)
#include "tst_profile_token.moc"
