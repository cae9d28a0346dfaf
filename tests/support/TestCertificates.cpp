#include "TestCertificates.h"

#include <QProcess>

namespace fraudops::test {
namespace {

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

bool makeTestCertificates(const QString& dir, QString* error) {
    QProcess p;
    p.start("bash", {"-c", kMakeCertificates, "make-certificates", dir});
    if (!p.waitForFinished(60'000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        if (error)
            *error = "openssl failed: " + QString::fromUtf8(p.readAllStandardError());
        return false;
    }
    return true;
}

}  // namespace fraudops::test
