#include "cluster/AtomicFile.h"

#include <QFile>
#include <QTemporaryFile>
#include <cstdio>

namespace fraudops {

bool writeFileAtomically(const QString& path, const QByteArray& content) {
    QTemporaryFile file(path + QStringLiteral(".XXXXXX"));
    if (!file.open())
        return false;
    if (file.write(content) != content.size() || !file.flush())
        return false;
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                        QFileDevice::ReadOther);
    // rename(2) replaces the target in one step (QFile::rename refuses an existing one).
    if (std::rename(QFile::encodeName(file.fileName()).constData(),
                    QFile::encodeName(path).constData()) != 0)
        return false;  // the temporary file is removed with `file`
    file.setAutoRemove(false);
    return true;
}

}  // namespace fraudops
