#include "TestEnvironment.h"

#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QTcpServer>
#include <QTimer>
#include <stdexcept>

namespace fraudops::test {
namespace {

QString required(const char* name) {
    const QString value = QProcessEnvironment::systemEnvironment().value(name);
    if (value.isEmpty()) {
        throw std::runtime_error(std::string(name) + " is not set: run the tests through ctest");
    }
    return value;
}

}  // namespace

QString scorerBinary() {
    return required("FRAUDOPS_SCORER");
}
QString trainerBinary() {
    return required("FRAUDOPS_TRAIN");
}
QString fraudctlBinary() {
    return required("FRAUDOPS_FRAUDCTL");
}
QString loadgenBinary() {
    return QFileInfo(scorerBinary()).dir().filePath("fraud-loadgen");
}
int freeLoopbackPort() {
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}
QString transactionRegistry() {
    return required("FRAUDOPS_TEST_REGISTRIES") + "/transaction";
}
QString vectorRegistry() {
    return required("FRAUDOPS_TEST_REGISTRIES") + "/ulb";
}
QString dataDir() {
    return required("FRAUDOPS_DATA");
}
QString rulesFile() {
    return required("FRAUDOPS_RULES");
}

void betweenPolls(std::chrono::milliseconds interval) {
    QEventLoop loop;
    QTimer::singleShot(interval, &loop, &QEventLoop::quit);
    loop.exec();
}

}  // namespace fraudops::test
