#include "ScorerClient.h"

#include <signal.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <filesystem>

#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/FileIo.h"
#include "common/Time.h"

namespace fraudops::test {

std::shared_ptr<grpc::Channel> channelTo(const QString& address,
                                         const grpc::ChannelArguments& args) {
    return grpc::CreateCustomChannel(address.toStdString(), grpc::InsecureChannelCredentials(),
                                     args);
}

std::unique_ptr<grpc::ClientContext> callContext(const std::string& token, int seconds) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    if (!token.empty())
        context->AddMetadata("authorization", "Bearer " + token);
    return context;
}

fraud::v1::Transaction validTransaction(const std::string& id, const std::string& card) {
    fraud::v1::Transaction tx;
    tx.set_transaction_id(id);
    tx.set_card_id(card);
    tx.set_merchant_id("m-1");
    tx.set_merchant_category("5411");
    tx.set_amount(42.5);
    tx.set_currency("EUR");
    fraud::setEpochMillis(tx.mutable_timestamp(), fraud::wallClockMillis() - 60'000);
    tx.set_channel(fraud::v1::CHANNEL_ECOM);
    tx.set_country("NL");
    tx.set_card_country("NL");
    tx.set_device_id("dev-1");
    return tx;
}

std::optional<fraud::v1::ReplicaStatus> statusOfAScorerOn(const QString& registry, QString* error) {
    auto scorer = ScorerProcess::start(
        registry, {"--drain-seconds", "0", "--shutdown-grace-seconds", "0"}, error);
    if (!scorer)
        return std::nullopt;
    auto control = fraud::v1::Control::NewStub(channelTo(scorer->grpcAddress()));
    fraud::v1::ReplicaStatus status;
    auto context = callContext();
    const auto answer = control->GetStatus(context.get(), {}, &status);
    if (!answer.ok()) {
        *error = QString::fromStdString("GetStatus: " + answer.error_message());
        return std::nullopt;
    }
    return status;
}

void copyRegistry(const QString& from, const QString& to) {
    std::filesystem::copy(from.toStdString(), to.toStdString(),
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::overwrite_existing);
}

void writeTokensFile(const QString& path, const std::vector<TokenGrant>& grants) {
    QJsonArray tokens;
    for (const auto& g : grants) {
        const auto hash =
            QCryptographicHash::hash(QByteArray::fromStdString(g.token), QCryptographicHash::Sha256)
                .toHex();
        tokens.append(QJsonObject{{"sha256", QString::fromLatin1(hash)},
                                  {"identity", QString::fromStdString(g.identity)},
                                  {"role", QString::fromStdString(g.role)}});
    }
    fraud::writeFileAtomically(
        path.toStdString(), QJsonDocument(QJsonObject{{"tokens", tokens}}).toJson().toStdString());
}

LoadgenRun::LoadgenRun(const QStringList& args) {
    process_.start(QFileInfo(scorerBinary()).dir().filePath("fraud-loadgen"),
                   args + QStringList{"--json", "--quiet"});
}

void LoadgenRun::stop() {
    if (process_.processId() > 0)
        ::kill(static_cast<pid_t>(process_.processId()), SIGINT);
}

QJsonObject LoadgenRun::finish(QString* error, std::chrono::seconds timeout) {
    if (!process_.waitForFinished(static_cast<int>(timeout.count() * 1000)) ||
        process_.exitCode() != 0) {
        *error = "fraud-loadgen failed: " + QString::fromUtf8(process_.readAllStandardError());
        return {};
    }
    return QJsonDocument::fromJson(process_.readAllStandardOutput()).object();
}

std::map<QString, double> LoadgenRun::codes(const QJsonObject& report) {
    std::map<QString, double> out;
    for (const char* phase : {"warmup", "measured"}) {
        const auto codes = report.value(phase).toObject().value("codes").toObject();
        for (auto it = codes.begin(); it != codes.end(); ++it)
            out[it.key()] += it.value().toDouble();
    }
    return out;
}

}  // namespace fraudops::test
