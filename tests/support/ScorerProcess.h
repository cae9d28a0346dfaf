#pragma once

#include <QJsonObject>
#include <QStringList>
#include <memory>

#include "ChildProcess.h"

namespace fraudops::test {

// A real fraud-scorer process on loopback with ports chosen by the kernel (port 0), started
// and waited for through the JSON ready line it prints.
class ScorerProcess {
public:
    // Starts a scorer on `registry`; returns nullptr (and the reason in `error`) if it did
    // not report ready within 60 s.
    static std::unique_ptr<ScorerProcess> start(const QString& registry,
                                                const QStringList& extraArgs, QString* error);

    int grpcPort() const { return ready_.value("grpc_port").toInt(); }
    int metricsPort() const { return ready_.value("metrics_port").toInt(); }
    QString grpcAddress() const { return QStringLiteral("127.0.0.1:%1").arg(grpcPort()); }
    const QJsonObject& ready() const { return ready_; }
    ChildProcess& child() { return child_; }

private:
    ChildProcess child_;
    QJsonObject ready_;
};

}  // namespace fraudops::test
