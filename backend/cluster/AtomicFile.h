#pragma once

#include <QByteArray>
#include <QSaveFile>
#include <QString>

namespace fraudops {

// Readers (Prometheus, the load generator) never see a half-written file.
inline bool writeFileAtomically(const QString& path, const QByteArray& content) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    f.write(content);
    return f.commit();
}

}  // namespace fraudops
