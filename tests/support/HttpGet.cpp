#include "HttpGet.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

namespace fraudops::test {

HttpResponse httpGet(const QString& url, std::chrono::milliseconds timeout) {
    QNetworkAccessManager manager;
    QNetworkRequest request{QUrl(url)};
    request.setTransferTimeout(static_cast<int>(timeout.count()));
    QNetworkReply* reply = manager.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeout + std::chrono::milliseconds(500), &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    HttpResponse response;
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.body = reply->readAll();
    if (reply->error() != QNetworkReply::NoError)
        response.error = reply->errorString();
    reply->deleteLater();
    return response;
}

}  // namespace fraudops::test
