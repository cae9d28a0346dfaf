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

std::optional<fraud::v1::ScoreRequest> scoreRequestFromJson(std::string_view json,
                                                            std::string* error) {
    fraud::v1::ScoreRequest request;
    const google::protobuf::StringPiece text(json.data(), json.size());
    if (google::protobuf::util::JsonStringToMessage(text, &request).ok() &&
        request.has_transaction()) {
        return request;
    }
    auto tx = transactionFromJson(json, error);
    if (!tx)
        return std::nullopt;
    request.Clear();
    *request.mutable_transaction() = std::move(*tx);
    return request;
}

}  // namespace fraudops
