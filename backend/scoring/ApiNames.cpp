#include "scoring/ApiNames.h"

namespace fraudops {

std::string_view decisionName(fraud::v1::Decision decision) {
    switch (decision) {
        case fraud::v1::DECISION_APPROVE:
            return "approve";
        case fraud::v1::DECISION_REVIEW:
            return "review";
        case fraud::v1::DECISION_DECLINE:
            return "decline";
        default:
            return "";
    }
}

std::string_view channelName(fraud::v1::Channel channel) {
    switch (channel) {
        case fraud::v1::CHANNEL_POS:
            return "POS";
        case fraud::v1::CHANNEL_ECOM:
            return "ECOM";
        case fraud::v1::CHANNEL_ATM:
            return "ATM";
        case fraud::v1::CHANNEL_MOTO:
            return "MOTO";
        default:
            return "";
    }
}

std::string_view variantName(fraud::v1::Variant variant) {
    switch (variant) {
        case fraud::v1::VARIANT_STABLE:
            return "stable";
        case fraud::v1::VARIANT_CANARY:
            return "canary";
        default:
            return "";
    }
}

}  // namespace fraudops
