#include "grpc/HealthProbe.h"

#include <grpcpp/grpcpp.h>

#include "grpc/health/v1/health.grpc.pb.h"

namespace fraud {

std::string dialAddressFor(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos)
        return listen;
    const std::string host = listen.substr(0, colon), port = listen.substr(colon + 1);
    if (host.empty() || host == "0.0.0.0" || host == "*")
        return "127.0.0.1:" + port;
    if (host == "[::]")
        return "[::1]:" + port;
    return listen;
}

HealthProbeAnswer probeHealth(const HealthProbeRequest& request) {
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    grpc::ChannelArguments args;
    if (request.tlsRootsPem.empty()) {
        credentials = grpc::InsecureChannelCredentials();
    } else {
        grpc::SslCredentialsOptions ssl;
        ssl.pem_root_certs = request.tlsRootsPem;
        credentials = grpc::SslCredentials(ssl);
        if (!request.tlsServerName.empty())
            args.SetSslTargetNameOverride(request.tlsServerName);
    }
    const auto channel =
        grpc::CreateCustomChannel(dialAddressFor(request.address), credentials, args);
    const auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + request.timeout);
    grpc::health::v1::HealthCheckRequest question;  // the server as a whole
    grpc::health::v1::HealthCheckResponse answer;
    const grpc::Status status = stub->Check(&context, question, &answer);
    if (!status.ok())
        return {HealthProbeAnswer::Status::Unreachable,
                std::to_string(status.error_code()) + " " + status.error_message()};
    return {answer.status() == grpc::health::v1::HealthCheckResponse::SERVING
                ? HealthProbeAnswer::Status::Serving
                : HealthProbeAnswer::Status::NotServing,
            {}};
}

}  // namespace fraud
