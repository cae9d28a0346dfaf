#include "scoring/TransactionJson.h"

#include <google/protobuf/util/json_util.h>

namespace fraudops {

std::optional<fraud::v1::Transaction> transactionFromJson(std::string_view json,
                                                          std::string* error) {
    fraud::v1::Transaction tx;
    const auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), &tx);
    if (!status.ok()) {
        if (error)
            *error = std::string(status.message());
        return std::nullopt;
    }
    return tx;
}

}  // namespace fraudops
