// FindDecisionBoundary against a real scorer: the decision flips at the boundary it finds and
// not a cent before, and a fine grid of scores between the current value and the boundary
// finds no nearer flip (the score is piecewise constant and not monotone in the amount, so this
// is what a bisection could miss); with a card history (amount / card mean depends on the
// amount too), for a vector schema's feature, and as a dry run that changes nothing.
#include <QtTest>
#include <cmath>

#include "ScorerClient.h"
#include "ScorerProcess.h"
#include "TestEnvironment.h"
#include "fraud/v1/scoring.grpc.pb.h"

using namespace fraudops::test;

class DecisionBoundaryTest : public QObject {
    Q_OBJECT

    std::unique_ptr<ScorerProcess> scorer_;
    std::unique_ptr<fraud::v1::Scoring::Stub> stub_;

    grpc::Status boundary(const fraud::v1::Transaction& tx, const std::string& field,
                          fraud::v1::DecisionBoundary* out,
                          const std::vector<fraud::v1::Transaction>& prior = {}) {
        fraud::v1::DecisionBoundaryRequest request;
        *request.mutable_transaction() = tx;
        for (const auto& p : prior)
            *request.add_prior() = p;
        request.set_field(field);
        auto context = callContext();
        return stub_->FindDecisionBoundary(context.get(), request, out);
    }

    // Dry-run decisions for `tx` with the amount (or feature) at each of `values`, batched.
    std::vector<fraud::v1::ScoreResult> scoreAt(const fraud::v1::Transaction& tx,
                                                const std::string& field,
                                                const std::vector<double>& values,
                                                const std::vector<fraud::v1::Transaction>& prior) {
        std::vector<fraud::v1::ScoreResult> out;
        if (!prior.empty()) {
            // Priors travel with unary calls only.
            for (double v : values) {
                fraud::v1::ScoreRequest request;
                *request.mutable_transaction() = withValue(tx, field, v);
                for (const auto& p : prior)
                    *request.add_prior() = p;
                request.set_record_mode(fraud::v1::RECORD_NONE);
                fraud::v1::ScoreResult r;
                auto context = callContext();
                if (!stub_->Score(context.get(), request, &r).ok())
                    return {};
                out.push_back(r);
            }
            return out;
        }
        auto context = callContext();
        auto stream = stub_->ScoreStream(context.get());
        constexpr std::size_t kBatch = 1000;
        for (std::size_t i = 0; i < values.size(); i += kBatch) {
            fraud::v1::ScoreBatch batch;
            batch.set_record_mode(fraud::v1::RECORD_NONE);
            for (std::size_t j = i; j < std::min(values.size(), i + kBatch); ++j)
                *batch.add_transactions() = withValue(tx, field, values[j]);
            if (!stream->Write(batch))
                return {};
            fraud::v1::ScoreBatchResult results;
            if (!stream->Read(&results))
                return {};
            for (const auto& r : results.results())
                out.push_back(r);
        }
        stream->WritesDone();
        stream->Finish();
        return out;
    }

    static fraud::v1::Transaction withValue(fraud::v1::Transaction tx, const std::string& field,
                                            double value) {
        if (field == "amount") {
            tx.set_amount(value);
        } else {
            const auto name = field.substr(9, field.size() - 10);  // features[NAME]
            (*tx.mutable_features())[name] = value;
        }
        return tx;
    }

    // The boundary's promises for one transaction: each flip holds at its value and not one
    // step before it, and nothing between the current value and it flips.
    void checkBoundary(const fraud::v1::Transaction& tx, const std::string& field, double step,
                       const std::vector<fraud::v1::Transaction>& prior = {}) {
        fraud::v1::DecisionBoundary b;
        const auto status = boundary(tx, field, &b, prior);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QVERIFY(b.thresholds() > 0);
        const auto current = b.current().decision();
        for (const auto& flip : b.flips()) {
            QVERIFY(flip.decision() != current);
            // At the boundary (rounded to a step beyond it) the decision has flipped ...
            const double beyond = flip.above() ? std::ceil(flip.value() / step - 1e-9) * step
                                               : std::floor(flip.value() / step - 1e-9) * step;
            const double before = flip.above() ? beyond - step : beyond + step;
            const auto at = scoreAt(tx, field, {beyond, before}, prior);
            QCOMPARE(at.size(), std::size_t{2});
            QVERIFY2(at[0].decision() == flip.decision(),
                     qPrintable(QString("%1 %2 at %3: %4, not %5")
                                    .arg(QString::fromStdString(field))
                                    .arg(flip.above() ? "above" : "below")
                                    .arg(beyond)
                                    .arg(at[0].decision())
                                    .arg(flip.decision())));
            // ... and one step short of it, and everywhere back to the current value, it has not.
            const double from = b.value(), to = before;
            const double span = std::abs(to - from);
            const double gridStep = std::max(step, span / (prior.empty() ? 20'000 : 300));
            std::vector<double> grid;
            for (double v = 0; v <= span + 1e-9; v += gridStep)
                grid.push_back(from + (to > from ? v : -v));
            grid.push_back(to);
            const auto scored = scoreAt(tx, field, grid, prior);
            QCOMPARE(scored.size(), grid.size());
            for (std::size_t i = 0; i < grid.size(); ++i) {
                QVERIFY2(scored[i].decision() == current,
                         qPrintable(QString("a nearer flip at %1 (boundary %2)")
                                        .arg(grid[i], 0, 'f', 6)
                                        .arg(flip.value(), 0, 'f', 6)));
            }
        }
    }

private slots:
    void initTestCase() {
        QString error;
        scorer_ = ScorerProcess::start(transactionRegistry(), {"--drain-seconds", "0"}, &error);
        QVERIFY2(scorer_, qPrintable(error));
        stub_ = fraud::v1::Scoring::NewStub(channelTo(scorer_->grpcAddress()));
    }

    void amountBoundaries() {
        // A range of transactions: categories, channels, countries, amounts.
        const std::pair<const char*, fraud::v1::Channel> kinds[] = {
            {"5411", fraud::v1::CHANNEL_POS},  {"5732", fraud::v1::CHANNEL_ECOM},
            {"6051", fraud::v1::CHANNEL_ECOM}, {"7995", fraud::v1::CHANNEL_MOTO},
            {"6011", fraud::v1::CHANNEL_ATM},  {"5812", fraud::v1::CHANNEL_POS},
        };
        int withFlip = 0;
        for (int i = 0; i < 12; ++i) {
            auto tx = validTransaction(std::string("boundary-").append(std::to_string(i)),
                                       "card-boundary");
            tx.set_merchant_category(kinds[i % 6].first);
            tx.set_channel(kinds[i % 6].second);
            tx.set_card_country(i % 2 ? "US" : "NL");
            tx.set_amount(5 + 37.5 * i);
            fraud::v1::DecisionBoundary b;
            QVERIFY(boundary(tx, "amount", &b).ok());
            withFlip += b.flips_size() > 0;
            checkBoundary(tx, "amount", 0.01);
            if (QTest::currentTestFailed())
                return;
        }
        QVERIFY2(withFlip >= 6, qPrintable(QString::number(withFlip)));
    }

    void amountBoundaryWithACardHistory() {
        // Five small online payments in the last hour: amount / card mean now moves with the
        // amount as well.
        const auto tx = validTransaction("boundary-history", "card-boundary-history");
        std::vector<fraud::v1::Transaction> prior;
        for (int i = 0; i < 5; ++i) {
            auto p = validTransaction(std::string("boundary-prior-").append(std::to_string(i)),
                                      tx.card_id());
            p.mutable_timestamp()->set_seconds(tx.timestamp().seconds() - 300 * (i + 1));
            p.set_amount(3 + i);
            prior.push_back(p);
        }
        fraud::v1::DecisionBoundary b;
        QVERIFY(boundary(tx, "amount", &b, prior).ok());
        QVERIFY(std::find(b.dependents().begin(), b.dependents().end(), "amount_to_card_mean") !=
                b.dependents().end());
        checkBoundary(tx, "amount", 0.01, prior);
    }

    void vectorFeatureBoundary() {
        QString error;
        auto vector = ScorerProcess::start(vectorRegistry(), {"--drain-seconds", "0"}, &error);
        QVERIFY2(vector, qPrintable(error));
        stub_ = fraud::v1::Scoring::NewStub(channelTo(vector->grpcAddress()));
        const auto restore = qScopeGuard(
            [&] { stub_ = fraud::v1::Scoring::NewStub(channelTo(scorer_->grpcAddress())); });
        // The evaluation set's first fraud: V14 (the strongest feature) moves its decision.
        QFile csv(QDir(vectorRegistry() + "/eval").entryInfoList({"*.csv"}).value(0).filePath());
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const auto header = QString::fromUtf8(csv.readLine()).trimmed().split(',');
        fraud::v1::Transaction tx;
        tx.set_transaction_id("vector-boundary");
        while (!csv.atEnd()) {
            const auto row = QString::fromUtf8(csv.readLine()).trimmed().split(',');
            if (row.value(header.indexOf("label")) != "1")
                continue;
            for (int i = 0; i < header.size(); ++i) {
                if (header[i] != "label" && header[i] != "weight")
                    (*tx.mutable_features())[header[i].toStdString()] = row[i].toDouble();
            }
            break;
        }
        QVERIFY(tx.features_size() == 29);
        fraud::v1::DecisionBoundary b;
        const auto status = boundary(tx, "features[V14]", &b);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QVERIFY2(b.flips_size() > 0, "V14 moves no decision");
        checkBoundary(tx, "features[V14]", 1e-4);
    }

    void badFieldsAreNamed() {
        fraud::v1::DecisionBoundary b;
        auto status = boundary(validTransaction("b-bad"), "merchant_id", &b);
        QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY2(QString::fromStdString(status.error_message()).startsWith("field:"),
                 status.error_message().c_str());
        auto tx = validTransaction("b-bad-amount");
        tx.set_amount(-3);
        status = boundary(tx, "amount", &b);
        QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY(QString::fromStdString(status.error_message()).startsWith("amount"));
    }
};

QTEST_GUILESS_MAIN(DecisionBoundaryTest)
#include "tst_decision_boundary.moc"
