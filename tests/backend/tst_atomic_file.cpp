// The local cluster's files (scrape targets, load-generator targets, the addresses fraudctl
// reads) are replaced whole, readable by other users' tools, with nothing left beside them;
// a file that cannot be written keeps its old content.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "cluster/AtomicFile.h"

using namespace fraudops;

class AtomicFileTest : public QObject {
    Q_OBJECT

    static QByteArray read(const QString& path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("(unreadable)");
    }

private slots:
    void replacesWholeAndLeavesNothingBeside() {
        QTemporaryDir dir;
        const QString path = dir.filePath("targets.json");
        QVERIFY(writeFileAtomically(path, "[1]"));
        QCOMPARE(read(path), QByteArray("[1]"));
        QVERIFY(writeFileAtomically(path, QByteArray(100'000, 'x')));
        QCOMPARE(read(path), QByteArray(100'000, 'x'));
        QVERIFY(writeFileAtomically(path, ""));
        QCOMPARE(read(path), QByteArray());
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"targets.json"});
        QCOMPARE(QFile::permissions(path) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::ReadGroup | QFileDevice::ReadOther);
    }

    void aFileThatCannotBeWrittenKeepsItsContent() {
        QTemporaryDir dir;
        const QString path = dir.filePath("addresses");
        QVERIFY(writeFileAtomically(path, "old"));
        QVERIFY(!writeFileAtomically(dir.filePath("missing/addresses"), "new"));
        // A directory where the file should be: the rename fails, nothing is left behind.
        QVERIFY(QDir(dir.path()).mkdir("taken"));
        QVERIFY(!writeFileAtomically(dir.filePath("taken"), "new"));
        QCOMPARE(read(path), QByteArray("old"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"addresses"});
    }
};

QTEST_GUILESS_MAIN(AtomicFileTest)
#include "tst_atomic_file.moc"
