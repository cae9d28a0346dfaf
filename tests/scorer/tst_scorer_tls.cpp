// TLS: a scorer given a certificate and key serves only TLS; given a CA too, only clients
// with a certificate that CA signed. Certificates are made by openssl for each run.
#include <google/protobuf/util/json_util.h>

#include <QTemporaryDir>
#include <QtTest>

#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestCertificates.h"
#include "TestEnvironment.h"
#include "common/FileIo.h"

using namespace fraudops::test;

class ScorerTlsTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    std::string file(const char* name) {
        return fraud::readFile(dir_.filePath(name).toStdString());
    }

    std::shared_ptr<grpc::Channel> tlsChannel(const ScorerProcess& s, bool withClientCertificate) {
        grpc::SslCredentialsOptions options;
        options.pem_root_certs = file("ca.crt");
        if (withClientCertificate) {
            options.pem_private_key = file("client.key");
            options.pem_cert_chain = file("client.crt");
        }
        return grpc::CreateChannel(s.grpcAddress().toStdString(), grpc::SslCredentials(options));
    }
    static grpc::Status status(const std::shared_ptr<grpc::Channel>& channel) {
        fraud::v1::ReplicaStatus out;
        auto context = callContext({}, 10);
        return fraud::v1::Control::NewStub(channel)->GetStatus(context.get(), {}, &out);
    }

    // A scorer that serves TLS only, to any client.
    std::unique_ptr<ScorerProcess> servingTls() {
        QString error;
        auto scorer = ScorerProcess::start(transactionRegistry(),
                                           {"--tls-cert", dir_.filePath("server.crt"), "--tls-key",
                                            dir_.filePath("server.key"), "--drain-seconds", "0"},
                                           &error);
        if (!scorer)
            qWarning("%s", qPrintable(error));
        return scorer;
    }

    // A scorer that takes only clients with a certificate the test CA signed.
    std::unique_ptr<ScorerProcess> requiringClientCertificates() {
        QString error;
        auto scorer = ScorerProcess::start(
            transactionRegistry(),
            {"--tls-cert", dir_.filePath("server.crt"), "--tls-key", dir_.filePath("server.key"),
             "--tls-client-ca", dir_.filePath("ca.crt"), "--drain-seconds", "0"},
            &error);
        if (!scorer)
            qWarning("%s", qPrintable(error));
        return scorer;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QString error;
        QVERIFY2(makeTestCertificates(dir_.path(), &error), qPrintable(error));
    }

    void servesTlsOnly() {
        auto scorer = servingTls();
        QVERIFY(scorer);
        QVERIFY(scorer->ready().value("tls").toBool());
        const auto ok = status(tlsChannel(*scorer, false));
        QVERIFY2(ok.ok(), ok.error_message().c_str());
        QCOMPARE(int(status(channelTo(scorer->grpcAddress())).error_code()),
                 int(grpc::StatusCode::UNAVAILABLE));
    }

    void requiresClientCertificatesWhenGivenACa() {
        auto scorer = requiringClientCertificates();
        QVERIFY(scorer);
        QVERIFY(!status(tlsChannel(*scorer, false)).ok());
        const auto ok = status(tlsChannel(*scorer, true));
        QVERIFY2(ok.ok(), ok.error_message().c_str());
    }

    // fraudctl's score command speaks TLS with the same flags as its release commands.
    void fraudctlScoresOverTls() {
        auto scorer = requiringClientCertificates();
        QVERIFY(scorer);
        std::string line;
        QVERIFY(
            google::protobuf::util::MessageToJsonString(validTransaction("tx-tls-1"), &line).ok());
        const auto run = [&](const QStringList& flags) {
            QProcess p;
            p.start(fraudctlBinary(),
                    QStringList{"score", "--endpoint", scorer->grpcAddress()} + flags);
            p.write(QByteArray::fromStdString(line + "\n"));
            p.closeWriteChannel();
            p.waitForFinished(60'000);
            return std::pair{p.exitCode(), p.readAllStandardOutput() + p.readAllStandardError()};
        };
        const auto [ok, printed] =
            run({"--ca", dir_.filePath("ca.crt"), "--cert", dir_.filePath("client.crt"), "--key",
                 dir_.filePath("client.key")});
        QVERIFY2(ok == 0, printed.constData());
        QVERIFY2(printed.contains("tx-tls-1"), printed.constData());
        const auto [noCertificate, refused] = run({"--ca", dir_.filePath("ca.crt")});
        QCOMPARE(noCertificate, 1);
        QVERIFY2(refused.contains("UNAVAILABLE"), refused.constData());
        const auto [plain, plainOutput] = run({});
        QCOMPARE(plain, 1);
    }

    // The container's health check (`fraud-scorer probe`) against a TLS replica: with the CA it
    // is answered; in plaintext it is not, and says so.
    void theProbeSpeaksTlsWhenGivenItsCa() {
        auto scorer = servingTls();
        QVERIFY(scorer);
        const auto probe = [&](const QStringList& flags) {
            QProcess p;
            p.start(scorerBinary(),
                    QStringList{"probe", "--listen", scorer->grpcAddress()} + flags);
            p.waitForFinished(30'000);
            return std::pair{p.exitCode(), p.readAllStandardOutput()};
        };
        const auto [ok, serving] = probe({"--probe-tls-ca", dir_.filePath("ca.crt")});
        QCOMPARE(ok, 0);
        QCOMPARE(serving.trimmed(), QByteArray("SERVING"));
        const auto [plain, unreachable] = probe({});
        QCOMPARE(plain, 1);
        QVERIFY2(unreachable.startsWith("unreachable: 14 "), unreachable.constData());
    }

    void refusesHalfAConfiguration() {
        QString error;
        QVERIFY(!ScorerProcess::start(transactionRegistry(),
                                      {"--tls-cert", dir_.filePath("server.crt")}, &error));
        QVERIFY2(error.contains("--tls-cert and --tls-key go together"), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(ScorerTlsTest)
#include "tst_scorer_tls.moc"
