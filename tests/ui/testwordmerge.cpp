// TestWordMerge: "Merge word pieces" on a synthetic subword trace. The
// grouping rules (source words from SourceAxis::words, target words from the
// readable "▁" mark and special tokens), the labels, and the heatmap built
// with mergeWords: one column per source word whose α is the sum of its
// pieces', one row per target word averaging its pieces' rows.

#include "attention/heatmappainter.h"
#include "attention/wordmerge.h"
#include "decode/tracemodel.h"

#include "common/synthetictrace.h"

#include <QTest>

using namespace alignscope;
using namespace alignscope::ui;

namespace {

const std::string kMark = kWordMark;

/// "▁un" "believ" "able" "▁cat" "s" "</s>": three words and the special end, words = 0 0 0 1 1 2.
SourceAxis piecedSource()
{
    SourceAxis a = testing::syntheticTextSource(6);
    a.labels = {"Gun", "believ", "able", "Gcat", "s", "</s>"};
    a.words = {0, 0, 0, 1, 1, 2};
    a.flags = {0, SourceAxis::Oov, 0, 0, 0, SourceAxis::Special};
    return a;
}

/// The synthetic trace over piecedSource() with target pieces "▁le" "chat" "▁noir" "<eos>",
/// shown as a byte-level tokenizer's display would ("G" -> "▁").
std::shared_ptr<const DecodeTrace> piecedTrace()
{
    DecodeTrace tr = *testing::syntheticTrace(piecedSource(), 2, 2, 4);
    const char *targets[] = {"Gle", "chat", "Gnoir", "<eos>"};
    for (size_t t = 0; t < tr.nodes.size(); ++t)
        tr.nodes[t].token = targets[t];
    tr.displayToken = [](const std::string &s) { return s.rfind('G', 0) == 0 ? kMark + s.substr(1) : s; };
    return std::make_shared<const DecodeTrace>(std::move(tr));
}

} // namespace

class TestWordMerge : public QObject {
    Q_OBJECT

private slots:
    void testSourceWordSpans();
    void testTargetWordSpans_data();
    void testTargetWordSpans();
    void testJoinPieces();
    void testMatrices();
    void testMergedHeatmap();
    void testMergedHeatmapHidesSpecial();
    void testWithoutWordsNothingMerges();
};

void TestWordMerge::testSourceWordSpans()
{
    const std::vector<WordSpan> spans = sourceWordSpans(piecedSource());
    QCOMPARE(spans, (std::vector<WordSpan>{{0, 3}, {3, 2}, {5, 1}}));
    QVERIFY(mergesAnything(spans));
    SourceAxis plain = piecedSource();
    plain.words.clear(); // every column its own word
    QCOMPARE(sourceWordSpans(plain).size(), size_t(6));
    QVERIFY(!mergesAnything(sourceWordSpans(plain)));
}

void TestWordMerge::testTargetWordSpans_data()
{
    QTest::addColumn<QStringList>("pieces");
    QTest::addColumn<QList<bool>>("special");
    QTest::addColumn<QList<int>>("counts");
    const QString m = QString::fromStdString(kMark);
    QTest::newRow("marks") << QStringList{m + "le", "chat", m + "noir"} << QList<bool>{} << QList<int>{2, 1};
    QTest::newRow("first piece without a mark") << QStringList{"le", "chat", m + "noir"} << QList<bool>{}
                                                << QList<int>{2, 1};
    QTest::newRow("special stands alone") << QStringList{"<s>", "le", m + "chat", "s", "</s>"}
                                          << QList<bool>{true, false, false, false, true} << QList<int>{1, 1, 2, 1};
    QTest::newRow("empty") << QStringList{} << QList<bool>{} << QList<int>{};
}

void TestWordMerge::testTargetWordSpans()
{
    QFETCH(QStringList, pieces);
    QFETCH(QList<bool>, special);
    QFETCH(QList<int>, counts);
    std::vector<std::string> readable;
    for (const QString &p : pieces)
        readable.push_back(p.toStdString());
    const std::vector<WordSpan> spans = targetWordSpans(readable, std::vector<bool>(special.begin(), special.end()));
    QCOMPARE(int(spans.size()), int(counts.size()));
    int first = 0;
    for (size_t w = 0; w < spans.size(); ++w) {
        QCOMPARE(spans[w].first, first);
        QCOMPARE(spans[w].count, counts[qsizetype(w)]);
        first += spans[w].count;
    }
}

void TestWordMerge::testJoinPieces()
{
    const std::vector<std::string> pieces{kMark + "un", "believ", "able", kMark + "cat", kMark + "s"};
    QCOMPARE(joinPieces(pieces, {0, 3}), kMark + "unbelievable");
    QCOMPARE(joinPieces(pieces, {3, 2}), kMark + "cats"); // an inner mark goes
    QCOMPARE(joinPieces(pieces, {1, 1}), std::string("believ"));
}

void TestWordMerge::testMatrices()
{
    Matrix m(3, 4); // (T = 3, n = 4)
    m << 0.1f, 0.2f, 0.3f, 0.4f, //
        0.4f, 0.3f, 0.2f, 0.1f,  //
        0.0f, 0.5f, 0.5f, 0.0f;
    const std::vector<WordSpan> columns{{0, 1}, {1, 3}};
    const Matrix summed = sumColumns(m, columns); // (3, 2)
    QCOMPARE(summed.cols(), Eigen::Index(2));
    QVERIFY(std::abs(summed(0, 1) - 0.9f) < 1e-6f);
    QVERIFY(std::abs(summed(2, 1) - 1.0f) < 1e-6f);
    QVERIFY(std::abs(averageColumns(m, columns)(0, 1) - 0.3f) < 1e-6f);
    const Matrix rows = averageRows(summed, {{0, 2}, {2, 1}}); // (2, 2)
    QVERIFY(std::abs(rows(0, 0) - 0.25f) < 1e-6f);
    QVERIFY(std::abs(rows(0, 1) - 0.75f) < 1e-6f);
    // Rows of weights still sum to 1 after both merges.
    for (Eigen::Index r = 0; r < rows.rows(); ++r)
        QVERIFY(std::abs(rows.row(r).sum() - 1.0f) < 1e-5f);
    // A span running past the matrix keeps what is inside it.
    QVERIFY(std::abs(sumColumns(m, {{2, 5}})(0, 0) - 0.7f) < 1e-6f);
}

void TestWordMerge::testMergedHeatmap()
{
    TraceModel model;
    const auto trace = piecedTrace();
    model.setTrace(trace, 1);
    HeatmapOptions options;
    const HeatmapData pieces = HeatmapData::fromTrace(model, options);
    QCOMPARE(pieces.columns(), 6);
    QCOMPARE(pieces.columnLabels.first(), QString::fromStdString(kMark + "un")); // readable, not "Gun"
    options.mergeWords = true;
    const HeatmapData words = HeatmapData::fromTrace(model, options);
    // As many columns as source words, one row per target word.
    QCOMPARE(words.columns(), 3);
    QCOMPARE(words.columnLabels,
             (QStringList{QString::fromStdString(kMark + "unbelievable"), QString::fromStdString(kMark + "cats"),
                          QStringLiteral("</s>")}));
    QCOMPARE(words.rowLabels, (QStringList{QString::fromStdString(kMark + "lechat"),
                                           QString::fromStdString(kMark + "noir"), QStringLiteral("<eos>")}));
    QCOMPARE(words.columnSources, (std::vector<int>{0, 3, 5}));
    QCOMPARE(words.columnSpans, (std::vector<int>{3, 2, 1}));
    QCOMPARE(words.rowSteps, (std::vector<int>{0, 2, 3}));
    QCOMPARE(words.rowSpans, (std::vector<int>{2, 1, 1}));
    QVERIFY(words.oovColumn[0] && !words.oovColumn[1]); // a word with an OOV piece is OOV
    // The merged column's weight is the sum of its pieces', averaged over the word's rows.
    const Matrix w = model.weightMatrix(); // (T = 4, n = 6)
    const std::vector<std::pair<int, int>> rowRange{{0, 2}, {2, 1}, {3, 1}};
    const std::vector<std::pair<int, int>> columnRange{{0, 3}, {3, 2}, {5, 1}};
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) {
            const float expected = w.block(rowRange[size_t(r)].first, columnRange[size_t(c)].first,
                                           rowRange[size_t(r)].second, columnRange[size_t(c)].second)
                                       .sum()
                                   / float(rowRange[size_t(r)].second);
            QVERIFY2(std::abs(words.value(r, c) - expected) < 1e-5f, qPrintable(QStringLiteral("(%1, %2)").arg(r).arg(c)));
        }
    // The cursor finds a step and a source position inside a merged word.
    QCOMPARE(words.currentRow, 0); // step 1 is "chat", the second piece of "▁lechat"
    QCOMPARE(words.rowOfStep(1), 0);
    QCOMPARE(words.columnOfSource(4), 1);
    QCOMPARE(words.visibleRows, 1);
    model.setStep(2);
    QCOMPARE(HeatmapData::fromTrace(model, options).currentRow, 1);
}

void TestWordMerge::testMergedHeatmapHidesSpecial()
{
    TraceModel model;
    model.setTrace(piecedTrace(), 0);
    HeatmapOptions options;
    options.mergeWords = true;
    options.hideSpecial = true;
    const HeatmapData words = HeatmapData::fromTrace(model, options);
    QCOMPARE(words.columns(), 2);
    QCOMPARE(words.rows(), 2); // <eos> hidden
    QCOMPARE(words.columnSpans, (std::vector<int>{3, 2}));
    QCOMPARE(words.rowSpans, (std::vector<int>{2, 1}));
}

void TestWordMerge::testWithoutWordsNothingMerges()
{
    DecodeTrace tr = *piecedTrace();
    tr.source.words.clear();
    TraceModel model;
    model.setTrace(std::make_shared<const DecodeTrace>(std::move(tr)), 0);
    HeatmapOptions options;
    options.mergeWords = true;
    const HeatmapData d = HeatmapData::fromTrace(model, options);
    QCOMPARE(d.columns(), 6);
    QCOMPARE(d.rows(), 4);
    QVERIFY(d.columnSpans.empty() && d.rowSpans.empty());
}

QTEST_MAIN(TestWordMerge)
#include "testwordmerge.moc"
