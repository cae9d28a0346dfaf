// The request path does no file I/O, so a slow or stuck registry volume cannot hold up a
// score: a real scorer under load from fraud-loadgen, traced with strace (-f, every thread;
// -yy, each descriptor's path or connection). The threads that answer requests (those that read and
// write the client's TCP connection) make no call on a file on storage: no open, stat, read, write
// or fsync of anything but sockets, pipes, event descriptors and, once, two of the kernel's
// own files under /sys (Abseil's start-up inside gRPC). The file calls the process does make
// come from its background threads (the rollout follower, the tokens file check).
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <map>
#include <set>

#include "ScorerProcess.h"
#include "TestEnvironment.h"

using namespace fraudops::test;

namespace {

struct Call {
    long thread = 0;
    QString name;
    QString line;
};

// strace -f -o lines: "123 openat(AT_FDCWD, "/x", ...) = 5</x>", the thread first.
std::vector<Call> parseTrace(const QString& text) {
    static const QRegularExpression lineRe(QStringLiteral("^(\\d+)\\s+(\\w+)\\("));
    std::vector<Call> calls;
    for (const auto& line : text.split('\n', Qt::SkipEmptyParts)) {
        const auto m = lineRe.match(line);
        if (!m.hasMatch())
            continue;  // "<... resumed>", signals, exits
        calls.push_back({m.captured(1).toLong(), m.captured(2), line});
    }
    return calls;
}

bool touchesTheNetwork(const Call& c) {
    return c.line.contains("<TCP:") || c.line.contains("<TCPv6:");
}

// The file a call touches: the path it names, or the path strace shows for the descriptor
// it reads or writes (-yy shows sockets, pipes and anonymous descriptors otherwise). Empty
// for a call on no file.
QString filePath(const Call& c) {
    static const std::set<QString> pathCalls{
        "open",     "openat", "creat",     "stat",     "lstat",    "newfstatat",
        "statx",    "access", "faccessat", "rename",   "renameat", "unlink",
        "unlinkat", "mkdir",  "rmdir",     "truncate", "readlink"};
    if (pathCalls.contains(c.name)) {
        static const QRegularExpression quoted(QStringLiteral("\"([^\"]*)\""));
        const auto m = quoted.match(c.line);
        return m.hasMatch() ? m.captured(1) : QStringLiteral("?");
    }
    static const QRegularExpression fileFd(QStringLiteral("\\(\\d+<(/[^>]*)>"));
    const auto m = fileFd.match(c.line);
    return m.hasMatch() ? m.captured(1) : QString();
}

// /proc and /sys are the kernel's own: reading them never waits on a disk.
bool onStorage(const QString& path) {
    return !path.startsWith("/proc/") && !path.startsWith("/sys/") && !path.startsWith("/dev/");
}

}  // namespace

class RequestPathIoTest : public QObject {
    Q_OBJECT

private slots:
    void requestThreadsNeverTouchAFile() {
        QString error;
        auto scorer =
            ScorerProcess::start(transactionRegistry(),
                                 {"--drain-seconds", "0", "--shutdown-grace-seconds", "0"}, &error);
        QVERIFY2(scorer, qPrintable(error));
        const long pid = static_cast<long>(scorer->child().pid());

        QTemporaryDir dir;
        const QString tracePath = dir.filePath("trace");
        QProcess strace;
        strace.start("strace", {"-f", "-qq", "-yy", "-e", "trace=all", "-e", "signal=none", "-o",
                                tracePath, "-p", QString::number(pid)});
        QVERIFY2(strace.waitForStarted(10'000), "strace is needed (Debian's strace package)");
        // strace says nothing when attached; the trace file grows once it is.
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(tracePath).size() > 0, 30'000);

        QProcess load;
        load.start(loadgenBinary(),
                   {"--target", scorer->grpcAddress(), "--mode", "closed", "--concurrency", "8",
                    "--warmup", "0", "--requests", "3000", "--json"});
        QVERIFY(load.waitForFinished(240'000));
        QCOMPARE(load.exitCode(), 0);
        const auto report = QJsonDocument::fromJson(load.readAllStandardOutput()).object();

        strace.terminate();  // SIGTERM: strace detaches and the scorer runs on
        QVERIFY(strace.waitForFinished(30'000));
        QFile file(tracePath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto calls = parseTrace(QString::fromUtf8(file.readAll()));

        std::set<long> requestThreads;
        for (const auto& c : calls) {
            if (touchesTheNetwork(c))
                requestThreads.insert(c.thread);
        }
        QString sample;
        for (std::size_t i = 0; i < std::min<std::size_t>(calls.size(), 8); ++i)
            sample += "\n" + calls[i].line;
        QVERIFY2(!requestThreads.empty(),
                 qPrintable(QString("no thread served the connection in %1 calls:%2")
                                .arg(calls.size())
                                .arg(sample)));
        int fileCalls = 0;
        int kernelFileCallsOnRequestThreads = 0;
        std::map<QString, int> byCall;
        for (const auto& c : calls) {
            const QString path = filePath(c);
            if (path.isEmpty())
                continue;
            ++fileCalls;
            ++byCall[c.name];
            if (!requestThreads.contains(c.thread))
                continue;
            QVERIFY2(!onStorage(path), qPrintable("a request thread touched a file: " + c.line));
            ++kernelFileCallsOnRequestThreads;
        }
        // What a request thread may read is the once-only start-up of gRPC's Abseil, on the
        // first connection: the number of CPUs (/sys/devices/system/cpu/online) and the TSC's
        // frequency. Not once per request.
        QVERIFY2(kernelFileCallsOnRequestThreads <= 10,
                 qPrintable(QString::number(kernelFileCallsOnRequestThreads)));
        QString summary;
        for (const auto& [name, n] : byCall)
            summary += QStringLiteral(" %1 %2").arg(name).arg(n);
        qInfo(
            "%zu system calls traced over %d requests on %zu request threads; %d on files:%s; "
            "%d of them on request threads, all under /proc or /sys",
            calls.size(), 3000, requestThreads.size(), fileCalls, qPrintable(summary),
            kernelFileCallsOnRequestThreads);
        // Every request was answered, through the traced scorer.
        const auto codes = report.value("measured").toObject().value("codes").toObject();
        QCOMPARE(codes.value("OK").toInteger(), 3000);
        QVERIFY(calls.size() > 3000);
    }
};

QTEST_GUILESS_MAIN(RequestPathIoTest)
#include "tst_request_path_io.moc"
