// The bundled Transformer in the window: the head grid's small multiples are
// the trace's rows (this step or the whole decode; cross-attention, the
// decoder's and the encoder's self-attention), a click on a cell makes it
// the selection the heatmap shows, "Which head aligns?" writes each head's
// AER on the grid, and the self-attention view shows the matrices within one
// sentence. Offscreen.

#include "attention/headgrid.h"
#include "compare/compareview.h"
#include "widgets/headpicker.h"
#include "attention/heatmapview.h"
#include "attention/selfattentionview.h"
#include "decode/tracemodel.h"
#include "export/exporter.h"
#include "mainwindow/mainwindow.h"

#include "alignscope/model.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QSettings>
#include <QtTest>

using namespace alignscope;
using namespace alignscope::ui;

class TestHeadGrid : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void testCellsAreTheTraceRows();
    void testClickSelectsHead();
    void testSelfAttentionKinds();
    void testWhichHeadAligns();
    void testRnnHasOneCell();
    void testHeadGridFigure();
    void testCompareMixesArchitectures();

private:
    /// A window on `model` with the seed sentence decoded, at step `step`.
    std::unique_ptr<MainWindow> openWindow(const QString &model, int step = 2);
};

void TestHeadGrid::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("AlignScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("testheadgrid"));
    const auto names = bundledModelNames();
    if (std::find(names.begin(), names.end(), "transformer") == names.end())
        QSKIP("needs the bundled transformer");
}

void TestHeadGrid::init() { QSettings().clear(); }

std::unique_ptr<MainWindow> TestHeadGrid::openWindow(const QString &model, int step)
{
    auto w = std::make_unique<MainWindow>();
    w->resize(1440, 900);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get()))
        return nullptr;
    w->controller()->loadModel(model);
    for (int waited = 0; waited < 20000; waited += 20) {
        const DecodeTrace *t = w->traceModel()->trace();
        if (t && t->model == model.toStdString() && !w->controller()->busy())
            break;
        QTest::qWait(20);
    }
    if (!w->traceModel()->trace() || w->traceModel()->trace()->model != model.toStdString())
        return nullptr;
    w->traceModel()->setStep(step);
    return w;
}

void TestHeadGrid::testCellsAreTheTraceRows()
{
    auto w = openWindow(QStringLiteral("transformer"));
    QVERIFY(w);
    HeadGridView *grid = w->headGrid()->view();
    const DecodeTrace &t = *w->traceModel()->trace();
    const DecodeNode &node = *w->traceModel()->currentNode();
    const HeadGridData &d = grid->data();
    QCOMPARE(d.layers, 2);
    QCOMPARE(d.heads, 4);
    QCOMPARE(d.columns(), 6); // four heads, the mean, the max
    for (int l = 0; l < 2; ++l)
        for (int c = 0; c < 6; ++c) {
            const Matrix &cell = d.cell(l, c);
            QCOMPARE(cell.rows(), Eigen::Index(1));
            QVERIFY(cell.row(0).transpose() == node.weights(d.selectionOf(l, c)));
        }
    QCOMPARE(d.selectionOf(1, 4), (HeadSelection{1, HeadSelection::Reduce::Mean, 0})); // the default selection: layer 2's mean
    QCOMPARE(d.selectedLayer, 1);
    QCOMPARE(d.selectedColumn, 4);

    // The whole decode: each cell the matrix along the path, the step's row marked.
    w->headGrid()->extentPicker()->setCurrentIndex(1);
    const HeadGridData &whole = grid->data();
    QCOMPARE(whole.currentRow, 2);
    QVERIFY(whole.cell(0, 2) == t.weightMatrix(w->traceModel()->path(), HeadSelection::of(0, 2)));
    // Stepping moves the marked row.
    w->traceModel()->next();
    QCOMPARE(grid->data().currentRow, 3);
    QVERIFY(grid->layout().size().height() > 0);
}

void TestHeadGrid::testClickSelectsHead()
{
    auto w = openWindow(QStringLiteral("transformer"));
    QVERIFY(w);
    w->findChild<QDockWidget *>(QStringLiteral("headsDock"))->raise();
    HeadGridView *grid = w->headGrid()->view();
    QTRY_VERIFY(grid->isVisible() && grid->width() > 100);
    const QRectF cell = grid->layout().cellRect(0, 2); // layer 1, head 3
    QTest::mouseClick(grid, Qt::LeftButton, {}, cell.center().toPoint());
    QCOMPARE(w->traceModel()->selection(), HeadSelection::of(0, 2));
    QCOMPARE(grid->data().selectedLayer, 0);
    QCOMPARE(grid->data().selectedColumn, 2);
    // The main heatmap now shows that head.
    const HeatmapData &shown = w->findChild<HeatmapPanel *>()->view()->data();
    const Matrix want = w->traceModel()->trace()->weightMatrix(w->traceModel()->path(), HeadSelection::of(0, 2));
    for (int r = 0; r < shown.rows(); ++r)
        for (int c = 0; c < shown.columns(); ++c)
            QCOMPARE(shown.value(r, c), want(shown.rowSteps[size_t(r)], shown.columnSources[size_t(c)]));
    QVERIFY(grid->cellToolTip(0, 2).contains(QStringLiteral("shown in every view")));
    // The max column selects the layer's max.
    QTest::mouseClick(grid, Qt::LeftButton, {}, grid->layout().cellRect(1, 5).center().toPoint());
    QCOMPARE(w->traceModel()->selection(), (HeadSelection{1, HeadSelection::Reduce::Max, 0}));
}

void TestHeadGrid::testSelfAttentionKinds()
{
    auto w = openWindow(QStringLiteral("transformer"), 3);
    QVERIFY(w);
    const DecodeTrace &t = *w->traceModel()->trace();
    const int n = t.sourceLength();
    HeadGridPanel *panel = w->headGrid();
    panel->kindPicker()->setCurrentIndex(int(AttentionKind::DecoderSelf));
    const HeadGridData &dec = panel->view()->data();
    QCOMPARE(dec.kind, AttentionKind::DecoderSelf);
    QCOMPARE(dec.cell(1, 0).cols(), Eigen::Index(4)); // step 4 attends over <sos> and three tokens
    QCOMPARE(dec.keyLabels.front(), QStringLiteral("<sos>"));
    panel->kindPicker()->setCurrentIndex(int(AttentionKind::EncoderSelf));
    const HeadGridData &enc = panel->view()->data();
    QCOMPARE(enc.cell(0, 1).rows(), Eigen::Index(n));
    QVERIFY(enc.cell(0, 1) == t.encoderSelfWeights(HeadSelection::of(0, 1)));

    // The self-attention view: the encoder's (n, n) for the selection, then the decoder's causal rows.
    SelfAttentionPanel *self = w->selfAttention();
    w->traceModel()->setSelection(HeadSelection::of(1, 3));
    const HeatmapData &e = self->view()->data();
    QCOMPARE(e.rows(), n);
    QCOMPARE(e.columns(), n);
    const Matrix want = t.encoderSelfWeights(HeadSelection::of(1, 3));
    QCOMPARE(e.value(2, 1), want(2, 1));
    self->setKind(AttentionKind::DecoderSelf);
    const HeatmapData &d = self->view()->data();
    QCOMPARE(d.rows(), int(w->traceModel()->path().size()));
    QCOMPARE(d.columnLabels.front(), QStringLiteral("<sos>"));
    QCOMPARE(d.value(0, 1), 0.0f); // causal: the first token sees only <sos>
    const Matrix dw = t.decoderSelfWeights(w->traceModel()->path(), HeadSelection::of(1, 3));
    QCOMPARE(d.value(3, 2), dw(3, 2));
}

void TestHeadGrid::testWhichHeadAligns()
{
    auto w = openWindow(QStringLiteral("transformer"));
    QVERIFY(w);
    HeadGridPanel *panel = w->headGrid();
    QSignalSpy scored(panel, &HeadGridPanel::headsScored);
    panel->alignAction()->trigger();
    QVERIFY(panel->scoring());
    QVERIFY(scored.wait(60000));
    const HeadGridData &d = panel->view()->data();
    QCOMPARE(int(d.headScores.size()), 8);
    const QPoint best = d.bestScore();
    QVERIFY(best.x() >= 0);
    for (double a : d.headScores)
        QVERIFY(a >= d.headScores[size_t(best.x() * 4 + best.y())]);
    QVERIFY2(panel->status()->text().contains(QStringLiteral("Best: layer %1, head %2").arg(best.x() + 1).arg(best.y() + 1)),
             qPrintable(panel->status()->text()));
    // The bundled model has a head that aligns well (the model card's per-head AER).
    QVERIFY(d.headScores[size_t(best.x() * 4 + best.y())] < 0.15);
    // Another model: the scores belong to the old one and go.
    w->controller()->loadModel(QStringLiteral("additive"));
    QTRY_VERIFY_WITH_TIMEOUT(panel->view()->data().headScores.empty(), 20000);
}

void TestHeadGrid::testRnnHasOneCell()
{
    auto w = openWindow(QStringLiteral("additive"));
    QVERIFY(w);
    const HeadGridData &d = w->headGrid()->view()->data();
    QCOMPARE(d.columns(), 1);
    QCOMPARE(d.layers, 1);
    w->headGrid()->kindPicker()->setCurrentIndex(int(AttentionKind::EncoderSelf));
    QVERIFY(w->headGrid()->view()->data().empty()); // an RNN has no self-attention
    QVERIFY(w->selfAttention()->view()->data().rows() == 0);
}

// The head grid as a figure: every cell the whole matrix of its head, in
// the figure's colormap, pixel for pixel; no cursor drawn.
void TestHeadGrid::testHeadGridFigure()
{
    auto w = openWindow(QStringLiteral("transformer"));
    QVERIFY(w);
    FigureOptions o;
    o.view = FigureView::Heads;
    o.scale = 1.0;
    o.colormap = ColormapKind::Magma;
    const FigureExporter figure(*w->traceModel(), o);
    const QImage image = figure.toImage();
    QVERIFY(image.width() >= int(figure.figureSize().width()));
    const DecodeTrace &t = *w->traceModel()->trace();
    const Matrix m = t.weightMatrix(w->traceModel()->path(), HeadSelection::of(1, 2)); // layer 2, head 3
    const QRectF cell = figure.headCellRect(1, 2);
    QVERIFY(!cell.isEmpty());
    const Colormap map(ColormapKind::Magma);
    for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index k = 0; k < m.cols(); ++k) {
            const QPointF at(cell.left() + (k + 0.5) * cell.width() / double(m.cols()),
                             cell.top() + (r + 0.5) * cell.height() / double(m.rows()));
            QCOMPARE(image.pixelColor(at.toPoint()).rgb(), map.color(m(r, k)).rgb());
        }
    QVERIFY(!FigureExporter(*w->traceModel(), FigureOptions{}).headCellRect(0, 0).isValid()); // the heatmap view has none
    QVERIFY(figure.toSvg().contains("head 3"));
}

// The compare tab with an RNN and the Transformer on one target: each panel
// has its own layer and head (the RNN none to pick), the difference map
// subtracts what each panel shows, the table scores each panel's choice.
void TestHeadGrid::testCompareMixesArchitectures()
{
    TraceModel follow;
    CompareView view(&follow);
    view.resize(1200, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    CompareController *c = view.controller();
    view.setModelSources({QStringLiteral("additive"), QStringLiteral("transformer")});
    view.setTarget(CompareTarget::Reference);
    QSignalSpy finished(c, &CompareController::finished);
    view.setSentence(QStringLiteral("The cat sat on the mat"));
    QTRY_VERIFY_WITH_TIMEOUT(!c->busy() && finished.count() > 0, 30000);
    QCOMPARE(view.panelCount(), 2);
    QVERIFY(!view.panel(0)->headPicker()->isVisible()); // the RNN: one attention
    QVERIFY(view.panel(1)->headPicker()->isVisible());
    view.setDifferencePair(0, 1);
    // The Transformer's panel alone switches to layer 1, head 2.
    const HeadSelection head = HeadSelection::of(0, 1);
    view.panel(1)->headPicker()->setSelection(head);
    emit view.panel(1)->headPicker()->selectionChanged(head);
    QCOMPARE(view.panel(1)->traceModel()->selection(), head);
    QCOMPARE(view.panel(0)->traceModel()->selection(), HeadSelection{});
    const DecodeTrace &rnn = *c->results()[0].trace, &transformer = *c->results()[1].trace;
    const Matrix want = weightDifference(rnn, HeadSelection{}, transformer, head);
    QVERIFY(want.size() > 0);
    const HeatmapData &d = view.differenceView()->data();
    QCOMPARE(d.rows(), int(want.rows()));
    for (int r = 0; r < d.rows(); ++r)
        for (int k = 0; k < d.columns(); ++k)
            QCOMPARE(d.value(r, k), want(d.rowSteps[size_t(r)], d.columnSources[size_t(k)]));
    QVERIFY(want != weightDifference(rnn, transformer)); // not the mean the tool bar shows
    // The tool bar's choice applies to every panel again.
    view.setSelection(HeadSelection::of(1, 3));
    QCOMPARE(view.panel(1)->traceModel()->selection(), HeadSelection::of(1, 3));
    QCOMPARE(view.panelSelection(1), HeadSelection::of(1, 3));
}

QTEST_MAIN(TestHeadGrid)
#include "testheadgrid.moc"
