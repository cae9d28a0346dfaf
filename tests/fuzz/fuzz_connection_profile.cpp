// Connection profiles as the console reads them from its settings file, which a user may
// have edited by hand or another version written: INI text, read through QSettings, each
// profile then validated and turned into scorer endpoints, as the profile editor and the
// connection check do. Whatever the text, each profile reads or is reported wrong.
#include <QFile>
#include <QSettings>
#include <QTemporaryDir>

#include "FuzzInput.h"
#include "profiles/ConnectionProfile.h"
#include "profiles/ProfileValidation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static QTemporaryDir dir;
    // A new file name for each input: QSettings caches what it read by file name.
    static unsigned long long n = 0;
    const QString path = dir.filePath(QStringLiteral("profiles-%1.ini").arg(++n));
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            fraud::fuzz::fail("cannot write the settings file");
        file.write(reinterpret_cast<const char*>(data), static_cast<qint64>(size));
    }
    {
        QSettings settings(path, QSettings::IniFormat);
        for (const auto& profile : fraudops::readProfiles(settings)) {
            if (profile.name.isEmpty())
                fraud::fuzz::fail("a profile without a name was read");
            (void)fraudops::profileErrors(profile);
            for (const auto& address : profile.scorerEndpoints)
                (void)profile.endpoint(address, QString());
        }
    }
    QFile::remove(path);
    return 0;
}
