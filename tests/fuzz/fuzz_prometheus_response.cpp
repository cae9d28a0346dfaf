// What Prometheus (or whatever answers on its port: a proxy's error page, a truncated body)
// sends back to the console's queries. The first two bytes pick the HTTP status; the rest is
// the body. Every answer becomes a result or an error the console can show.
#include "FuzzInput.h"
#include "prometheus/PrometheusResponseParser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    const int status = 100 + (data[0] | (data[1] << 8)) % 500;
    const QByteArray body(reinterpret_cast<const char*>(data + 2),
                          static_cast<qsizetype>(size - 2));
    const auto result = fraudops::parsePrometheusResponse(status, body);
    if (result.error && result.error->message.isEmpty())
        fraud::fuzz::fail("an error the console would show without a message");
    if (result.ok() && result.type == fraudops::PrometheusResult::Type::Vector) {
        for (const auto& series : result.series) {
            if (series.samples.size() != 1)
                fraud::fuzz::fail("a vector's series without exactly one sample");
        }
    }
    return 0;
}
