#include "SecretService.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QProcessEnvironment>

#include "TestEnvironment.h"

namespace fraudops::test {

std::unique_ptr<SecretService> SecretService::start(QString* error) {
    auto s = std::make_unique<SecretService>();
    const QString runtime = s->dir_.filePath("run");
    const QString home = s->dir_.filePath("home");
    QDir().mkpath(runtime);
    QDir().mkpath(home + "/data");
    QFile::setPermissions(runtime, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    const QString address = "unix:path=" + runtime + "/bus";
    s->bus_.start("dbus-daemon",
                  {"--session", "--nofork", "--address=" + address, "--print-address=1"});
    QByteArray seen;
    if (s->bus_
            .waitForLine([](const QByteArray& l) { return l.startsWith("unix:"); },
                         std::chrono::seconds(20), &seen)
            .isEmpty()) {
        if (error)
            *error =
                "dbus-daemon did not start: " + QString::fromUtf8(seen + s->bus_.standardError());
        return nullptr;
    }

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("DBUS_SESSION_BUS_ADDRESS", address);
    env.insert("HOME", home);
    env.insert("XDG_DATA_HOME", home + "/data");
    env.insert("XDG_RUNTIME_DIR", runtime);
    s->keyring_.process().setProcessEnvironment(env);
    // --unlock reads the new login keyring's password from standard input until it closes.
    s->keyring_.start("gnome-keyring-daemon", {"--foreground", "--unlock", "--components=secrets"});
    s->keyring_.process().write("fraudops-test");
    s->keyring_.process().closeWriteChannel();
    if (s->keyring_.process().state() == QProcess::NotRunning) {
        if (error)
            *error = "gnome-keyring-daemon did not start: " + s->keyring_.standardError();
        return nullptr;
    }
    // Ready when the daemon owns the Secret Service's name on this bus. (Asking before that
    // would make the bus start another, locked, daemon from its service file.)
    QDeadlineTimer deadline(std::chrono::seconds(30));
    for (;;) {
        QProcess ask;
        ask.setProcessEnvironment(env);
        ask.start("dbus-send", {"--session", "--print-reply", "--dest=org.freedesktop.DBus",
                                "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                                "string:org.freedesktop.secrets"});
        if (ask.waitForFinished(5000) && ask.readAllStandardOutput().contains("boolean true"))
            break;
        if (deadline.hasExpired() || s->keyring_.process().state() == QProcess::NotRunning) {
            if (error)
                *error = "the Secret Service never appeared on the bus: " +
                         QString::fromUtf8(s->keyring_.standardError());
            return nullptr;
        }
        betweenPolls(std::chrono::milliseconds(100));
    }
    qputenv("DBUS_SESSION_BUS_ADDRESS", address.toUtf8());
    return s;
}

}  // namespace fraudops::test
