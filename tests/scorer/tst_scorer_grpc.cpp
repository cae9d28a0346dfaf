// A real fraud-scorer process over real gRPC: Score, ScoreStream, Explain, bad input,
// health, reflection, and the graceful drain on SIGTERM.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <QtTest>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "HttpGet.h"
#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "common/Time.h"
#include "fraud/v1/control.grpc.pb.h"
#include "fraud/v1/scoring.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "registry/ModelRegistry.h"
#include "synth/TransactionGenerator.h"
#include "training/CsvTable.h"

Q_DECLARE_METATYPE(std::function<void(fraud::v1::Transaction&)>)

using fraudops::test::ScorerProcess;
using grpc::StatusCode;

namespace {

std::shared_ptr<grpc::Channel> channelTo(const ScorerProcess& s) {
    return grpc::CreateChannel(s.grpcAddress().toStdString(), grpc::InsecureChannelCredentials());
}

void withDeadline(grpc::ClientContext& context, int seconds = 10) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

// The shared valid transaction, on this file's own card.
fraud::v1::Transaction validTransaction(const std::string& id = "t-1") {
    return fraudops::test::validTransaction(id, "card-test-1");
}

// Reads a health Watch stream on its own thread and hands the statuses over.
class HealthWatcher {
public:
    explicit HealthWatcher(std::shared_ptr<grpc::Channel> channel)
        : stub_(grpc::health::v1::Health::NewStub(channel)) {
        thread_ = std::thread([this] {
            grpc::health::v1::HealthCheckRequest request;
            auto reader = stub_->Watch(&context_, request);
            grpc::health::v1::HealthCheckResponse response;
            while (reader->Read(&response)) {
                std::lock_guard lock(mutex_);
                seen_.push_back(response.status());
                changed_.notify_all();
            }
            reader->Finish();
        });
    }
    ~HealthWatcher() {
        context_.TryCancel();
        thread_.join();
    }
    bool waitFor(grpc::health::v1::HealthCheckResponse::ServingStatus status,
                 std::chrono::seconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] {
            return std::find(seen_.begin(), seen_.end(), status) != seen_.end();
        });
    }

private:
    std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
    grpc::ClientContext context_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<grpc::health::v1::HealthCheckResponse::ServingStatus> seen_;
};

double metricValue(const QByteArray& metrics, const QByteArray& series) {
    for (const auto& line : metrics.split('\n')) {
        if (line.startsWith(series + ' '))
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

}  // namespace

class ScorerGrpcTest : public QObject {
    Q_OBJECT

    std::unique_ptr<ScorerProcess> scorer_;
    std::unique_ptr<fraud::v1::Scoring::Stub> stub_;
    fraud::ModelManifest manifest_;

    grpc::Status score(const fraud::v1::Transaction& tx, bool explain, fraud::v1::ScoreResult* out,
                       std::string* field = nullptr) {
        grpc::ClientContext context;
        withDeadline(context);
        fraud::v1::ScoreRequest request;
        *request.mutable_transaction() = tx;
        request.set_explain(explain);
        const auto status = stub_->Score(&context, request, out);
        if (field) {
            const auto& trailers = context.GetServerTrailingMetadata();
            const auto it = trailers.find("fraud-invalid-field");
            *field = it == trailers.end() ? "" : std::string(it->second.data(), it->second.size());
        }
        return status;
    }

private slots:
    void initTestCase() {
        QString error;
        scorer_ = ScorerProcess::start(fraudops::test::transactionRegistry(),
                                       {"--drain-seconds", "0"}, &error);
        QVERIFY2(scorer_, qPrintable(error));
        stub_ = fraud::v1::Scoring::NewStub(channelTo(*scorer_));
        manifest_ = fraud::ModelRegistry(fraudops::test::transactionRegistry().toStdString())
                        .readManifest("v1");
        QCOMPARE(scorer_->ready().value("model_version").toString(), QString("v1"));
    }

    void cleanupTestCase() {
        // A graceful stop after all that traffic exits 0: under ASan this is also the leak check.
        scorer_->child().signal(SIGTERM);
        QVERIFY(scorer_->child().waitForExit(std::chrono::seconds(30)));
        QCOMPARE(scorer_->child().process().exitCode(), 0);
    }

    void scoreDecidesByTheModelsThresholds() {
        fraud::v1::ScoreResult result;
        const auto status = score(validTransaction("t-decide"), false, &result);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QCOMPARE(result.transaction_id(), std::string("t-decide"));
        QVERIFY(result.score() >= 0 && result.score() <= 1);
        QCOMPARE(result.model_version(), std::string("v1"));
        QCOMPARE(result.variant(), fraud::v1::VARIANT_STABLE);
        QVERIFY(!result.has_explanation());
        const auto expected =
            result.score() >= manifest_.thresholds.decline  ? fraud::v1::DECISION_DECLINE
            : result.score() >= manifest_.thresholds.review ? fraud::v1::DECISION_REVIEW
                                                            : fraud::v1::DECISION_APPROVE;
        QCOMPARE(result.decision(), expected);
    }

    void explanationSumsToTheScore() {
        fraud::v1::ScoreResult result;
        QVERIFY(score(validTransaction("t-explain"), true, &result).ok());
        const auto& e = result.explanation();
        QCOMPARE(e.contributions_size(), int(manifest_.schema.features.size()));
        double sum = e.base_value();
        for (int i = 0; i < e.contributions_size(); ++i) {
            sum += e.contributions(i).contribution();
            if (i > 0) {
                QVERIFY(std::abs(e.contributions(i).contribution()) <=
                        std::abs(e.contributions(i - 1).contribution()));
            }
        }
        // The served margin is summed in float, as XGBoost sums it; the contributions in double.
        QVERIFY(std::abs(sum - e.margin()) < 1e-4);
        QVERIFY(std::abs(1 / (1 + std::exp(-e.margin())) - result.score()) < 1e-9);
    }

    void explainDoesNotChangeTheCardsHistory() {
        const auto velocity = [](const fraud::v1::ScoreResult& r) {
            for (const auto& c : r.explanation().contributions()) {
                if (c.feature() == "card_txn_count_1h")
                    return c.value();
            }
            return -1.0;
        };
        auto tx = validTransaction("t-history");
        tx.set_card_id("card-history");
        fraud::v1::ExplainRequest request;
        *request.mutable_transaction() = tx;
        fraud::v1::ScoreResult first, second, scored, after;
        grpc::ClientContext c1, c2;
        withDeadline(c1);
        withDeadline(c2);
        QVERIFY(stub_->Explain(&c1, request, &first).ok());
        QVERIFY(stub_->Explain(&c2, request, &second).ok());
        QCOMPARE(velocity(first), 0.0);
        QCOMPARE(velocity(second), 0.0);
        QVERIFY(score(tx, true, &scored).ok());
        QCOMPARE(velocity(scored), 0.0);
        QVERIFY(score(tx, true, &after).ok());
        QCOMPARE(velocity(after), 0.0);  // a retry of the same transaction: not its own history
        auto next = tx;
        next.set_transaction_id("t-history-next");
        QVERIFY(score(next, true, &after).ok());
        QCOMPARE(velocity(after), 1.0);  // the scored transaction is now history, once
    }

    void scoreStreamTenThousand() {
        fraud::GeneratorConfig config;
        config.seed = 99;
        config.cards = 2000;
        // 2,000 cards at 10 a day make 10,000 transactions in 12 to 20 simulated hours
        // (fewer at night): start two days ago so that all of them lie in the past.
        config.start = fraud::wallClockMillis() - 48 * 3600 * 1000;
        config.txnsPerCardPerDay = 10;
        fraud::TransactionGenerator generator(config);
        grpc::ClientContext context;
        withDeadline(context, 120);
        auto stream = stub_->ScoreStream(&context);
        std::size_t results = 0, scored = 0;
        for (std::uint64_t batch = 0; batch < 20; ++batch) {
            fraud::v1::ScoreBatch request;
            request.set_batch_id(batch);
            for (int i = 0; i < 500; ++i)
                *request.add_transactions() = generator.next().tx;
            if (batch == 7)
                request.mutable_transactions(3)->set_amount(-1);  // one bad item
            QVERIFY(stream->Write(request));
            fraud::v1::ScoreBatchResult reply;
            QVERIFY(stream->Read(&reply));
            QCOMPARE(reply.batch_id(), batch);
            QCOMPARE(reply.results_size(), 500);
            for (int i = 0; i < reply.results_size(); ++i) {
                const auto& r = reply.results(i);
                QCOMPARE(r.transaction_id(), request.transactions(i).transaction_id());
                if (batch == 7 && i == 3) {
                    QCOMPARE(r.error().code(), int(StatusCode::INVALID_ARGUMENT));
                    QCOMPARE(r.error().field(), std::string("amount"));
                } else {
                    QVERIFY2(!r.has_error(), r.error().message().c_str());
                    QVERIFY(r.score() >= 0 && r.score() <= 1);
                    ++scored;
                }
                ++results;
            }
        }
        QVERIFY(stream->WritesDone());
        const auto status = stream->Finish();
        QVERIFY2(status.ok(), status.error_message().c_str());
        QCOMPARE(results, std::size_t{10'000});
        QCOMPARE(scored, std::size_t{9'999});
    }

    // A batch with explanations is explained by the batched walk: every result must equal the
    // one-row Explain of the same transaction (fresh cards, so the history is the same).
    void streamExplanationsEqualExplain() {
        fraud::v1::ScoreBatch request;
        request.set_explain(true);
        for (int i = 0; i < 21; ++i) {  // 21: two full lane groups and a partial one
            auto tx = validTransaction("t-batch-explain-" + std::to_string(i));
            tx.set_card_id("card-batch-explain-" + std::to_string(i));
            tx.set_amount(5.0 + 37.0 * i);
            *request.add_transactions() = tx;
        }
        std::vector<fraud::v1::ScoreResult> single(21);
        for (int i = 0; i < 21; ++i) {
            fraud::v1::ExplainRequest one;
            *one.mutable_transaction() = request.transactions(i);
            grpc::ClientContext c;
            withDeadline(c);
            QVERIFY(stub_->Explain(&c, one, &single[static_cast<std::size_t>(i)]).ok());
        }
        grpc::ClientContext context;
        withDeadline(context);
        auto stream = stub_->ScoreStream(&context);
        QVERIFY(stream->Write(request));
        fraud::v1::ScoreBatchResult reply;
        QVERIFY(stream->Read(&reply));
        QVERIFY(stream->WritesDone());
        QVERIFY(stream->Finish().ok());
        QCOMPARE(reply.results_size(), 21);
        for (int i = 0; i < 21; ++i) {
            const auto& batched = reply.results(i).explanation();
            const auto& alone = single[static_cast<std::size_t>(i)].explanation();
            QCOMPARE(batched.contributions_size(), alone.contributions_size());
            QCOMPARE(batched.margin(), alone.margin());
            std::map<std::string, std::pair<double, double>> byFeature;
            for (const auto& c : alone.contributions())
                byFeature[c.feature()] = {c.value(), c.contribution()};
            for (const auto& c : batched.contributions()) {
                const auto [value, contribution] = byFeature.at(c.feature());
                QCOMPARE(c.value(), value);
                QVERIFY2(std::abs(c.contribution() - contribution) < 1e-9, c.feature().c_str());
            }
        }
    }

    void badInputIsRejected_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<std::function<void(fraud::v1::Transaction&)>>("spoil");
        using T = fraud::v1::Transaction;
        const auto now = fraud::wallClockMillis();
        QTest::newRow("missing id")
            << "transaction_id" << std::function<void(T&)>([](T& t) { t.clear_transaction_id(); });
        QTest::newRow("oversized id") << "transaction_id" << std::function<void(T&)>([](T& t) {
            t.set_transaction_id(std::string(10'000, 'x'));
        });
        QTest::newRow("empty card")
            << "card_id" << std::function<void(T&)>([](T& t) { t.set_card_id(""); });
        QTest::newRow("card with spaces")
            << "card_id" << std::function<void(T&)>([](T& t) { t.set_card_id("a card"); });
        QTest::newRow("missing merchant")
            << "merchant_id" << std::function<void(T&)>([](T& t) { t.clear_merchant_id(); });
        QTest::newRow("bad category")
            << "merchant_category"
            << std::function<void(T&)>([](T& t) { t.set_merchant_category("54a1"); });
        QTest::newRow("negative amount")
            << "amount" << std::function<void(T&)>([](T& t) { t.set_amount(-5); });
        QTest::newRow("NaN amount")
            << "amount" << std::function<void(T&)>([](T& t) { t.set_amount(std::nan("")); });
        QTest::newRow("infinite amount")
            << "amount" << std::function<void(T&)>([](T& t) { t.set_amount(INFINITY); });
        QTest::newRow("absurd amount")
            << "amount" << std::function<void(T&)>([](T& t) { t.set_amount(1e12); });
        QTest::newRow("bad currency")
            << "currency" << std::function<void(T&)>([](T& t) { t.set_currency("eur"); });
        QTest::newRow("no timestamp")
            << "timestamp" << std::function<void(T&)>([](T& t) { t.clear_timestamp(); });
        QTest::newRow("too old") << "timestamp" << std::function<void(T&)>([now](T& t) {
            fraud::setEpochMillis(t.mutable_timestamp(), now - 30LL * 86400 * 1000);
        });
        QTest::newRow("in the future") << "timestamp" << std::function<void(T&)>([now](T& t) {
            fraud::setEpochMillis(t.mutable_timestamp(), now + 3600 * 1000);
        });
        // Found by the transaction fuzzer: seconds * 1000 overflowed.
        QTest::newRow("past the year 9999") << "timestamp" << std::function<void(T&)>([](T& t) {
            t.mutable_timestamp()->set_seconds(3'543'492'879'855'235'776);
        });
        QTest::newRow("unknown channel") << "channel" << std::function<void(T&)>([](T& t) {
            t.set_channel(static_cast<fraud::v1::Channel>(99));
        });
        QTest::newRow("unspecified channel")
            << "channel"
            << std::function<void(T&)>([](T& t) { t.set_channel(fraud::v1::CHANNEL_UNSPECIFIED); });
        QTest::newRow("bad country")
            << "country" << std::function<void(T&)>([](T& t) { t.set_country("Netherlands"); });
        QTest::newRow("bad card country")
            << "card_country" << std::function<void(T&)>([](T& t) { t.set_card_country("nl"); });
        QTest::newRow("oversized device")
            << "device_id"
            << std::function<void(T&)>([](T& t) { t.set_device_id(std::string(500, 'd')); });
    }

    void badInputIsRejected() {
        QFETCH(QString, field);
        QFETCH(std::function<void(fraud::v1::Transaction&)>, spoil);
        const QByteArray series =
            "fraud_scorer_invalid_inputs_total{field=\"" + field.toUtf8() + "\"}";
        const auto metricsUrl =
            QStringLiteral("http://127.0.0.1:%1/metrics").arg(scorer_->metricsPort());
        const double before = metricValue(fraudops::test::httpGet(metricsUrl).body, series);

        auto tx = validTransaction("t-bad");
        spoil(tx);
        fraud::v1::ScoreResult result;
        std::string trailerField;
        const auto status = score(tx, false, &result, &trailerField);
        QCOMPARE(int(status.error_code()), int(StatusCode::INVALID_ARGUMENT));
        QVERIFY2(QString::fromStdString(status.error_message()).startsWith(field + ": "),
                 status.error_message().c_str());
        QCOMPARE(QString::fromStdString(trailerField), field);

        const double after = metricValue(fraudops::test::httpGet(metricsUrl).body, series);
        QCOMPARE(after, before + 1);
    }

    void missingTransactionIsRejected() {
        grpc::ClientContext context;
        withDeadline(context);
        fraud::v1::ScoreResult result;
        const auto status = stub_->Score(&context, fraud::v1::ScoreRequest(), &result);
        QCOMPARE(int(status.error_code()), int(StatusCode::INVALID_ARGUMENT));
        QCOMPARE(status.error_message(), std::string("transaction: is required"));
    }

    void vectorSchemaModel() {
        QString error;
        auto vectorScorer = ScorerProcess::start(fraudops::test::vectorRegistry(),
                                                 {"--drain-seconds", "0"}, &error);
        QVERIFY2(vectorScorer, qPrintable(error));
        auto stub = fraud::v1::Scoring::NewStub(channelTo(*vectorScorer));
        const auto data = fraud::CsvTable::read(
            (fraudops::test::dataDir() + "/ulb_creditcard_sample.csv").toStdString());
        fraud::v1::ScoreRequest request;
        auto* tx = request.mutable_transaction();
        tx->set_transaction_id("ulb-1");
        for (std::size_t c = 0; c < data.columns.size(); ++c) {
            if (data.columns[c] != "Time" && data.columns[c] != "Class") {
                (*tx->mutable_features())[data.columns[c]] = data.rows[0][c];
            }
        }
        request.set_explain(true);
        {
            grpc::ClientContext context;
            withDeadline(context);
            fraud::v1::ScoreResult result;
            const auto status = stub->Score(&context, request, &result);
            QVERIFY2(status.ok(), status.error_message().c_str());
            QCOMPARE(result.explanation().contributions_size(), 29);
            // The first row of the sample is a fraud; the model should say so.
            QCOMPARE(data.rows[0][data.column("Class")], 1.0);
            QCOMPARE(result.decision(), fraud::v1::DECISION_DECLINE);
        }
        tx->mutable_features()->erase("V14");
        grpc::ClientContext context;
        withDeadline(context);
        fraud::v1::ScoreResult result;
        const auto status = stub->Score(&context, request, &result);
        QCOMPARE(int(status.error_code()), int(StatusCode::INVALID_ARGUMENT));
        QVERIFY2(status.error_message().starts_with("features[V14]: "),
                 status.error_message().c_str());
    }

    void healthAndReflection() {
        auto health = grpc::health::v1::Health::NewStub(channelTo(*scorer_));
        grpc::ClientContext context;
        withDeadline(context);
        grpc::health::v1::HealthCheckResponse response;
        QVERIFY(health->Check(&context, {}, &response).ok());
        QCOMPARE(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

        auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channelTo(*scorer_));
        grpc::ClientContext rc;
        withDeadline(rc);
        auto stream = reflection->ServerReflectionInfo(&rc);
        grpc::reflection::v1alpha::ServerReflectionRequest request;
        request.set_list_services("");
        QVERIFY(stream->Write(request));
        grpc::reflection::v1alpha::ServerReflectionResponse reply;
        QVERIFY(stream->Read(&reply));
        QStringList names;
        for (const auto& s : reply.list_services_response().service())
            names << QString::fromStdString(s.name());
        QVERIFY2(names.contains("fraud.v1.Scoring") && names.contains("fraud.v1.Control") &&
                     names.contains("grpc.health.v1.Health"),
                 qPrintable(names.join(", ")));
        stream->WritesDone();
        stream->Finish();
    }

    void controlStatusWithoutTokensIsReadable() {
        // Without a tokens file reads are open and changes refused (tst_control_plane has the
        // rest).
        auto control = fraud::v1::Control::NewStub(channelTo(*scorer_));
        grpc::ClientContext context;
        withDeadline(context);
        fraud::v1::ReplicaStatus status;
        QVERIFY(control->GetStatus(&context, {}, &status).ok());
        QCOMPARE(status.stable_version(), std::string("v1"));
        QVERIFY(status.converged());
        grpc::ClientContext change;
        withDeadline(change);
        fraud::v1::ChangeRequest request;
        request.set_reason("test");
        fraud::v1::RolloutState state;
        QCOMPARE(int(control->AbortCanary(&change, request, &state).error_code()),
                 int(StatusCode::UNAUTHENTICATED));
    }

    void sigtermDrainsThenStops() {
        QString error;
        auto scorer = ScorerProcess::start(
            fraudops::test::transactionRegistry(),
            {"--drain-seconds", "5", "--shutdown-grace-seconds", "10"}, &error);
        QVERIFY2(scorer, qPrintable(error));
        auto channel = channelTo(*scorer);
        auto stub = fraud::v1::Scoring::NewStub(channel);
        HealthWatcher watcher(channel);
        QVERIFY(watcher.waitFor(grpc::health::v1::HealthCheckResponse::SERVING,
                                std::chrono::seconds(10)));

        // A stream opened before the signal, to be used after it.
        grpc::ClientContext streamContext;
        withDeadline(streamContext, 60);
        auto stream = stub->ScoreStream(&streamContext);

        scorer->child().signal(SIGTERM);
        QVERIFY(watcher.waitFor(grpc::health::v1::HealthCheckResponse::NOT_SERVING,
                                std::chrono::seconds(10)));

        // Draining: new calls and open streams are still served.
        grpc::ClientContext context;
        withDeadline(context);
        fraud::v1::ScoreRequest request;
        *request.mutable_transaction() = validTransaction("t-drain");
        fraud::v1::ScoreResult result;
        const auto status = stub->Score(&context, request, &result);
        QVERIFY2(status.ok(), status.error_message().c_str());

        fraud::v1::ScoreBatch batch;
        *batch.add_transactions() = validTransaction("t-drain-stream");
        QVERIFY(stream->Write(batch));
        fraud::v1::ScoreBatchResult reply;
        QVERIFY(stream->Read(&reply));
        QCOMPARE(reply.results_size(), 1);
        QVERIFY(stream->WritesDone());
        QVERIFY(stream->Finish().ok());

        QVERIFY(scorer->child().waitForExit(std::chrono::seconds(30)));
        QCOMPARE(scorer->child().process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(scorer->child().process().exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(ScorerGrpcTest)
#include "tst_scorer_grpc.moc"
