#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace fraud {

// The standard process_* metrics, which prometheus-cpp does not export: CPU seconds,
// resident and virtual memory, open and maximum file descriptors, start time. Read from
// /proc/self at each scrape.
class ProcessCollector final : public prometheus::Collectable {
public:
    std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace fraud
