#pragma once

#include <QString>
#include <QTemporaryDir>
#include <memory>

#include "ChildProcess.h"

namespace fraudops::test {

// A real Secret Service for keychain tests: a private D-Bus session bus and GNOME Keyring's
// daemon on it with a fresh, unlocked login keyring in a temporary directory. start() points
// this process's DBUS_SESSION_BUS_ADDRESS at the bus, so it must run before anything in the
// process connects to a session bus.
class SecretService {
public:
    static std::unique_ptr<SecretService> start(QString* error);

private:
    QTemporaryDir dir_;
    ChildProcess bus_;
    ChildProcess keyring_;
};

}  // namespace fraudops::test
