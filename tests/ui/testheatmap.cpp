// TestHeatmap: the heatmap as pixels. Builds traces with known weights and
// reads the colours back from the rendered image.

#include "attention/heatmapview.h"
#include "decode/tracemodel.h"

#include <QScrollBar>
#include <QTest>

#include <cmath>

using namespace alignscope;
using namespace alignscope::ui;

namespace {

// A greedy trace whose row t peaks at source position peaks[t].
TracePtr makeTrace(int sourceLength, const std::vector<int> &peaks)
{
    DecodeTrace tr;
    tr.scorer = "additive";
    for (int j = 0; j + 1 < sourceLength; ++j)
        tr.source.labels.push_back(std::string("w").append(std::to_string(j))); // not "w" + ...: GCC 12 -Wrestrict
    tr.source.labels.push_back("<eos>");
    tr.source.flags.assign(size_t(sourceLength), 0);
    tr.source.flags.back() = SourceAxis::Special;
    tr.eosId = 4 + int(peaks.size()) - 1;
    tr.encoderStates = Matrix::Ones(sourceLength, 4);
    for (int t = 0; t < int(peaks.size()); ++t) {
        DecodeNode n;
        n.step = t;
        n.parent = t - 1;
        n.token = t + 1 == int(peaks.size()) ? "<eos>" : std::string("y").append(std::to_string(t));
        n.tokenId = 4 + t;
        Vector scores(sourceLength);
        for (int j = 0; j < sourceLength; ++j)
            scores[j] = -0.5f * float((j - peaks[t]) * (j - peaks[t]));
        Vector weights = (scores.array() - scores.maxCoeff()).exp();
        weights /= weights.sum();
        n.cross = AttentionStack::single(scores, weights);
        n.context = Vector::Ones(4);
        n.query = Vector::Ones(4);
        n.finished = t + 1 == int(peaks.size());
        tr.nodes.push_back(n);
    }
    tr.hypotheses.push_back({int(peaks.size()) - 1, -1.0, -1.0});
    tr.complete = true;
    return std::make_shared<const DecodeTrace>(std::move(tr));
}

double luminance(QRgb c)
{
    return 0.2126 * qRed(c) + 0.7152 * qGreen(c) + 0.0722 * qBlue(c);
}

} // namespace

class TestHeatmap : public QObject {
    Q_OBJECT
private slots:
    void testBrightestCellIsArgmax_data();
    void testBrightestCellIsArgmax();
    void testHideSpecialAndRenormalise();
    void testLongSourceScrolls();
    void testStepsAndHypotheses();
};

void TestHeatmap::testBrightestCellIsArgmax_data()
{
    QTest::addColumn<int>("colormap");
    QTest::addColumn<bool>("logScale");
    QTest::newRow("viridis") << int(ColormapKind::Viridis) << false;
    QTest::newRow("magma") << int(ColormapKind::Magma) << false;
    QTest::newRow("cividis") << int(ColormapKind::Cividis) << false;
    QTest::newRow("grayscale") << int(ColormapKind::Grayscale) << false;
    QTest::newRow("viridis-log") << int(ColormapKind::Viridis) << true;
}

void TestHeatmap::testBrightestCellIsArgmax()
{
    QFETCH(int, colormap);
    QFETCH(bool, logScale);
    const std::vector<int> peaks{1, 0, 3, 2, 6};
    TraceModel model;
    HeatmapView view(&model);
    HeatmapOptions o;
    o.colormap = ColormapKind(colormap);
    o.logScale = logScale;
    view.setOptions(o);
    view.resize(700, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    model.setTrace(makeTrace(7, peaks), int(peaks.size()) - 1);
    const QImage image = view.viewport()->grab().toImage();
    const double dpr = image.devicePixelRatio();
    for (int r = 0; r < int(peaks.size()); ++r) {
        int brightest = -1;
        double best = -1;
        for (int c = 0; c < view.data().columns(); ++c) {
            // Off-centre, clear of the printed value and the row frame.
            const QRectF cell = view.cellRect(r, c);
            const QPointF at = cell.topLeft() + QPointF(cell.width() * 0.25, cell.height() * 0.25);
            const double l = luminance(image.pixel((at * dpr).toPoint()));
            if (l > best) {
                best = l;
                brightest = c;
            }
        }
        Eigen::Index argmax = 0;
        model.nodeAtStep(r)->weights().maxCoeff(&argmax);
        QCOMPARE(view.data().columnSources[size_t(brightest)], int(argmax));
    }
}

void TestHeatmap::testHideSpecialAndRenormalise()
{
    TraceModel model;
    HeatmapView view(&model);
    model.setTrace(makeTrace(5, {4, 1, 2}), 2);
    QCOMPARE(view.data().columns(), 5);
    QCOMPARE(view.data().rows(), 3);
    HeatmapOptions o = view.options();
    o.hideSpecial = true;
    o.renormalise = true;
    view.setOptions(o);
    QCOMPARE(view.data().columns(), 4); // <eos> column gone
    QCOMPARE(view.data().rows(), 2);    // <eos> row gone
    for (int r = 0; r < view.data().rows(); ++r) {
        double sum = 0;
        for (int c = 0; c < view.data().columns(); ++c)
            sum += view.data().value(r, c);
        QVERIFY(std::abs(sum - 1.0) < 1e-4);
    }
}

void TestHeatmap::testLongSourceScrolls()
{
    std::vector<int> peaks;
    for (int t = 0; t < 60; ++t)
        peaks.push_back(t * 8);
    TraceModel model;
    HeatmapView view(&model);
    view.resize(800, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    model.setTrace(makeTrace(500, peaks), 59);
    QCOMPARE(view.data().columns(), 500);
    QVERIFY(view.options().cellSize >= 12); // stays readable: scroll rather than shrink
    QVERIFY(view.horizontalScrollBar()->maximum() > 0);
    // Moving to a late step scrolls its row into view.
    model.setStep(59);
    const QRectF row = view.cellRect(59, 0);
    QVERIFY(row.bottom() <= view.viewport()->height() + 1);
    view.viewport()->grab(); // paints only the visible cells; must not hang
}

// Stepping moves the cursor over the same matrix; picking another beam
// hypothesis swaps in that path's rows.
void TestHeatmap::testStepsAndHypotheses()
{
    TracePtr base = makeTrace(4, {0, 1, 3});
    DecodeTrace tr = *base;
    DecodeNode other = tr.nodes[1]; // a second hypothesis branching at step 1
    other.token = "z1";
    Vector weights = Vector::Zero(4);
    weights[2] = 1.0f;
    other.cross = AttentionStack::single(weights, weights);
    tr.nodes.push_back(other);
    DecodeNode end = tr.nodes[2];
    end.parent = 3;
    tr.nodes.push_back(end);
    tr.hypotheses.push_back({4, -2.0, -2.0});
    TraceModel model;
    model.setTrace(std::make_shared<const DecodeTrace>(std::move(tr)), 0);
    HeatmapView view(&model);
    view.resize(600, 400);
    QCOMPARE(view.data().visibleRows, 1);
    QCOMPARE(view.data().currentRow, 0);
    model.setStep(2);
    QCOMPARE(view.data().visibleRows, 3);
    QCOMPARE(view.data().currentRow, 2);
    QCOMPARE(view.data().rowLabels.at(1), QStringLiteral("y1"));
    model.setStep(1);
    QCOMPARE(view.data().visibleRows, 2);
    model.selectNode(4); // the other hypothesis: row 1 is now z1, all weight on w2
    QCOMPARE(view.data().rowLabels.at(1), QStringLiteral("z1"));
    QCOMPARE(view.data().value(1, 2), 1.0f);
    model.selectNode(2);
    QCOMPARE(view.data().rowLabels.at(1), QStringLiteral("y1"));
    QVERIFY(view.data().value(1, 2) < 0.5f);
}

QTEST_MAIN(TestHeatmap)
#include "testheatmap.moc"
