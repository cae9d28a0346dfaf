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

// A `@Variant(` value is Qt's binary serialisation, and Qt 6.4's QDataStream reserves the
// element count a list in it declares (up to 2^32) before reading a single element. In the
// console that is untouched virtual memory, or a malloc the system refuses, which Qt survives
// by reading an empty list (measured: a list declaring 2^31 elements reads in 0.00 s and 10 MB;
// the same under `ulimit -v` of 1 GB). Under ASan the reservation is refused as out of memory
// instead, or, when it fits, its shadow is poisoned page by page (a 16 GB one took 2 minutes and
// 2 GB). So here ASan refuses a malloc over 64 MB by returning null, as a small machine would;
// operator new still reports one, so the project's own code is held to the limit.
extern "C" const char* __asan_default_options();
extern "C" const char* __asan_default_options() {
    return "allocator_may_return_null=1:max_allocation_size_mb=64";
}

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
