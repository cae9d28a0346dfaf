// Classifier metrics against values worked out by hand, weighted and unweighted.
#include <QtTest>
#include <vector>

#include "training/ClassifierMetrics.h"

class ClassifierMetricsTest : public QObject {
    Q_OBJECT

private slots:
    void perfectAndInverted() {
        const std::vector<float> labels{0, 0, 1, 1};
        const auto perfect =
            fraud::evaluateScores(std::vector<float>{0.1f, 0.2f, 0.8f, 0.9f}, labels);
        QCOMPARE(perfect.rocAuc, 1.0);
        QCOMPARE(perfect.prAuc, 1.0);
        const auto inverted =
            fraud::evaluateScores(std::vector<float>{0.9f, 0.8f, 0.2f, 0.1f}, labels);
        QCOMPARE(inverted.rocAuc, 0.0);
    }

    void handWorkedRanking() {
        // Ranked by score: 1, 0, 1, 0. ROC: of the 4 positive/negative pairs, 3 are ordered
        // right -> 0.75. Average precision: recall 0.5 at precision 1, recall 1 at 2/3
        // -> 0.5 * 1 + 0.5 * 2/3 = 0.8333.
        const std::vector<float> scores{0.9f, 0.7f, 0.5f, 0.3f};
        const std::vector<float> labels{1, 0, 1, 0};
        const auto m = fraud::evaluateScores(scores, labels);
        QVERIFY(qFuzzyCompare(m.rocAuc, 0.75));
        QVERIFY(qFuzzyCompare(m.prAuc, 0.5 + 0.5 * 2.0 / 3.0));
    }

    void tiesCountHalf() {
        // One positive and one negative with the same score: AUC 0.5.
        const auto m =
            fraud::evaluateScores(std::vector<float>{0.5f, 0.5f}, std::vector<float>{1, 0});
        QCOMPARE(m.rocAuc, 0.5);
    }

    void weightsStandForThePopulation() {
        // Weighting the negative by 3 is the same as three copies of it.
        const std::vector<float> scores{0.9f, 0.7f, 0.5f};
        const std::vector<float> labels{1, 0, 1};
        const auto weighted = fraud::evaluateScores(scores, labels, std::vector<float>{1, 3, 1});
        const auto copies = fraud::evaluateScores(std::vector<float>{0.9f, 0.7f, 0.7f, 0.7f, 0.5f},
                                                  std::vector<float>{1, 0, 0, 0, 1});
        QVERIFY(qFuzzyCompare(weighted.prAuc, copies.prAuc));
        QVERIFY(qFuzzyCompare(weighted.rocAuc, copies.rocAuc));
        QCOMPARE(weighted.negatives, 3.0);
    }

    void thresholdForFalsePositiveRate() {
        // Ten negatives scored 0.0..0.9 and one positive at 0.95. At most 10 % FPR: flag
        // scores >= 0.9 (one negative of ten).
        std::vector<float> scores, labels;
        for (int i = 0; i < 10; ++i) {
            scores.push_back(static_cast<float>(i) / 10);
            labels.push_back(0);
        }
        scores.push_back(0.95f);
        labels.push_back(1);
        const double t = fraud::thresholdForFalsePositiveRate(scores, labels, {}, 0.1);
        QCOMPARE(static_cast<float>(t), 0.9f);
        const auto at = fraud::metricsAtThreshold(scores, labels, {}, t);
        QCOMPARE(at.recall, 1.0);
        QCOMPARE(at.precision, 0.5);
        QCOMPARE(at.falsePositiveRate, 0.1);
        QCOMPARE(fraud::evaluateScores(scores, labels).recallAt1PctFpr, 1.0);
    }
};

QTEST_GUILESS_MAIN(ClassifierMetricsTest)
#include "tst_classifier_metrics.moc"
