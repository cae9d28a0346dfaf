// TLS: a scorer given a certificate and key serves only TLS; given a CA too, only clients
// with a certificate that CA signed. Certificates are made by openssl for each run.
#include <QTemporaryDir>
#include <QtTest>

#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/FileIo.h"

using namespace fraudops::test;

namespace {

// A CA, and a server (localhost, 127.0.0.1) and a client certificate it signs.
constexpr const char* kMakeCertificates = R"sh(
set -e
cd "$1"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=fraudops-test-ca 2>/dev/null
for who in server client; do
  openssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr -subj /CN=$who 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > $who.ext
  openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $who.crt -days 2 -extfile $who.ext 2>/dev/null
done
)sh";

}  // namespace

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

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QProcess p;
        p.start("bash", {"-c", kMakeCertificates, "make-certificates", dir_.path()});
        QVERIFY(p.waitForFinished(60'000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    }

    void servesTlsOnly() {
        QString error;
        auto scorer = ScorerProcess::start(transactionRegistry(),
                                           {"--tls-cert", dir_.filePath("server.crt"), "--tls-key",
                                            dir_.filePath("server.key"), "--drain-seconds", "0"},
                                           &error);
        QVERIFY2(scorer, qPrintable(error));
        QVERIFY(scorer->ready().value("tls").toBool());
        const auto ok = status(tlsChannel(*scorer, false));
        QVERIFY2(ok.ok(), ok.error_message().c_str());
        QCOMPARE(int(status(channelTo(scorer->grpcAddress())).error_code()),
                 int(grpc::StatusCode::UNAVAILABLE));
    }

    void requiresClientCertificatesWhenGivenACa() {
        QString error;
        auto scorer = ScorerProcess::start(
            transactionRegistry(),
            {"--tls-cert", dir_.filePath("server.crt"), "--tls-key", dir_.filePath("server.key"),
             "--tls-client-ca", dir_.filePath("ca.crt"), "--drain-seconds", "0"},
            &error);
        QVERIFY2(scorer, qPrintable(error));
        QVERIFY(!status(tlsChannel(*scorer, false)).ok());
        const auto ok = status(tlsChannel(*scorer, true));
        QVERIFY2(ok.ok(), ok.error_message().c_str());
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
