#include "ScorerProcess.h"

#include <QJsonDocument>

#include "TestEnvironment.h"

namespace fraudops::test {

std::unique_ptr<ScorerProcess> ScorerProcess::start(const QString& registry,
                                                    const QStringList& extraArgs, QString* error) {
    auto scorer = std::make_unique<ScorerProcess>();
    QStringList args{"--registry",  registry,           "--listen",
                     "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"};
    args += extraArgs;
    scorer->child_.start(scorerBinary(), args);
    QByteArray seen;
    const QByteArray line = scorer->child_.waitForLine(
        [](const QByteArray& l) { return l.contains("\"event\":\"ready\""); },
        std::chrono::seconds(60), &seen);
    if (line.isEmpty()) {
        if (error) {
            *error = "fraud-scorer did not become ready; stdout: " + QString::fromUtf8(seen) +
                     " stderr: " + QString::fromUtf8(scorer->child_.standardError());
        }
        return nullptr;
    }
    scorer->ready_ = QJsonDocument::fromJson(line).object();
    return scorer;
}

}  // namespace fraudops::test
