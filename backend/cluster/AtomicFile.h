#pragma once

#include <QByteArray>
#include <QString>

namespace fraudops {

// Replaces `path` whole: the readers (Prometheus's file discovery, the load generator,
// fraudctl) see the old content or the new, never half of it. Written beside it, then renamed
// over it, mode 0644. Not fsynced, unlike QSaveFile: these files describe processes that do
// not outlive a power loss, and an fsync on the console's thread waits for whatever else the
// machine is writing (100 ms in the soak, just after a restarted replica wrote its card
// snapshot). False, and the old content intact, if it cannot be written.
bool writeFileAtomically(const QString& path, const QByteArray& content);

}  // namespace fraudops
