#include "features/FeatureColumns.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace fraud {

FeatureSchema FeatureColumns::trafficSchema(const FeatureSchema& stable) {
    return stable.kind == FeatureSchema::Kind::Transaction ? FeatureSchema::builtinTransaction()
                                                           : stable;
}

FeatureColumns::FeatureColumns(const FeatureSchema& traffic, const FeatureSchema& model) {
    if (traffic.kind == model.kind && traffic.features == model.features)
        return;
    std::string missing;
    for (const auto& name : model.features) {
        const auto it = std::find(traffic.features.begin(), traffic.features.end(), name);
        if (it == traffic.features.end() || traffic.kind != model.kind) {
            missing += (missing.empty() ? "" : ", ") + name;
            continue;
        }
        columns_.push_back(static_cast<std::uint32_t>(it - traffic.features.begin()));
    }
    if (!missing.empty()) {
        throw std::runtime_error("schema " + model.id() + " cannot be computed from " +
                                 traffic.id() +
                                 " traffic; features the scorer cannot compute: " + missing);
    }
}

std::span<const float> FeatureColumns::select(std::span<const float> traffic,
                                              std::vector<float>& buffer) const {
    if (columns_.empty())
        return traffic;
    buffer.resize(columns_.size());
    for (std::size_t i = 0; i < columns_.size(); ++i)
        buffer[i] = traffic[columns_[i]];
    return buffer;
}

}  // namespace fraud
