#pragma once

#include <QByteArray>
#include <QString>
#include <chrono>

namespace fraudops::test {

struct HttpResponse {
    int status = 0;  // 0: no response (refused, timed out)
    QByteArray body;
    QString error;
};

// A blocking HTTP GET for tests, through QNetworkAccessManager with its own event loop.
HttpResponse httpGet(const QString& url,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace fraudops::test
