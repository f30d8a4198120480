// Layers × heads: the one selection every reader goes through, on a
// synthetic 2-layer × 3-head trace (tests/common/synthetictrace.h) over a
// text source and over an image patch grid: parsing --layer/--head, the
// selected rows, the trace JSON, the data exports and the summary metrics.

#include "common/synthetictrace.h"

#include "alignscope/attentionexport.h"
#include "alignscope/compare.h"
#include "alignscope/decode.h"

#include <nlohmann/json.hpp>

#include <QtTest>

using namespace alignscope;
using namespace alignscope::testing;
using json = nlohmann::json;

Q_DECLARE_METATYPE(alignscope::HeadSelection)

class TestHeads : public QObject {
    Q_OBJECT

private slots:
    void testParse_data();
    void testParse();
    void testLabels();
    void testSelectedRows_data();
    void testSelectedRows();
    void testRnnHasOneRow();
    void testJsonCarriesEveryHead();
    void testJsonSources();
    void testExportsFollowSelection_data();
    void testExportsFollowSelection();
    void testSummaryFollowsSelection();
};

namespace {

constexpr int kLayers = 2, kHeads = 3, kSteps = 4, kColumns = 6;

std::shared_ptr<const DecodeTrace> textTrace()
{
    return syntheticTrace(syntheticTextSource(kColumns), kLayers, kHeads, kSteps);
}

/// The (n) row a selection means, computed here from the heads by hand.
Vector expectedRow(const DecodeNode &node, const HeadSelection &s)
{
    const int layer = s.layer < 0 ? kLayers - 1 : s.layer;
    const Matrix block = node.cross.weights.middleRows(layer * kHeads, kHeads); // (H, n)
    switch (s.reduce) {
    case HeadSelection::Reduce::Head: return block.row(s.head).transpose();
    case HeadSelection::Reduce::Mean: {
        Vector sum = Vector::Zero(block.cols());
        for (int h = 0; h < kHeads; ++h)
            sum += block.row(h).transpose();
        return sum / float(kHeads);
    }
    case HeadSelection::Reduce::Max: {
        Vector best = block.row(0).transpose();
        for (int h = 1; h < kHeads; ++h)
            best = best.cwiseMax(block.row(h).transpose());
        return best;
    }
    }
    return {};
}

void addSelections()
{
    QTest::addColumn<HeadSelection>("selection");
    QTest::newRow("default: mean of the last layer") << HeadSelection{};
    QTest::newRow("layer 1 mean") << HeadSelection{0, HeadSelection::Reduce::Mean, 0};
    QTest::newRow("layer 1 max") << HeadSelection{0, HeadSelection::Reduce::Max, 0};
    QTest::newRow("layer 2 max") << HeadSelection{1, HeadSelection::Reduce::Max, 0};
    QTest::newRow("layer 1 head 1") << HeadSelection::of(0, 0);
    QTest::newRow("layer 1 head 3") << HeadSelection::of(0, 2);
    QTest::newRow("layer 2 head 2") << HeadSelection::of(1, 1);
}

} // namespace

void TestHeads::testParse_data()
{
    QTest::addColumn<QString>("layer");
    QTest::addColumn<QString>("head");
    QTest::addColumn<int>("layers");
    QTest::addColumn<int>("heads");
    QTest::addColumn<QString>("expected"); // headName + layer, or the error's start
    QTest::newRow("nothing") << QString() << QString() << 6 << 8 << "mean@-1";
    QTest::newRow("layer only") << "2" << QString() << 6 << 8 << "mean@1";
    QTest::newRow("head 3") << "6" << "3" << 6 << 8 << "3@5";
    QTest::newRow("max") << QString() << "max" << 6 << 8 << "max@-1";
    QTest::newRow("rnn mean") << "1" << "mean" << 1 << 1 << "mean@0";
    QTest::newRow("rnn head 1") << QString() << "1" << 1 << 1 << "1@-1";
    QTest::newRow("layer too big") << "2" << QString() << 1 << 1
                                   << "error: --layer 2 is out of range: this model has 1 layer (1..1)";
    QTest::newRow("layer 0") << "0" << QString() << 6 << 8 << "error: --layer 0 is out of range";
    QTest::newRow("head too big") << QString() << "9" << 6 << 8 << "error: --head 9 is out of range";
    QTest::newRow("head word") << QString() << "all" << 6 << 8 << "error: --head \"all\" is not a number";
    QTest::newRow("layer junk") << "2x" << QString() << 6 << 8 << "error: --layer \"2x\" is not a number";
}

void TestHeads::testParse()
{
    QFETCH(QString, layer);
    QFETCH(QString, head);
    QFETCH(int, layers);
    QFETCH(int, heads);
    QFETCH(QString, expected);
    const std::string l = layer.toStdString(), h = head.toStdString();
    auto s = parseHeadSelection(layer.isNull() ? nullptr : &l, head.isNull() ? nullptr : &h, layers, heads);
    if (expected.startsWith(QLatin1String("error: "))) {
        QVERIFY(!s);
        QCOMPARE(s.error().kind, ErrorKind::Usage);
        QVERIFY2(QString::fromStdString(s.error().message).startsWith(expected.mid(7)), s.error().message.c_str());
        return;
    }
    QVERIFY2(s, s ? "" : s.error().message.c_str());
    QCOMPARE(QString::fromStdString(headName(s.value()) + "@" + std::to_string(s->layer)), expected);
}

void TestHeads::testLabels()
{
    QCOMPARE(HeadSelection{}.label(6, 8), std::string("layer 6, mean of 8 heads"));
    QCOMPARE(HeadSelection::of(1, 2).label(6, 8), std::string("layer 2, head 3"));
    QCOMPARE((HeadSelection{0, HeadSelection::Reduce::Max, 0}).label(2, 3), std::string("layer 1, max of 3 heads"));
    QCOMPARE(HeadSelection{}.label(1, 1), std::string()); // an RNN needs no label
    QVERIFY(HeadSelection::of(1, 2).fits(2, 3));
    QVERIFY(!HeadSelection::of(2, 0).fits(2, 3));
    QVERIFY(!HeadSelection::of(0, 3).fits(2, 3));
}

void TestHeads::testSelectedRows_data() { addSelections(); }

// trace.weights, weightMatrix and scoreMatrix give the row the selection
// names: one head's own peak, the mean (a distribution again), the max.
void TestHeads::testSelectedRows()
{
    QFETCH(HeadSelection, selection);
    const auto trace = textTrace();
    const std::vector<int> path = trace->bestPath();
    QCOMPARE(int(path.size()), kSteps);
    const Matrix w = trace->weightMatrix(path, selection);
    const Matrix e = trace->scoreMatrix(path, selection);
    QCOMPARE(w.rows(), Eigen::Index(kSteps));
    QCOMPARE(w.cols(), Eigen::Index(kColumns));
    for (int t = 0; t < kSteps; ++t) {
        const DecodeNode &node = trace->nodes[path[t]];
        const Vector want = expectedRow(node, selection);
        QVERIFY((w.row(t).transpose() - want).cwiseAbs().maxCoeff() < 1e-7f);
        QVERIFY((trace->weights(path[t], selection) - want).cwiseAbs().maxCoeff() < 1e-7f);
        QCOMPARE(e.cols(), w.cols());
        if (selection.reduce == HeadSelection::Reduce::Head) {
            Eigen::Index peak = 0;
            w.row(t).maxCoeff(&peak);
            const int layer = selection.layer < 0 ? kLayers - 1 : selection.layer;
            QCOMPARE(int(peak), syntheticPeak(t, layer, selection.head, kColumns));
            QCOMPARE(e(t, peak), 3.0f);
        }
        if (selection.reduce != HeadSelection::Reduce::Max)
            QVERIFY(std::abs(w.row(t).sum() - 1.0f) < 1e-5f);
        else
            QVERIFY(w.row(t).sum() > 1.0f); // the max of three shifted peaks is not a distribution
    }
}

// An RNN's stack is 1 × 1: every selection reads its one row.
void TestHeads::testRnnHasOneRow()
{
    Vector scores(3), weights(3);
    scores << 1, 2, 3;
    weights << 0.2f, 0.3f, 0.5f;
    const AttentionStack s = AttentionStack::single(scores, weights);
    QCOMPARE(s.layers, 1);
    QCOMPARE(s.heads, 1);
    for (const HeadSelection &sel : {HeadSelection{}, HeadSelection::of(0, 0), HeadSelection{0, HeadSelection::Reduce::Max, 0}}) {
        QVERIFY(selectWeights(s, sel) == weights);
        QVERIFY(selectScores(s, sel) == scores);
    }
}

// `cross_attention` holds [L][H][n] of every step; `weights` is the selected
// row; the selection, the architecture and the shape are named.
void TestHeads::testJsonCarriesEveryHead()
{
    const auto trace = textTrace();
    const std::vector<int> path = trace->bestPath();
    for (const HeadSelection &sel : {HeadSelection{}, HeadSelection::of(0, 2)}) {
        const json j = json::parse(traceToJson(*trace, path, false, sel));
        QCOMPARE(j.at("layers").get<int>(), kLayers);
        QCOMPARE(j.at("heads").get<int>(), kHeads);
        QCOMPARE(j.at("architecture").get<std::string>(), std::string("transformer"));
        QCOMPARE(j.at("selection").at("layer").get<int>(), sel.layer < 0 ? kLayers : sel.layer + 1);
        QCOMPARE(j.at("selection").at("head").get<std::string>(), headName(sel));
        QCOMPARE(j.at("steps").size(), size_t(kSteps));
        for (int t = 0; t < kSteps; ++t) {
            const json &step = j.at("steps").at(t);
            const DecodeNode &node = trace->nodes[path[t]];
            QCOMPARE(step.at("token_id").get<int>(), node.tokenId);
            const json &cross = step.at("cross_attention");
            QCOMPARE(cross.size(), size_t(kLayers));
            for (int l = 0; l < kLayers; ++l) {
                QCOMPARE(cross.at(l).size(), size_t(kHeads));
                for (int h = 0; h < kHeads; ++h) {
                    const auto row = cross.at(l).at(h).get<std::vector<float>>();
                    QCOMPARE(row.size(), size_t(kColumns));
                    for (int c = 0; c < kColumns; ++c)
                        QCOMPARE(row[c], node.cross.weights(node.cross.rowOf(l, h), c));
                }
            }
            const auto weights = step.at("weights").get<std::vector<float>>();
            const Vector want = expectedRow(node, sel);
            for (int c = 0; c < kColumns; ++c)
                QCOMPARE(weights[c], want[c]);
        }
    }
}

// The source object says what the columns are: text with spans, special
// and OOV positions; an image grid with boxes and its CLS token.
void TestHeads::testJsonSources()
{
    const auto text = textTrace();
    json j = json::parse(traceToJson(*text, text->bestPath(), false));
    QCOMPARE(j.at("source").at("kind").get<std::string>(), std::string("text"));
    QCOMPARE(j.at("source").at("special_positions").get<std::vector<int>>(), std::vector<int>{kColumns - 1});
    QCOMPARE(j.at("source").at("oov_positions").get<std::vector<int>>(), std::vector<int>{1});
    QCOMPARE(j.at("oov_positions").get<std::vector<int>>(), std::vector<int>{1});
    QCOMPARE(j.at("source").at("spans").at(1), json::array({3, 5})); // "w1" in "w0 w1 w2 …"
    QVERIFY(j.at("source").at("spans").back().is_null());              // <eos> was not typed
    QCOMPARE(j.at("input").get<std::string>(), std::string("w0 w1 w2 w3 w4"));

    const auto image = syntheticTrace(syntheticPatchSource(2, 3), kLayers, kHeads, kSteps);
    j = json::parse(traceToJson(*image, image->bestPath(), false));
    const json &s = j.at("source");
    QCOMPARE(s.at("kind").get<std::string>(), std::string("image"));
    QCOMPARE(s.at("grid"), json::array({2, 3}));
    QCOMPARE(s.at("extra_before").get<int>(), 1);
    QCOMPARE(s.at("image_size"), json::array({48, 32}));
    QCOMPARE(s.at("boxes").size(), size_t(7));
    QCOMPARE(s.at("boxes").at(6), json::array({32, 16, 16, 16})); // patch (2, 3)
    QCOMPARE(j.at("source_tokens").at(0).get<std::string>(), std::string("[CLS]"));
    QCOMPARE(image->source.patchCell(0), std::make_pair(-1, -1));
    QCOMPARE(image->source.patchCell(6), std::make_pair(1, 2));
}

void TestHeads::testExportsFollowSelection_data() { addSelections(); }

// CSV and Nematus write the selected matrix; Pharaoh aligns each target
// word with the selected row's argmax over non-special columns.
void TestHeads::testExportsFollowSelection()
{
    QFETCH(HeadSelection, selection);
    const auto trace = textTrace();
    const std::vector<int> path = trace->bestPath();
    const Matrix w = trace->weightMatrix(path, selection);
    AttentionExportOptions options;
    options.selection = selection;

    const std::string csv = exportAttention(AttentionFormat::Csv, *trace, path, options);
    QStringList lines = QString::fromStdString(csv).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), kSteps + 1);
    for (int t = 0; t < kSteps; ++t) {
        const QStringList cells = lines[t + 1].split(QLatin1Char(','));
        QCOMPARE(cells.size(), kColumns + 1);
        for (int c = 0; c < kColumns; ++c)
            QCOMPARE(cells[c + 1].toFloat(), w(t, c));
    }

    const std::string nematus = exportAttention(AttentionFormat::Nematus, *trace, path, options);
    lines = QString::fromStdString(nematus).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), kSteps + 1);
    for (int t = 0; t < kSteps; ++t) {
        const QStringList cells = lines[t + 1].split(QLatin1Char(' '));
        for (int c = 0; c < kColumns; ++c)
            QCOMPARE(cells[c].toFloat(), w(t, c));
    }

    QStringList links;
    for (int t = 0; t + 1 < kSteps; ++t) { // the final <eos> step is not aligned
        Eigen::Index best = 0;
        w.row(t).head(kColumns - 1).maxCoeff(&best); // <eos> is never aligned
        links << QStringLiteral("%1-%2").arg(best).arg(t);
    }
    links.sort(); // Pharaoh sorts by target then source: one link per target here
    QStringList got = QString::fromStdString(exportAttention(AttentionFormat::Pharaoh, *trace, path, options))
                          .trimmed().split(QLatin1Char(' '));
    got.sort();
    QCOMPARE(got, links);

    const json j = json::parse(exportAttention(AttentionFormat::Json, *trace, path, options));
    QCOMPARE(j.at("steps").at(0).at("weights").get<std::vector<float>>().at(0), w(0, 0));
}

// Entropy and the largest α per step in a compare row read the selected row.
void TestHeads::testSummaryFollowsSelection()
{
    const auto trace = textTrace();
    const std::vector<int> path = trace->bestPath();
    for (const HeadSelection &sel : {HeadSelection{}, HeadSelection::of(0, 1), HeadSelection{1, HeadSelection::Reduce::Max, 0}}) {
        const CompareRow row = summarise(*trace, std::nullopt, 1.0, sel);
        const Matrix w = trace->weightMatrix(path, sel);
        QCOMPARE(int(row.maxWeights.size()), kSteps);
        for (int t = 0; t < kSteps; ++t)
            QCOMPARE(row.maxWeights[t], w.row(t).maxCoeff());
    }
    // A single head's peaked rows have less entropy than the mean over heads.
    QVERIFY(summarise(*trace, std::nullopt, 1.0, HeadSelection::of(1, 0)).entropy
            < summarise(*trace, std::nullopt, 1.0, HeadSelection{}).entropy);
}

QTEST_APPLESS_MAIN(TestHeads)
#include "testheads.moc"
