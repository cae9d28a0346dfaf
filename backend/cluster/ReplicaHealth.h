#pragma once

#include <QString>

namespace fraudops {

// A replica's health as the console shows it: from its supervisor (a local cluster's) and
// from whether it answers the Control API.
enum class ReplicaHealth {
    Unknown,     // not asked yet
    Starting,    // started, not listening yet
    Up,          // running and answering
    Restarting,  // exited; its supervisor restarts it after a backoff
    Stopping,    // being stopped or scaled away
    Down,        // does not answer
    Refused      // answers, but not to this token
};

inline QString healthName(ReplicaHealth health) {
    switch (health) {
        case ReplicaHealth::Unknown:
            return QStringLiteral("?");
        case ReplicaHealth::Starting:
            return QStringLiteral("Starting");
        case ReplicaHealth::Up:
            return QStringLiteral("Up");
        case ReplicaHealth::Restarting:
            return QStringLiteral("Restarting");
        case ReplicaHealth::Stopping:
            return QStringLiteral("Stopping");
        case ReplicaHealth::Down:
            return QStringLiteral("Down");
        case ReplicaHealth::Refused:
            return QStringLiteral("Refused");
    }
    return QStringLiteral("?");
}

}  // namespace fraudops
