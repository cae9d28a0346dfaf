#pragma once

#include <grpcpp/grpcpp.h>

#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fraud/v1/control.grpc.pb.h"
#include "fraud/v1/scoring.grpc.pb.h"

namespace fraudops::test {

// A plaintext channel to a scorer on loopback.
std::shared_ptr<grpc::Channel> channelTo(const QString& address,
                                         const grpc::ChannelArguments& args = {});
// A context with a deadline and, if given, a bearer token.
std::unique_ptr<grpc::ClientContext> callContext(const std::string& token = {}, int seconds = 20);

// A transaction every scorer accepts: `card` and an event time a minute ago.
fraud::v1::Transaction validTransaction(const std::string& id, const std::string& card = "card-1");

// Copies a whole registry directory, so a test can change its rollout on its own.
void copyRegistry(const QString& from, const QString& to);

// Starts a scorer on `registry` (no drain, for a quick stop) and asks its status: what a
// replica loads and serves from it, or nothing, with why in `error`. The registry fault tests'
// "every replica still loads it".
std::optional<fraud::v1::ReplicaStatus> statusOfAScorerOn(const QString& registry, QString* error);

struct TokenGrant {
    std::string token;
    std::string identity;
    std::string role;  // viewer or admin
};
// Writes a tokens file holding the sha256 of each token.
void writeTokensFile(const QString& path, const std::vector<TokenGrant>& grants);

// fraud-loadgen running in the background; `finish` waits for its JSON report.
class LoadgenRun {
public:
    explicit LoadgenRun(const QStringList& args);
    // Asks it to stop early (SIGINT); it drains and reports.
    void stop();
    // The report, or an empty object with the reason in `error`.
    QJsonObject finish(QString* error, std::chrono::seconds timeout = std::chrono::seconds(180));
    // Outcomes of the warm-up and the measured phase together, by status code.
    static std::map<QString, double> codes(const QJsonObject& report);

private:
    QProcess process_;
};

}  // namespace fraudops::test
