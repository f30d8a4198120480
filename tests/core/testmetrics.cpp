// Metrics against values computed by hand (worked out in the comments).

#include "alignscope/metrics.h"

#include <QtTest>

#include <cmath>

using namespace alignscope;

namespace {

TokenLists lists(const QStringList &lines)
{
    TokenLists out;
    for (const auto &line : lines) {
        std::vector<std::string> tokens;
        for (const auto &t : line.split(' ', Qt::SkipEmptyParts))
            tokens.push_back(t.toStdString());
        out.push_back(tokens);
    }
    return out;
}

} // namespace

class TestMetrics : public QObject {
    Q_OBJECT

private slots:
    void testBleu_data();
    void testBleu();
    void testExactMatch_data();
    void testExactMatch();
    void testAer_data();
    void testAer();
    void testArgmax();
    void testEntropy_data();
    void testEntropy();
};

void TestMetrics::testBleu_data()
{
    QTest::addColumn<QStringList>("hypotheses");
    QTest::addColumn<QStringList>("references");
    QTest::addColumn<double>("expected");

    QTest::newRow("identical") << QStringList{"the cat sat on the mat", "a b c d e"}
                               << QStringList{"the cat sat on the mat", "a b c d e"} << 100.0;
    // hyp "the cat sat on the mat" (c = 6), ref "the cat sat on the red mat" (r = 7)
    //   p1 = 6/6, p2 = 4/5 ("the mat" misses), p3 = 3/4, p4 = 2/3
    //   geometric mean = (1 * 4/5 * 3/4 * 2/3)^(1/4) = 0.4^(1/4) = 0.795271
    //   BP = exp(1 - r/c) = exp(1 - 7/6) = 0.846482
    //   BLEU = 100 * 0.846482 * 0.795271 = 67.3182
    QTest::newRow("brevity penalty") << QStringList{"the cat sat on the mat"}
                                     << QStringList{"the cat sat on the red mat"} << 67.31821382417488;
    // Counts add up over the corpus before dividing (not a mean of sentence
    // scores). Adding hyp = ref = "a b c d" (4/4, 3/3, 2/2, 1/1):
    //   p1 = 10/10, p2 = 7/8, p3 = 5/6, p4 = 3/4, c = 10, r = 11
    //   BLEU = 100 * exp(1 - 11/10) * (7/8 * 5/6 * 3/4)^(1/4) = 77.8113
    QTest::newRow("corpus-level counts") << QStringList{"the cat sat on the mat", "a b c d"}
                                         << QStringList{"the cat sat on the red mat", "a b c d"}
                                         << 77.81128176625941;
    // hyp "the the cat sat on the mat" (c = 7) vs ref "the cat sat on the mat" (r = 6):
    //   "the" occurs 3 times but is clipped to the reference's 2: p1 = 6/7,
    //   p2 = 5/6, p3 = 4/5, p4 = 3/4; c > r so BP = 1
    //   BLEU = 100 * (6/7 * 5/6 * 4/5 * 3/4)^(1/4) = 100 * (3/7)^(1/4) = 80.9107
    QTest::newRow("clipping, no penalty when longer") << QStringList{"the the cat sat on the mat"}
                                                      << QStringList{"the cat sat on the mat"} << 80.91067115702212;
    // No smoothing: any zero precision gives 0.
    QTest::newRow("no 4-gram match") << QStringList{"the cat sat on a mat"} << QStringList{"the cat sat in a mat"}
                                     << 0.0;
    QTest::newRow("too short for 4-grams") << QStringList{"the cat"} << QStringList{"the cat"} << 0.0;
    QTest::newRow("empty hypothesis") << QStringList{""} << QStringList{"the cat sat on"} << 0.0;
    QTest::newRow("empty corpus") << QStringList{} << QStringList{} << 0.0;
}

void TestMetrics::testBleu()
{
    QFETCH(QStringList, hypotheses);
    QFETCH(QStringList, references);
    QFETCH(double, expected);

    const double bleu = corpusBleu(lists(hypotheses), lists(references));
    QVERIFY2(std::abs(bleu - expected) < 1e-9, qPrintable(QString("BLEU %1, expected %2").arg(bleu).arg(expected)));
}

void TestMetrics::testExactMatch_data()
{
    QTest::addColumn<QStringList>("hypotheses");
    QTest::addColumn<QStringList>("references");
    QTest::addColumn<double>("expected");

    QTest::newRow("all") << QStringList{"a b", "c"} << QStringList{"a b", "c"} << 1.0;
    QTest::newRow("half") << QStringList{"a b", "c"} << QStringList{"a b", "c d"} << 0.5;
    QTest::newRow("order matters") << QStringList{"b a"} << QStringList{"a b"} << 0.0;
    QTest::newRow("empty corpus") << QStringList{} << QStringList{} << 0.0;
}

void TestMetrics::testExactMatch()
{
    QFETCH(QStringList, hypotheses);
    QFETCH(QStringList, references);
    QFETCH(double, expected);

    QCOMPARE(exactMatch(lists(hypotheses), lists(references)), expected);
}

void TestMetrics::testAer_data()
{
    QTest::addColumn<std::vector<Alignment>>("predicted");
    QTest::addColumn<std::vector<Alignment>>("sure");
    QTest::addColumn<std::vector<Alignment>>("possible");
    QTest::addColumn<double>("expected");

    // S = {0-0, 1-1}, P = S + {1-2}, A = {0-0, 1-2, 2-2}:
    //   |A∩S| = 1, |A∩P| = 2, |A| = 3, |S| = 2 -> AER = 1 - 3/5 = 0.4
    QTest::newRow("sure and possible") << std::vector<Alignment>{{{0, 0}, {1, 2}, {2, 2}}}
                                       << std::vector<Alignment>{{{0, 0}, {1, 1}}}
                                       << std::vector<Alignment>{{{0, 0}, {1, 1}, {1, 2}}} << 0.4;
    // No possible links given: P = S = G = {0-0, 1-1, 2-2}, A = {0-0, 1-1, 2-1}
    //   AER = 1 - 2|A∩G| / (|A| + |G|) = 1 - 4/6 = 1/3
    QTest::newRow("gold only") << std::vector<Alignment>{{{0, 0}, {1, 1}, {2, 1}}}
                               << std::vector<Alignment>{{{0, 0}, {1, 1}, {2, 2}}} << std::vector<Alignment>{}
                               << 1.0 / 3.0;
    // Corpus level: counts add up. Sentence 1 as above (A∩G = 2, |A| = |G| = 3),
    // sentence 2 A = {0-0}, G = {0-0, 1-1}: 1 - 2 * 3 / (4 + 5) = 1/3
    QTest::newRow("two sentences") << std::vector<Alignment>{{{0, 0}, {1, 1}, {2, 1}}, {{0, 0}}}
                                   << std::vector<Alignment>{{{0, 0}, {1, 1}, {2, 2}}, {{0, 0}, {1, 1}}}
                                   << std::vector<Alignment>{} << 1.0 / 3.0;
    QTest::newRow("perfect") << std::vector<Alignment>{{{1, 0}, {0, 1}}} << std::vector<Alignment>{{{0, 1}, {1, 0}}}
                             << std::vector<Alignment>{} << 0.0;
    QTest::newRow("duplicates count once") << std::vector<Alignment>{{{0, 0}, {0, 0}}}
                                           << std::vector<Alignment>{{{0, 0}}} << std::vector<Alignment>{} << 0.0;
    QTest::newRow("all wrong") << std::vector<Alignment>{{{0, 1}}} << std::vector<Alignment>{{{0, 0}}}
                               << std::vector<Alignment>{} << 1.0;
    QTest::newRow("nothing at all") << std::vector<Alignment>{{}} << std::vector<Alignment>{{}}
                                    << std::vector<Alignment>{} << 0.0;
}

void TestMetrics::testAer()
{
    QFETCH(std::vector<Alignment>, predicted);
    QFETCH(std::vector<Alignment>, sure);
    QFETCH(std::vector<Alignment>, possible);
    QFETCH(double, expected);

    QVERIFY(std::abs(alignmentErrorRate(predicted, sure, possible) - expected) < 1e-12);
}

void TestMetrics::testArgmax()
{
    // (T = 3, n = 4); column 3 is padding beyond sourceLength = 3 and must be
    // ignored even where it is largest.
    Matrix weights(3, 4);
    weights << 0.7f, 0.2f, 0.1f, 0.0f, //
        0.1f, 0.1f, 0.3f, 0.5f,        //
        0.4f, 0.4f, 0.2f, 0.0f;        // tie: the first column wins
    QCOMPARE(argmaxAlignment(weights, 3), (Alignment{{0, 0}, {2, 1}, {0, 2}}));
    QCOMPARE(argmaxAlignment(weights, 4), (Alignment{{0, 0}, {3, 1}, {0, 2}}));
    QCOMPARE(argmaxAlignment(weights, 1), (Alignment{{0, 0}, {0, 1}, {0, 2}}));
    QVERIFY(argmaxAlignment(weights, 0).empty());
    QVERIFY(argmaxAlignment(Matrix(0, 4), 4).empty());
}

void TestMetrics::testEntropy_data()
{
    QTest::addColumn<Matrix>("weights");
    QTest::addColumn<double>("expected");

    Matrix uniform = Matrix::Constant(2, 5, 0.2f);
    QTest::newRow("uniform rows: log n") << uniform << std::log(5.0);
    Matrix oneHot = Matrix::Zero(3, 4);
    oneHot(0, 1) = oneHot(1, 0) = oneHot(2, 3) = 1.0f;
    QTest::newRow("one-hot rows: 0") << oneHot << 0.0;
    Matrix mixed(2, 4);
    mixed << 0.25f, 0.25f, 0.25f, 0.25f, 1.0f, 0.0f, 0.0f, 0.0f;
    QTest::newRow("mean of log 4 and 0") << mixed << std::log(4.0) / 2.0;
    Matrix half(1, 2);
    half << 0.5f, 0.5f;
    QTest::newRow("two halves: log 2") << half << std::log(2.0);
    QTest::newRow("no rows") << Matrix(0, 3) << 0.0;
}

void TestMetrics::testEntropy()
{
    QFETCH(Matrix, weights);
    QFETCH(double, expected);

    QVERIFY(std::abs(meanEntropy(weights) - expected) < 1e-6);
}

QTEST_APPLESS_MAIN(TestMetrics)
#include "testmetrics.moc"
