#pragma once

#include <string_view>

namespace fraud {

// Whether a gRPC listening address (host:port, [v6]:port, ipv4:/ipv6: URIs, unix: sockets)
// is reachable only from this host: loopback (127.0.0.0/8, ::1, localhost) or a Unix socket.
// Anything else, the wildcards 0.0.0.0, [::] and an empty host included, is the network.
bool listensOnlyLocally(std::string_view address);

}  // namespace fraud
