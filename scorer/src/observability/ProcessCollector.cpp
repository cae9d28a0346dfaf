#include "observability/ProcessCollector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fraud {
namespace {

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
    prometheus::ClientMetric metric;
    if (type == prometheus::MetricType::Counter) {
        metric.counter.value = value;
    } else {
        metric.gauge.value = value;
    }
    return prometheus::MetricFamily{name, help, type, {metric}};
}

double bootTimeSeconds() {
    std::ifstream in("/proc/stat");
    std::string key;
    double value = 0;
    while (in >> key) {
        if (key == "btime") {
            in >> value;
            return value;
        }
        in.ignore(4096, '\n');
    }
    return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
    std::vector<prometheus::MetricFamily> out;
    std::ifstream statFile("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(statFile)), std::istreambuf_iterator<char>());
    // Fields after the command name, which is in parentheses and may contain spaces.
    const auto close = stat.rfind(')');
    if (close != std::string::npos) {
        std::istringstream fields(stat.substr(close + 2));
        std::string f[24];
        for (auto& s : f)
            fields >> s;
        // f[0] is field 3 (state): utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
        const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
        const double pageSize = static_cast<double>(::sysconf(_SC_PAGESIZE));
        const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
        out.push_back(family("process_cpu_seconds_total",
                             "Total user and system CPU time spent in seconds.",
                             prometheus::MetricType::Counter, cpu));
        out.push_back(family(
            "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
            prometheus::MetricType::Gauge, bootTimeSeconds() + std::stod(f[19]) / ticks));
        out.push_back(family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                             prometheus::MetricType::Gauge, std::stod(f[20])));
        out.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.",
                             prometheus::MetricType::Gauge, std::stod(f[21]) * pageSize));
    }
    std::error_code ec;
    double fds = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++fds;
    }
    out.push_back(family("process_open_fds", "Number of open file descriptors.",
                         prometheus::MetricType::Gauge, fds));
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        out.push_back(family("process_max_fds", "Maximum number of open file descriptors.",
                             prometheus::MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
    }
    return out;
}

}  // namespace fraud
