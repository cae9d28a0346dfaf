#include "scoring/ScorerChannel.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/ScoreRetryPolicy.h"

namespace fraudops {
namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

std::shared_ptr<grpc::Channel> makeChannel(const ScorerEndpoint& endpoint) {
    grpc::ChannelArguments args;
    args.SetServiceConfigJSON(fraud::kScoreRetryServiceConfig);
    if (!endpoint.tls) {
        return grpc::CreateCustomChannel(endpoint.address, grpc::InsecureChannelCredentials(),
                                         args);
    }
    grpc::SslCredentialsOptions options;
    if (!endpoint.caFile.empty())
        options.pem_root_certs = readAll(endpoint.caFile);
    if (!endpoint.certFile.empty() || !endpoint.keyFile.empty()) {
        options.pem_cert_chain = readAll(endpoint.certFile);
        options.pem_private_key = readAll(endpoint.keyFile);
    }
    if (!endpoint.serverName.empty())
        args.SetSslTargetNameOverride(endpoint.serverName);
    return grpc::CreateCustomChannel(endpoint.address, grpc::SslCredentials(options), args);
}

void prepareCall(grpc::ClientContext& context, const ScorerEndpoint& endpoint) {
    context.set_deadline(std::chrono::system_clock::now() + endpoint.deadline);
    if (!endpoint.bearerToken.empty()) {
        // gRPC refuses call credentials on an insecure channel, so the token goes as metadata.
        context.AddMetadata("authorization", "Bearer " + endpoint.bearerToken);
    }
}

CallError toCallError(const grpc::Status& status, const grpc::ClientContext& context) {
    CallError e{status.error_code(), status.error_message(), {}};
    const auto& trailers = context.GetServerTrailingMetadata();
    if (const auto it = trailers.find("fraud-invalid-field"); it != trailers.end())
        e.field.assign(it->second.data(), it->second.size());
    return e;
}

}  // namespace fraudops
