#include "prometheus/CurlHttpGet.h"

#include <curl/curl.h>

#include <cerrno>
#include <mutex>

namespace fraudops {
namespace {

struct Sink {
    QByteArray* body;
    std::size_t limit;
    bool overflowed = false;
};

std::size_t write(char* data, std::size_t size, std::size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const std::size_t n = size * count;
    if (static_cast<std::size_t>(sink->body->size()) + n > sink->limit) {
        sink->overflowed = true;
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    sink->body->append(data, static_cast<qsizetype>(n));
    return n;
}

// Stops the transfer when its owner has gone (the flag turned false).
int progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* alive = static_cast<const std::atomic<bool>*>(user);
    return alive->load() ? 0 : 1;
}

void globalInitOnce() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

HttpAnswer curlHttpGet(const QString& url, const HttpRequestOptions& options) {
    globalInitOnce();
    HttpAnswer answer;
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        answer.failure = HttpAnswer::Failure::Other;
        answer.failureText = "curl_easy_init failed";
        return answer;
    }
    const QByteArray urlBytes = url.toUtf8();
    Sink sink{&answer.body, options.maxBodyBytes};
    char error[CURL_ERROR_SIZE] = {};
    curl_slist* headers = nullptr;
    if (!options.bearerToken.isEmpty()) {
        headers = curl_slist_append(
            headers, ("Authorization: Bearer " + options.bearerToken.toUtf8()).constData());
    }
    curl_easy_setopt(curl, CURLOPT_URL, urlBytes.constData());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connectTimeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM timeouts
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    if (headers != nullptr)
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (options.abort) {
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &progress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, options.abort.get());
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    }
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    answer.status = static_cast<int>(status);
    if (rc != CURLE_OK) {
        answer.failureText = QString::fromUtf8(error[0] ? error : curl_easy_strerror(rc));
        switch (rc) {
            case CURLE_COULDNT_CONNECT: {
                // A connect that timed out (SYNs unanswered) is reported by curl as a failure
                // to connect too; the socket's errno tells it from a refusal.
                long osErrno = 0;
                curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &osErrno);
                answer.failure = osErrno == ETIMEDOUT ? HttpAnswer::Failure::Timeout
                                                      : HttpAnswer::Failure::Refused;
                break;
            }
            case CURLE_COULDNT_RESOLVE_HOST:
                answer.failure = HttpAnswer::Failure::Refused;
                break;
            case CURLE_OPERATION_TIMEDOUT:
                answer.failure = HttpAnswer::Failure::Timeout;
                break;
            default:
                answer.failure = HttpAnswer::Failure::Other;
                if (sink.overflowed)
                    answer.failureText = "the answer is larger than the limit";
        }
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return answer;
}

}  // namespace fraudops
