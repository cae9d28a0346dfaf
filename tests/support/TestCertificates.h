#pragma once

#include <QString>

namespace fraudops::test {

// Writes, with openssl, a CA (ca.crt, ca.key) and a server and a client certificate it
// signs (server.crt/.key, client.crt/.key; each valid for localhost and 127.0.0.1) into
// `dir`. False, and openssl's complaint in `error`, if that failed.
bool makeTestCertificates(const QString& dir, QString* error);

}  // namespace fraudops::test
