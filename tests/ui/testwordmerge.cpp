// TestWordMerge: "Merge word pieces" on a synthetic subword trace. The
// grouping rules (source words from SourceAxis::words, target words from the
// readable "▁" mark and special tokens), the labels, and the heatmap built
// with mergeWords: one column per source word whose α is the sum of its
// pieces', one row per target word averaging its pieces' rows.

#include "attention/headgrid.h"
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

/// Rows of `m` made a distribution, each different: row r peaks at column (r * 2 + 1) mod n.
Matrix distributions(Eigen::Index rows, Eigen::Index n)
{
    Matrix m(rows, n);
    for (Eigen::Index r = 0; r < rows; ++r) {
        for (Eigen::Index j = 0; j < n; ++j)
            m(r, j) = 0.1f + 0.05f * float((r + j) % 3) + (j == (r * 2 + 1) % n ? 1.0f : 0.0f);
        m.row(r) /= m.row(r).sum();
    }
    return m;
}

/// piecedTrace() with one layer and head of encoder self-attention (6 × 6)
/// and of decoder self-attention (each step over <sos> and the pieces before it).
std::shared_ptr<const DecodeTrace> piecedTraceWithSelf()
{
    DecodeTrace tr = *piecedTrace();
    tr.encoderSelf.layers = tr.encoderSelf.heads = 1;
    tr.encoderSelf.weights = {distributions(6, 6)};
    tr.encoderSelf.scores = {distributions(6, 6) * 3.0f};
    const Matrix causal = distributions(4, 4); // (T, T) before the causal mask
    for (size_t t = 0; t < tr.nodes.size(); ++t) {
        Matrix row = causal.row(Eigen::Index(t)).head(Eigen::Index(t + 1));
        row /= row.sum();
        tr.nodes[t].self.layers = tr.nodes[t].self.heads = 1;
        tr.nodes[t].self.weights = row;
        tr.nodes[t].self.scores = row;
    }
    return std::make_shared<const DecodeTrace>(std::move(tr));
}

/// The mean over the rows of `rows` of the sum over the columns of `columns`.
float wordCell(const Matrix &m, WordSpan rows, WordSpan columns)
{
    return m.block(rows.first, columns.first, rows.count, columns.count).sum() / float(rows.count);
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
    void testInputWordSpans();
    void testMergedEncoderSelfAttention();
    void testMergedDecoderSelfAttention();
    void testMergedHeadGrid();
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
    // A word-level target has no marks: its tokens are words already, not one long word.
    QTest::newRow("no marks") << QStringList{"le", "chat", "noir", "<eos>"}
                              << QList<bool>{false, false, false, true} << QList<int>{1, 1, 1, 1};
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

void TestWordMerge::testInputWordSpans()
{
    // Target words "▁le chat" "▁noir" "<eos>": the inputs are <sos> "▁le" "chat" "▁noir".
    const std::vector<WordSpan> target{{0, 2}, {2, 1}, {3, 1}};
    QCOMPARE(inputWordSpans(target, 4), (std::vector<WordSpan>{{0, 1}, {1, 2}, {3, 1}}));
    // Early in a decode fewer inputs exist: a word cut short keeps its first pieces.
    QCOMPARE(inputWordSpans(target, 2), (std::vector<WordSpan>{{0, 1}, {1, 1}}));
    QVERIFY(inputWordSpans(target, 0).empty());
    QCOMPARE(wordOf(target, 1), 0);
    QCOMPARE(wordOf(target, 3), 2);
    QCOMPARE(wordOf(target, 4), -1);
}

void TestWordMerge::testMergedEncoderSelfAttention()
{
    TraceModel model;
    const auto trace = piecedTraceWithSelf();
    model.setTrace(trace, 2);
    HeatmapOptions options;
    options.mergeWords = true;
    const HeatmapData d = HeatmapData::fromTrace(model, options, AttentionKind::EncoderSelf);
    // Source words over source words, both axes labelled as words.
    QCOMPARE(d.columns(), 3);
    QCOMPARE(d.rows(), 3);
    QCOMPARE(d.rowLabels, d.columnLabels);
    QCOMPARE(d.columnLabels.first(), QString::fromStdString(kMark + "unbelievable"));
    const std::vector<WordSpan> words{{0, 3}, {3, 2}, {5, 1}};
    const Matrix &w = trace->encoderSelf.weights.front();
    for (int r = 0; r < 3; ++r) {
        float sum = 0;
        for (int c = 0; c < 3; ++c) {
            QVERIFY(std::abs(d.value(r, c) - wordCell(w, words[size_t(r)], words[size_t(c)])) < 1e-5f);
            sum += d.value(r, c);
        }
        QVERIFY(std::abs(sum - 1.0f) < 1e-5f); // a word's row is still a distribution
    }
    // Rows belong to no step: every one is shown and none is the cursor's.
    QCOMPARE(d.visibleRows, 3);
    QCOMPARE(d.currentRow, -1);
    QCOMPARE(d.rowSpans, (std::vector<int>{1, 1, 1}));
    options.mergeWords = false;
    QCOMPARE(HeatmapData::fromTrace(model, options, AttentionKind::EncoderSelf).columns(), 6);
}

void TestWordMerge::testMergedDecoderSelfAttention()
{
    TraceModel model;
    const auto trace = piecedTraceWithSelf();
    model.setTrace(trace, 3);
    HeatmapOptions options;
    options.mergeWords = true;
    const HeatmapData d = HeatmapData::fromTrace(model, options, AttentionKind::DecoderSelf);
    // Rows: the target words; columns: <sos> and the words read before the last piece.
    QCOMPARE(d.rowLabels, (QStringList{QString::fromStdString(kMark + "lechat"), QString::fromStdString(kMark + "noir"),
                                       QStringLiteral("<eos>")}));
    QCOMPARE(d.columnLabels, (QStringList{QStringLiteral("<sos>"), QString::fromStdString(kMark + "lechat"),
                                          QString::fromStdString(kMark + "noir")}));
    QCOMPARE(d.rowSpans, (std::vector<int>{2, 1, 1}));
    QCOMPARE(d.columnSpans, (std::vector<int>{1, 2, 1}));
    const Matrix w = trace->decoderSelfWeights(model.path()); // (T, T)
    const std::vector<WordSpan> rows{{0, 2}, {2, 1}, {3, 1}}, columns{{0, 1}, {1, 2}, {3, 1}};
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c)
            QVERIFY2(std::abs(d.value(r, c) - wordCell(w, rows[size_t(r)], columns[size_t(c)])) < 1e-5f,
                     qPrintable(QStringLiteral("(%1, %2)").arg(r).arg(c)));
    QCOMPARE(d.currentRow, 2); // step 3 is <eos>
}

void TestWordMerge::testMergedHeadGrid()
{
    TraceModel model;
    const auto trace = piecedTraceWithSelf();
    model.setTrace(trace, 1);
    // Whole matrices: every cell over words, the cursor's row the word of step 1.
    const HeadGridData whole = HeadGridData::fromTrace(model, AttentionKind::Cross, true, true);
    QCOMPARE(whole.layers, 2);
    QCOMPARE(whole.keyLabels, (QStringList{QString::fromStdString(kMark + "unbelievable"),
                                           QString::fromStdString(kMark + "cats"), QStringLiteral("</s>")}));
    QCOMPARE(whole.currentRow, 0);
    const std::vector<WordSpan> rows{{0, 2}, {2, 1}, {3, 1}}, columns{{0, 3}, {3, 2}, {5, 1}};
    for (int l = 0; l < whole.layers; ++l)
        for (int c = 0; c < whole.columns(); ++c) {
            const Matrix pieces = trace->weightMatrix(model.path(), whole.selectionOf(l, c)); // (4, 6)
            const Matrix &cell = whole.cell(l, c);
            QCOMPARE(cell.rows(), Eigen::Index(3));
            QCOMPARE(cell.cols(), Eigen::Index(3));
            for (int r = 0; r < 3; ++r)
                for (int k = 0; k < 3; ++k)
                    QVERIFY(std::abs(cell(r, k) - wordCell(pieces, rows[size_t(r)], columns[size_t(k)])) < 1e-5f);
        }
    // The current step's row: one strip over the source words.
    const HeadGridData step = HeadGridData::fromTrace(model, AttentionKind::Cross, false, true);
    const Matrix row = HeadGridData::fromTrace(model, AttentionKind::Cross, false, false).cell(1, 0); // (1, 6)
    QCOMPARE(step.cell(1, 0).cols(), Eigen::Index(3));
    QVERIFY(std::abs(step.cell(1, 0)(0, 0) - row.leftCols(3).sum()) < 1e-6f);
    // The self-attentions too.
    const HeadGridData encoder = HeadGridData::fromTrace(model, AttentionKind::EncoderSelf, true, true);
    QCOMPARE(encoder.cell(0, 0).rows(), Eigen::Index(3));
    QCOMPARE(encoder.cell(0, 0).cols(), Eigen::Index(3));
    const HeadGridData decoder = HeadGridData::fromTrace(model, AttentionKind::DecoderSelf, true, true);
    QCOMPARE(decoder.cell(0, 0).rows(), Eigen::Index(3));
    QCOMPARE(decoder.keyLabels.first(), QStringLiteral("<sos>"));
    // Without the switch nothing changes.
    QCOMPARE(HeadGridData::fromTrace(model, AttentionKind::Cross, true, false).cell(0, 0).cols(), Eigen::Index(6));
}

QTEST_MAIN(TestWordMerge)
#include "testwordmerge.moc"
