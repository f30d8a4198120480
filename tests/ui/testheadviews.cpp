// A synthetic 2-layer × 3-head trace (tests/common/synthetictrace.h) through
// the window's readers: the heatmap and its layer/head picker, the alignment
// lines, the explain panel, the compare panels and difference map, figure
// export, sessions; over a text source and an image patch grid.

#include "common/synthetictrace.h"

#include "attention/explainpanel.h"
#include "attention/heatmapview.h"
#include "compare/compareview.h"
#include "decode/tracemodel.h"
#include "export/exporter.h"
#include "mainwindow/session.h"
#include "widgets/headpicker.h"

#include "alignscope/rnnmodel.h"

#include <QAction>
#include <QComboBox>
#include <QToolBar>
#include <QtTest>

using namespace alignscope;
using namespace alignscope::ui;
using namespace alignscope::testing;

Q_DECLARE_METATYPE(alignscope::HeadSelection)

class TestHeadViews : public QObject {
    Q_OBJECT

private slots:
    void testHeatmapFollowsSelection_data();
    void testHeatmapFollowsSelection();
    void testPickerDrivesTheModel();
    void testPickerHiddenForRnn();
    void testPatchGridSource();
    void testExplainNamesTheSelection();
    void testExplainQueryFollowsDecoder_data();
    void testExplainQueryFollowsDecoder();
    void testCompareFollowsSelection();
    void testFiguresFollowSelection();
    void testSessionKeepsSelection();

private:
    static std::shared_ptr<const DecodeTrace> trace() { return syntheticTrace(syntheticTextSource(6), 2, 3, 4); }
    /// "the cat" decoded by a small untrained RNN of this decoder and scorer.
    static std::shared_ptr<const DecodeTrace> rnnTrace(const std::string &decoder, const std::string &scorer);
};

std::shared_ptr<const DecodeTrace> TestHeadViews::rnnTrace(const std::string &decoder, const std::string &scorer)
{
    ModelConfig c;
    c.decoder.kind = parseDecoder(decoder).value();
    c.attention.scorer = parseScorer(scorer).value();
    c.encoder.embedding = c.decoder.embedding = 8;
    c.encoder.hidden = c.decoder.hidden = c.attention.dimension = 8;
    const Vocabulary v = Vocabulary::build({{"the", "cat"}});
    auto decoded = translate(RnnModel::initialise(c, v, v, 3), "the cat");
    return decoded ? std::make_shared<const DecodeTrace>(std::move(decoded).value()) : nullptr;
}

void TestHeadViews::testHeatmapFollowsSelection_data()
{
    QTest::addColumn<HeadSelection>("selection");
    QTest::newRow("mean of the last layer") << HeadSelection{};
    QTest::newRow("layer 1 max") << HeadSelection{0, HeadSelection::Reduce::Max, 0};
    QTest::newRow("layer 1 head 3") << HeadSelection::of(0, 2);
    QTest::newRow("layer 2 head 1") << HeadSelection::of(1, 0);
}

// Every cell of the heatmap is the selected matrix's; the alignment lines
// and the picked source follow it too.
void TestHeadViews::testHeatmapFollowsSelection()
{
    QFETCH(HeadSelection, selection);
    const auto t = trace();
    TraceModel model;
    model.setTrace(t);
    model.setSelection(selection);
    HeatmapView view(&model);
    const Matrix w = t->weightMatrix(t->bestPath(), selection);
    const HeatmapData &d = view.data();
    QCOMPARE(d.rows(), int(w.rows()));
    QCOMPARE(d.columns(), int(w.cols()));
    for (int r = 0; r < d.rows(); ++r)
        for (int c = 0; c < d.columns(); ++c)
            QCOMPARE(d.value(r, c), w(r, c));
    QVERIFY(model.weightsAt(2) == w.row(2).transpose());
    Eigen::Index peak = 0;
    w.row(0).maxCoeff(&peak);
    QCOMPARE(model.selectedSource(), int(peak));
}

// Choosing a head in the panel's picker changes what the model shows, and a
// new trace keeps the choice when it still fits.
void TestHeadViews::testPickerDrivesTheModel()
{
    TraceModel model;
    HeatmapPanel panel(&model);
    panel.resize(1400, 600); // the whole tool bar fits: nothing in its overflow menu
    panel.show();
    model.setTrace(trace());
    HeadPicker *picker = panel.headPicker();
    QCOMPARE(picker->layers(), 2);
    QCOMPARE(picker->heads(), 3);
    QVERIFY(picker->hasChoice());
    QTRY_VERIFY(picker->isVisible()); // once the tool bar has laid out again
    QCOMPARE(picker->headCombo()->count(), 2 + 3); // mean, max, 1, 2, 3
    QSignalSpy changed(&model, &TraceModel::selectionChanged);
    picker->layerCombo()->setCurrentIndex(0);
    picker->headCombo()->setCurrentIndex(2 + 1); // head 2
    QCOMPARE(model.selection(), HeadSelection::of(0, 1));
    QVERIFY(changed.count() >= 1);
    const auto t = trace();
    const Matrix w = t->weightMatrix(t->bestPath(), HeadSelection::of(0, 1));
    QCOMPARE(panel.view()->data().value(1, 2), w(1, 2));
    model.setTrace(trace()); // the same shape: the choice stays
    QCOMPARE(model.selection(), HeadSelection::of(0, 1));
    model.setTrace(syntheticTrace(syntheticTextSource(6), 1, 1, 3)); // layer 1 head 2 does not exist here
    QCOMPARE(model.selection(), HeadSelection{});
    QTRY_VERIFY(!picker->isVisible());
}

// An RNN (1 × 1) shows no picker: there is nothing to choose.
void TestHeadViews::testPickerHiddenForRnn()
{
    TraceModel model;
    HeatmapPanel panel(&model);
    panel.show();
    const auto rnn = rnnTrace("bahdanau", "additive");
    QVERIFY(rnn);
    model.setTrace(rnn);
    QVERIFY(!panel.headPicker()->hasChoice());
    QVERIFY(!panel.headPicker()->isVisible());
    QVERIFY(!model.hasHeads());
}

// An image source: the columns are the CLS token and the patches, labelled
// by the front end; "hide special" keeps them (CLS is extra, not special).
void TestHeadViews::testPatchGridSource()
{
    TraceModel model;
    model.setTrace(syntheticTrace(syntheticPatchSource(2, 2), 2, 3, 3));
    HeatmapOptions o;
    o.hideSpecial = true;
    const HeatmapData d = HeatmapData::fromTrace(model, o);
    QCOMPARE(d.columnLabels, (QStringList{"[CLS]", "patch 1,1", "patch 1,2", "patch 2,1", "patch 2,2"}));
    QCOMPARE(d.rows(), 2); // the <eos> row is hidden, by its id
    model.setSelection(HeadSelection::of(1, 2));
    const HeatmapData head = HeatmapData::fromTrace(model, {});
    QCOMPARE(head.value(0, syntheticPeak(0, 1, 2, 5)), model.weightsAt(0).maxCoeff());
}

void TestHeadViews::testExplainNamesTheSelection()
{
    TraceModel model;
    model.setTrace(trace());
    model.selectCell(1, 2);
    QString html = explainHtml(model);
    QVERIFY2(html.contains(QStringLiteral("layer 2, mean of 3 heads")), qPrintable(html));
    QVERIFY2(html.contains(QStringLiteral("mean over 3 heads")), qPrintable(html));
    QVERIFY2(html.contains(QStringLiteral("q<sub>t</sub><sup>⊤</sup> k<sub>j</sub> / √d<sub>k</sub>")), qPrintable(html));
    model.setSelection(HeadSelection::of(0, 1));
    model.selectCell(1, 2);
    html = explainHtml(model);
    QVERIFY2(html.contains(QStringLiteral("layer 1, head 2")), qPrintable(html));
    QVERIFY2(html.contains(QStringLiteral("softmax over j")), qPrintable(html)); // one head is one softmax
    const float alpha = model.weightsAt(1)[2];
    QVERIFY2(html.contains(QString::number(alpha, 'f', 4)), qPrintable(html));
}

void TestHeadViews::testExplainQueryFollowsDecoder_data()
{
    QTest::addColumn<QString>("decoder");
    QTest::addColumn<QString>("scorer");
    QTest::addColumn<QString>("formula");
    QTest::newRow("Luong + additive") << "luong" << "additive"
                                       << "v<sub>a</sub><sup>⊤</sup> tanh(W<sub>a</sub> h<sub>t</sub> + U<sub>a</sub> h<sub>j</sub>)";
    QTest::newRow("Bahdanau + dot") << "bahdanau" << "dot" << "s<sub>t−1</sub><sup>⊤</sup> h<sub>j</sub>";
    QTest::newRow("Luong + general") << "luong" << "general" << "h<sub>t</sub><sup>⊤</sup> W<sub>a</sub> h<sub>j</sub>";
    QTest::newRow("Bahdanau + concat") << "bahdanau" << "concat" << "tanh(W<sub>a</sub> [s<sub>t−1</sub> ; h<sub>j</sub>])";
}

// The query symbol is the decoder's (Bahdanau s_{t−1}, Luong h_t), whatever the scorer.
void TestHeadViews::testExplainQueryFollowsDecoder()
{
    QFETCH(QString, decoder);
    QFETCH(QString, scorer);
    QFETCH(QString, formula);
    const auto rnn = rnnTrace(decoder.toStdString(), scorer.toStdString());
    QVERIFY(rnn);
    TraceModel model;
    model.setTrace(rnn);
    model.selectCell(0, 0);
    const QString html = explainHtml(model);
    QVERIFY2(html.contains(formula), qPrintable(html));
    QVERIFY2(!html.contains(QStringLiteral("layer ")), qPrintable(html)); // a 1 × 1 model names no head
}

// Compare panels and the difference map read the same selection.
void TestHeadViews::testCompareFollowsSelection()
{
    const auto a = trace();
    const auto b = syntheticTrace(syntheticTextSource(6), 2, 3, 4);
    ComparePanel panel;
    CompareResult r;
    r.source = QStringLiteral("synthetic");
    r.trace = a;
    panel.setResult(r, 0);
    panel.traceModel()->setSelection(HeadSelection::of(1, 2));
    const Matrix w = a->weightMatrix(a->bestPath(), HeadSelection::of(1, 2));
    QCOMPARE(panel.view()->data().value(2, 1), w(2, 1));

    // Shift b's heads so the difference is not zero.
    DecodeTrace shifted = *b;
    for (DecodeNode &n : shifted.nodes)
        n.cross.weights.row(n.cross.rowOf(0, 0)).swap(n.cross.weights.row(n.cross.rowOf(0, 1)));
    const auto bs = std::make_shared<const DecodeTrace>(std::move(shifted));
    DifferenceView diff;
    diff.resize(400, 300);
    diff.setTraces(a, bs, 3);
    for (const HeadSelection &sel : {HeadSelection::of(0, 0), HeadSelection{0, HeadSelection::Reduce::Max, 0}}) {
        diff.setSelections(sel, sel);
        const Matrix want = a->weightMatrix(a->bestPath(), sel) - bs->weightMatrix(bs->bestPath(), sel);
        for (int rr = 0; rr < diff.data().rows(); ++rr)
            for (int c = 0; c < diff.data().columns(); ++c)
                QCOMPARE(diff.data().value(rr, c), want(rr, c));
    }
}

// PNG, SVG and PDF draw the selected head: the printed α of a head's peak
// appears in its figure and not in the mean's.
void TestHeadViews::testFiguresFollowSelection()
{
    TraceModel model;
    model.setTrace(trace());
    FigureOptions o;
    o.format = FigureFormat::Svg;
    const QByteArray mean = FigureExporter(model, o).render();
    model.setSelection(HeadSelection::of(0, 0));
    const QByteArray head = FigureExporter(model, o).render();
    QVERIFY(!mean.isEmpty() && !head.isEmpty());
    QVERIFY(mean != head);
    const QByteArray peak = QByteArray::number(model.weightsAt(0).maxCoeff(), 'f', 2).mid(1); // ".80", as cells print it
    QVERIFY2(head.contains(">" + peak + "<"), peak.constData());
    QVERIFY(!mean.contains(">" + peak + "<"));
    for (FigureFormat f : {FigureFormat::Png, FigureFormat::Pdf}) {
        o.format = f;
        QVERIFY(!FigureExporter(model, o).render().isEmpty());
    }
    o.format = FigureFormat::Svg;
    o.view = FigureView::Lines;
    QVERIFY(FigureExporter(model, o).render() != mean);
}

void TestHeadViews::testSessionKeepsSelection()
{
    for (const HeadSelection &sel : {HeadSelection{}, HeadSelection::of(3, 7), HeadSelection{2, HeadSelection::Reduce::Max, 0},
                                     HeadSelection{-1, HeadSelection::Reduce::Head, 0}}) {
        Session s;
        s.selection = sel;
        auto back = sessionFromJson(sessionToJson(s));
        QVERIFY(back);
        QCOMPARE(back->selection, sel);
    }
    const QByteArray bad = R"({"format": "alignscope-session", "version": 1, "attention": {"layer": 0, "head": "all"}})";
    auto refused = sessionFromJson(bad);
    QVERIFY(!refused);
    QVERIFY(QString::fromStdString(refused.error().message).contains(QStringLiteral("attention")));
}

QTEST_MAIN(TestHeadViews)
#include "testheadviews.moc"
