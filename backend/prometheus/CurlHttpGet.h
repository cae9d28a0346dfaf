#pragma once

#include <QByteArray>
#include <QString>
#include <atomic>
#include <chrono>
#include <memory>

namespace fraudops {

// One blocking HTTP GET over libcurl, with a connect timeout and a total timeout, so that a
// server that accepts and never answers ends in a timeout, not a hang. Runs on a worker
// thread, never on the GUI thread.
struct HttpAnswer {
    enum class Failure { None, Refused, Timeout, Other };
    Failure failure = Failure::None;
    QString failureText;  // curl's message when the transfer failed
    int status = 0;
    QByteArray body;
};

struct HttpRequestOptions {
    std::chrono::milliseconds timeout{10'000};
    std::chrono::milliseconds connectTimeout{3'000};
    QString bearerToken;  // sent as Authorization: Bearer ... when set
    std::size_t maxBodyBytes = 64u << 20;
    // When set and false, the transfer stops at once (its owner is going away).
    std::shared_ptr<const std::atomic<bool>> abort;
};

HttpAnswer curlHttpGet(const QString& url, const HttpRequestOptions& options);

}  // namespace fraudops
