#include "grpc/ListenAddress.h"

#include <arpa/inet.h>

#include <string>

namespace fraud {

bool listensOnlyLocally(std::string_view address) {
    if (address.starts_with("unix:") || address.starts_with("unix-abstract:"))
        return true;
    for (const std::string_view scheme : {"ipv4:", "ipv6:", "dns:///", "dns:"}) {
        if (address.starts_with(scheme)) {
            address.remove_prefix(scheme.size());
            break;
        }
    }
    std::string_view host;
    if (address.starts_with("[")) {
        const auto close = address.find(']');
        if (close == std::string_view::npos)
            return false;
        host = address.substr(1, close - 1);
    } else {
        host = address.substr(0, address.rfind(':'));
    }
    if (host == "localhost")
        return true;
    const std::string text(host);
    in_addr v4{};
    if (::inet_pton(AF_INET, text.c_str(), &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

}  // namespace fraud
