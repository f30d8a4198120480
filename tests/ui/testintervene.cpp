// Intervene in the window (issue 23), offscreen: Ctrl+click on a heatmap
// cell puts all of a step's attention on one source token (the focused head
// of a Transformer, or every head of the selected layer for a mean), the
// context menu removes a source position from every step, the head grid
// switches heads off, the Intervention dock shows the edited decode beside
// the original, Undo and Clear edits, sessions keep the edits, and "Which
// heads matter" runs core's headImportance in the background with Cancel.
// A drag (Shift, or the dock's Reshape mode) or Shift+Up/Down reshapes a
// step's row; sessions keep the undo list.

#include "attention/headgrid.h"
#include "attention/headimportanceview.h"
#include "attention/heatmapview.h"
#include "attention/interventionpanel.h"
#include "decode/interventionedits.h"
#include "decode/tracemodel.h"
#include "mainwindow/mainwindow.h"
#include "mainwindow/session.h"
#include "widgets/messagebar.h"

#include "alignscope/model.h"

#include <QAction>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include <functional>

using namespace alignscope;
using namespace alignscope::ui;

class TestIntervene : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void testEditRules();
    void testCtrlClickEditsRnn();
    void testEditFollowsHeadSelection();
    void testReshapeRules();
    void testDragReshapesRowRnn();
    void testReshapeHeadModeAndKeys();
    void testDropSourceFromMenu();
    void testSideBySideUndoClear();
    void testAblateHeads();
    void testSessionKeepsEdits();
    void testSessionKeepsUndo();
    void testSessionRejectsBadIntervention();
    void testSessionAtStart();
    void testWhichHeadsMatter();
    void testWhichHeadsMatterCancel();

private:
    std::unique_ptr<MainWindow> openWindow(const QString &model);
    static bool waitFor(const std::function<bool()> &done, int ms = 30000);
    /// Waits for the decode that carries `iv` (an empty one: the plain decode).
    static bool waitForDecode(MainWindow &w, const Intervention &iv);
};

void TestIntervene::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("AlignScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("testintervene"));
    const auto names = bundledModelNames();
    for (const char *name : {"additive", "transformer"})
        if (std::find(names.begin(), names.end(), name) == names.end())
            QSKIP("needs the bundled additive and transformer models");
}

void TestIntervene::init() { QSettings().clear(); }

bool TestIntervene::waitFor(const std::function<bool()> &done, int ms)
{
    for (int waited = 0; waited < ms; waited += 20) {
        if (done())
            return true;
        QTest::qWait(20);
    }
    return done();
}

bool TestIntervene::waitForDecode(MainWindow &w, const Intervention &iv)
{
    const bool ok = waitFor([&] {
        const DecodeTrace *t = w.traceModel()->trace();
        return t && !w.controller()->busy() && t->intervention == iv && (iv.empty() || w.controller()->originalTrace());
    });
    if (!ok) { // say what the window holds instead
        const DecodeTrace *t = w.traceModel()->trace();
        qWarning("busy %d, trace %d (%s), original %d, message: %s", w.controller()->busy(), t != nullptr,
                 t ? t->intervention.summary().c_str() : "", bool(w.controller()->originalTrace()),
                 qPrintable(w.messageBar()->text()));
    }
    return ok;
}

std::unique_ptr<MainWindow> TestIntervene::openWindow(const QString &model)
{
    auto w = std::make_unique<MainWindow>();
    w->resize(1440, 900);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get()))
        return nullptr;
    w->controller()->loadModel(model);
    if (!waitFor([&] {
            const DecodeTrace *t = w->traceModel()->trace();
            // Not loading: the start-up model's decode may end while the test's own load still runs.
            return t && t->model == model.toStdString() && !w->controller()->busy() && !w->controller()->loading();
        }))
        return nullptr;
    return w;
}

void TestIntervene::testEditRules()
{
    // A mean or max over heads edits every head of the selected layer; one head, that head; an RNN, its one attention.
    Intervention iv = withOneHot({}, 2, 4, HeadSelection::of(1, 3), 2, 4);
    QCOMPARE(iv.edits.back(), AttentionEdit::oneHot(2, 4, 1, 3));
    iv = withOneHot(iv, 0, 1, HeadSelection::lastLayerMean(), 2, 4);
    QCOMPARE(iv.edits.back(), AttentionEdit::oneHot(0, 1, 1, -1));
    QCOMPARE(withOneHot({}, 0, 1, {}, 1, 1).edits.back(), AttentionEdit::oneHot(0, 1, -1, -1));
    // Drops are a set.
    QCOMPARE(withDropped(withDropped({}, 3), 3).droppedSource, std::vector<int>{3});
    // A layer off, then one of its heads back on: the others stay off.
    Intervention heads = withHeadSwitched({}, 1, -1, true, 4);
    QCOMPARE(heads.ablatedHeads, (std::vector<HeadRef>{{1, -1}}));
    heads = withHeadSwitched(heads, 1, 2, false, 4);
    QCOMPARE(heads.ablatedHeads, (std::vector<HeadRef>{{1, 0}, {1, 1}, {1, 3}}));
    heads = withHeadSwitched(heads, 0, 0, true, 4);
    QVERIFY(heads.silences(0, 0) && !heads.silences(0, 1) && !heads.silences(1, 2) && heads.silences(1, 3));
    QVERIFY(withHeadSwitched(heads, 1, -1, false, 4).silences(0, 0));
    QVERIFY(!withHeadSwitched(heads, 1, -1, false, 4).silences(1, 0));
}

void TestIntervene::testCtrlClickEditsRnn()
{
    auto w = openWindow(QStringLiteral("additive"));
    QVERIFY(w);
    HeatmapView *view = w->heatmap()->view();
    QVERIFY(view->toolTip().contains(QStringLiteral("Ctrl+click")));
    const int step = 1, column = 4;
    w->traceModel()->last(); // every row visible
    QVERIFY(view->data().visibleRows > step && view->data().columns() > column);
    const int source = view->data().columnSources[column];
    // A plain click picks the cell; Ctrl+click edits.
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, view->cellRect(0, 0).center().toPoint());
    QVERIFY(w->controller()->intervention().empty());
    w->traceModel()->last();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::ControlModifier,
                      view->cellRect(step, column).center().toPoint());
    const Intervention expected{{AttentionEdit::oneHot(step, source, -1, -1)}, {}, {}};
    QCOMPARE(w->controller()->intervention(), expected);
    QVERIFY(waitForDecode(*w, expected));
    // The step used all its weight on the clicked token; the trace marks it.
    const TraceModel *m = w->traceModel();
    QCOMPARE(m->step(), step); // the view lands on the edited step
    QVERIFY(m->nodeAtStep(step)->edited);
    QVERIFY(!m->nodeAtStep(0)->edited);
    QCOMPARE(m->weightsAt(step)[source], 1.0f);
    QCOMPARE(m->weightsAt(step).sum(), 1.0f);
    // Marked in the heatmap: the edited row and the forced cell.
    const HeatmapData &d = view->data();
    QVERIFY(d.editedRow.at(size_t(d.rowOfStep(step))));
    QVERIFY(std::find(d.forcedCells.begin(), d.forcedCells.end(), QPoint(column, d.rowOfStep(step))) != d.forcedCells.end());
    // The image shows the mark: the forced cell's corner is the intervention colour.
    const QImage shot = view->viewport()->grab().toImage();
    // (Inside the corner flag, clear of the current row's outline along the top.)
    const QPoint corner = view->cellRect(d.rowOfStep(step), column).topLeft().toPoint() + QPoint(3, 5);
    QCOMPARE(shot.pixelColor(corner).name(), interventionColor().name());
}

void TestIntervene::testEditFollowsHeadSelection()
{
    auto w = openWindow(QStringLiteral("transformer"));
    QVERIFY(w);
    const DecodeTrace *t = w->traceModel()->trace();
    const int layers = t->layers(), heads = t->heads();
    QVERIFY(heads > 1);
    HeatmapView *view = w->heatmap()->view();
    w->traceModel()->setSelection(HeadSelection::of(0, 1));
    w->traceModel()->last();
    const int step = 0, column = 1, source = view->data().columnSources[column];
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::ControlModifier, view->cellRect(step, column).center().toPoint());
    Intervention expected{{AttentionEdit::oneHot(step, source, 0, 1)}, {}, {}};
    QVERIFY(waitForDecode(*w, expected));
    const DecodeNode &node = *w->traceModel()->nodeAtStep(step);
    QCOMPARE(node.weights(HeadSelection::of(0, 1))[source], 1.0f);
    QVERIFY(node.weights(HeadSelection::of(0, 0))[source] < 1.0f); // the other heads keep their own
    // A mean over the last layer's heads: every head of that layer.
    w->traceModel()->setSelection(HeadSelection::lastLayerMean());
    w->traceModel()->last();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::ControlModifier, view->cellRect(step, column).center().toPoint());
    expected.edits.push_back(AttentionEdit::oneHot(step, source, layers - 1, -1));
    QVERIFY(waitForDecode(*w, expected));
    for (int h = 0; h < heads; ++h)
        QCOMPARE(w->traceModel()->nodeAtStep(step)->weights(HeadSelection::of(layers - 1, h))[source], 1.0f);
}

void TestIntervene::testReshapeRules()
{
    Vector row(4);
    row << 0.4f, 0.3f, 0.2f, 0.1f;
    // Position 1 takes 0.6; the others share 0.4 as they did (0.4 : 0.2 : 0.1).
    const Vector up = reshapedRow(row, 1, 1, 0.6);
    QVERIFY(std::abs(up.sum() - 1.0f) < 1e-6f);
    QVERIFY(std::abs(up[1] - 0.6f) < 1e-6f);
    QVERIFY(std::abs(up[0] - 0.4f * 0.4f / 0.7f) < 1e-6f && std::abs(up[3] - 0.1f * 0.4f / 0.7f) < 1e-6f);
    // A merged word's two pieces keep their ratio; the share is clamped to 0..1.
    const Vector word = reshapedRow(row, 2, 2, 0.9);
    QVERIFY(std::abs(word[2] - 0.6f) < 1e-6f && std::abs(word[3] - 0.3f) < 1e-6f);
    QCOMPARE(reshapedRow(row, 0, 1, 1.7)[0], 1.0f);
    QCOMPARE(reshapedRow(row, 0, 1, -1)[0], 0.0f);
    // When the rest held nothing, it shares evenly.
    Vector hot = Vector::Zero(3);
    hot[0] = 1.0f;
    const Vector spread = reshapedRow(hot, 0, 1, 0.5);
    QVERIFY(std::abs(spread[1] - 0.25f) < 1e-6f && std::abs(spread[2] - 0.25f) < 1e-6f);
    // A second reshape of the same step and heads replaces the first; other heads keep theirs.
    Intervention iv = withReshaped({}, 1, up, HeadSelection::of(0, 2), 2, 4);
    iv = withReshaped(iv, 1, word, HeadSelection::of(0, 3), 2, 4);
    iv = withReshaped(iv, 1, spread.head(3), HeadSelection::of(0, 2), 2, 4);
    QCOMPARE(iv.edits.size(), size_t(2));
    QCOMPARE(iv.edits.back().head, 2);
    QCOMPARE(iv.edits.back().weights, Vector(spread.head(3)));
    QVERIFY(iv.edits.back().position < 0);
    // The cells marked: at least half the edit's peak (a one-hot: its position).
    QCOMPARE(reshapePeaks(iv.edits.front()), (std::vector<int>{2, 3})); // word: 0.6 and 0.3
    QCOMPARE(reshapePeaks(AttentionEdit::oneHot(0, 5)), std::vector<int>{5});
}

void TestIntervene::testDragReshapesRowRnn()
{
    auto w = openWindow(QStringLiteral("additive"));
    QVERIFY(w);
    HeatmapView *view = w->heatmap()->view();
    QVERIFY(view->toolTip().contains(QStringLiteral("Shift+drag")));
    w->traceModel()->last();
    const int step = 1, column = 3;
    QVERIFY(view->data().visibleRows > step && view->data().columns() > column);
    const int row = view->data().rowOfStep(step), source = view->data().columnSources[column];
    Vector base = w->traceModel()->weightsAt(step);
    base /= base.sum();
    // Shift+drag the cell up by 0.6 of the drag range: it takes base + 0.6, the rest is rescaled.
    const QPoint from = view->cellRect(row, column).center().toPoint();
    const int dy = int(std::round(0.6 * view->reshapePixels()));
    const Vector expected = reshapedRow(base, source, 1, base[source] + double(dy) / view->reshapePixels());
    QTest::mousePress(view->viewport(), Qt::LeftButton, Qt::ShiftModifier, from);
    QVERIFY(view->reshaping());
    QTest::mouseMove(view->viewport(), from - QPoint(0, dy));
    // The row shows the drag before anything is decoded.
    QVERIFY(std::abs(view->data().value(row, column) - expected[source]) < 1e-5f);
    QVERIFY(w->controller()->intervention().empty());
    QTest::mouseRelease(view->viewport(), Qt::LeftButton, Qt::ShiftModifier, from - QPoint(0, dy));
    QVERIFY(!view->reshaping());
    const Intervention &iv = w->controller()->intervention();
    QCOMPARE(iv.edits.size(), size_t(1));
    const AttentionEdit edit = iv.edits.front();
    QCOMPARE(edit.step, step);
    QCOMPARE(edit.position, -1);
    QCOMPARE(edit.weights.size(), base.size());
    QVERIFY((edit.weights - expected).cwiseAbs().maxCoeff() < 1e-6f);
    QVERIFY(std::abs(edit.weights.sum() - 1.0f) < 1e-5f);
    const Intervention want = iv;
    QVERIFY(waitForDecode(*w, want));
    // The step decoded with exactly those weights, and the rest as core decodes under the same edit.
    const TraceModel *m = w->traceModel();
    QVERIFY(m->nodeAtStep(step)->edited && !m->nodeAtStep(0)->edited);
    QVERIFY((m->weightsAt(step) - expected).cwiseAbs().maxCoeff() < 1e-6f);
    const ModelPtr model = w->controller()->model();
    const std::string sentence = w->controller()->sentence().toStdString();
    DecodeOptions options;
    options.intervention = want;
    auto direct = translate(*model, sentence, options);
    QVERIFY(direct);
    const DecodeTrace &shown = *m->trace();
    QCOMPARE(shown.targetTokens(shown.bestPath()), direct->targetTokens(direct->bestPath()));
    // The edited decode is a forced decode of its own choices under the edit.
    std::vector<int> ids;
    for (int node : shown.bestPath())
        ids.push_back(shown.nodes[size_t(node)].tokenId);
    auto forced = forceDecodeIds(*model, sentence, ids, want);
    QVERIFY(forced);
    const std::vector<int> path = forced->bestPath();
    QCOMPARE(path.size(), ids.size());
    QVERIFY(std::abs(forced->nodes[size_t(path.back())].cumulativeLogProb
                     - shown.nodes[size_t(shown.bestPath().back())].cumulativeLogProb)
            < 1e-4);
    QVERIFY((forced->nodes[size_t(path[size_t(step)])].weights(HeadSelection{}) - expected).cwiseAbs().maxCoeff()
            < 1e-6f);
    // Marked like a one-hot edit: the row, and the dragged cell now holding the peak.
    const HeatmapData &d = view->data();
    QVERIFY(d.editedRow.at(size_t(row)));
    QVERIFY(std::find(d.forcedCells.begin(), d.forcedCells.end(), QPoint(column, row)) != d.forcedCells.end());
    // A drag that ends where it started, or Esc, edits nothing.
    QTest::mousePress(view->viewport(), Qt::LeftButton, Qt::ShiftModifier, from);
    QTest::mouseRelease(view->viewport(), Qt::LeftButton, Qt::ShiftModifier, from);
    QTest::mousePress(view->viewport(), Qt::LeftButton, Qt::ShiftModifier, from);
    QTest::mouseMove(view->viewport(), from + QPoint(0, 30));
    QTest::keyClick(view, Qt::Key_Escape);
    QVERIFY(!view->reshaping());
    QTest::mouseRelease(view->viewport(), Qt::LeftButton, Qt::NoModifier, from + QPoint(0, 30));
    QCOMPARE(w->controller()->intervention(), want);
}

void TestIntervene::testReshapeHeadModeAndKeys()
{
    auto w = openWindow(QStringLiteral("transformer"));
    QVERIFY(w);
    const DecodeTrace *t = w->traceModel()->trace();
    QVERIFY(t->heads() > 1);
    HeatmapView *view = w->heatmap()->view();
    // The dock's Reshape: a plain drag reshapes the focused head's row.
    QAction *reshape = w->interventionPanel()->reshapeAction();
    QVERIFY(reshape && reshape->isCheckable() && !reshape->toolTip().isEmpty());
    reshape->setChecked(true);
    QVERIFY(view->reshapeMode());
    w->traceModel()->setSelection(HeadSelection::of(0, 1));
    w->traceModel()->last();
    const int step = 0, row = view->data().rowOfStep(step);
    Vector base = w->traceModel()->weightsAt(step);
    int column = 0; // the shown column with the most weight: there is some to take away
    for (int c = 1; c < view->data().columns(); ++c)
        if (view->data().value(row, c) > view->data().value(row, column))
            column = c;
    const int source = view->data().columnSources[column];
    const QPoint from = view->cellRect(row, column).center().toPoint();
    const int dy = 40; // downwards: less weight here
    const Vector expected = reshapedRow(base / base.sum(), source, 1, base[source] / base.sum() - dy / view->reshapePixels());
    QTest::mousePress(view->viewport(), Qt::LeftButton, Qt::NoModifier, from);
    QTest::mouseMove(view->viewport(), from + QPoint(0, dy));
    QTest::mouseRelease(view->viewport(), Qt::LeftButton, Qt::NoModifier, from + QPoint(0, dy));
    QCOMPARE(w->controller()->intervention().edits.size(), size_t(1));
    Intervention want = w->controller()->intervention();
    QCOMPARE(want.edits.front().layer, 0);
    QCOMPARE(want.edits.front().head, 1);
    QVERIFY((want.edits.front().weights - expected).cwiseAbs().maxCoeff() < 1e-6f);
    QVERIFY(waitForDecode(*w, want));
    const DecodeNode &node = *w->traceModel()->nodeAtStep(step);
    QVERIFY((node.weights(HeadSelection::of(0, 1)) - expected).cwiseAbs().maxCoeff() < 1e-6f);
    QVERIFY((node.weights(HeadSelection::of(0, 0)) - expected).cwiseAbs().maxCoeff() > 1e-3f); // not the others
    reshape->setChecked(false);
    QVERIFY(!view->reshapeMode());
    // Keys: Shift+Right picks the next column, Shift+Up gives it a tenth more of the row; Ctrl+Z undoes.
    w->traceModel()->setStep(step);
    w->traceModel()->selectCell(step, view->data().columnSources[0]);
    view->setFocus();
    QTest::keyClick(view, Qt::Key_Right, Qt::ShiftModifier);
    const int next = view->data().columnSources[1];
    QCOMPARE(w->traceModel()->selectedSource(), next);
    const Vector before = w->traceModel()->weightsAt(step);
    QTest::keyClick(view, Qt::Key_Up, Qt::ShiftModifier);
    QCOMPARE(w->controller()->intervention().edits.size(), size_t(1)); // the same step and head: replaced
    const Vector &nudged = w->controller()->intervention().edits.back().weights;
    QVERIFY(std::abs(nudged[next] - (before[next] / before.sum() + 0.1f)) < 1e-5f);
    QVERIFY(std::abs(nudged.sum() - 1.0f) < 1e-5f);
    Intervention second = w->controller()->intervention();
    QVERIFY(waitForDecode(*w, second));
    w->interventionPanel()->undoAction()->trigger();
    QVERIFY(waitForDecode(*w, want));
}

void TestIntervene::testDropSourceFromMenu()
{
    auto w = openWindow(QStringLiteral("additive"));
    QVERIFY(w);
    HeatmapView *view = w->heatmap()->view();
    w->traceModel()->last();
    const int column = 2, source = view->data().columnSources[column];
    std::unique_ptr<QMenu> menu(view->contextMenuAt(view->cellRect(0, column).center()));
    QVERIFY(menu);
    auto *drop = menu->findChild<QAction *>(QStringLiteral("dropSource"));
    QVERIFY(drop && menu->findChild<QAction *>(QStringLiteral("editAttention")));
    drop->trigger();
    const Intervention expected{{}, {source}, {}};
    QVERIFY(waitForDecode(*w, expected));
    const TraceModel *m = w->traceModel();
    for (int s = 0; s < m->stepCount(); ++s) {
        QCOMPARE(m->weightsAt(s)[source], 0.0f);
        QVERIFY(std::abs(m->weightsAt(s).sum() - 1.0f) < 1e-5f);
        QVERIFY(m->nodeAtStep(s)->edited);
    }
    QVERIFY(view->data().droppedColumn.at(size_t(column)));
    // Outside the cells and labels there is no menu.
    QVERIFY(!view->contextMenuAt(QPointF(view->viewport()->width() - 2, view->viewport()->height() - 2)));
}

void TestIntervene::testSideBySideUndoClear()
{
    auto w = openWindow(QStringLiteral("additive"));
    QVERIFY(w);
    InterventionPanel *panel = w->interventionPanel();
    QVERIFY(!panel->undoAction()->isEnabled());
    QCOMPARE(panel->undoAction()->shortcut(), QKeySequence(QKeySequence::Undo));
    const std::string original = w->traceModel()->trace()->translation(w->traceModel()->trace()->bestPath());
    // Drop the source's first real word, then put step 1's weight on the end: the output changes.
    Intervention one{{}, {0}, {}};
    w->controller()->setIntervention(one);
    QVERIFY(waitForDecode(*w, one));
    Intervention two = one;
    two.edits.push_back(AttentionEdit::oneHot(0, w->traceModel()->sourceLength() - 1));
    w->controller()->setIntervention(two);
    QVERIFY(waitForDecode(*w, two));
    QCOMPARE(panel->originalText(), QString::fromStdString(original));
    const DecodeTrace &edited = *w->traceModel()->trace();
    QCOMPARE(panel->editedText().toStdString(), edited.translation(edited.bestPath()));
    QCOMPARE(panel->editedLogProb(), edited.nodes[size_t(edited.bestPath().back())].cumulativeLogProb);
    QCOMPARE(panel->originalLogProb(),
             w->controller()->originalTrace()->nodes[size_t(w->controller()->originalTrace()->bestPath().back())]
                 .cumulativeLogProb);
    // Marked: each side's tokens outside a longest common subsequence of the two.
    const auto a = w->controller()->originalTrace()->targetTokens(w->controller()->originalTrace()->bestPath());
    const auto b = edited.targetTokens(edited.bestPath());
    QVERIFY(a != b); // step 1 forced onto <eos> with the first word gone changes something
    auto kept = [](const std::vector<std::string> &tokens, const std::vector<int> &marked) {
        std::vector<std::string> rest;
        for (int i = 0; i < int(tokens.size()); ++i)
            if (std::find(marked.begin(), marked.end(), i) == marked.end())
                rest.push_back(tokens[size_t(i)]);
        return rest;
    };
    const auto common = kept(a, panel->originalDifferences());
    QCOMPARE(common, kept(b, panel->editedDifferences()));
    QVERIFY(!panel->originalDifferences().empty() || !panel->editedDifferences().empty());
    // Undo removes the last edit; Clear edits goes back to the original.
    QVERIFY(panel->undoAction()->isEnabled());
    panel->undoAction()->trigger();
    QVERIFY(waitForDecode(*w, one));
    panel->clearAction()->trigger();
    QVERIFY(waitForDecode(*w, {}));
    QVERIFY(!w->controller()->originalTrace());
    QCOMPARE(w->translationText().toStdString(), original);
    QVERIFY(panel->originalText().isEmpty() && !panel->clearAction()->isEnabled());
    // A new sentence drops the edits: positions belong to the old one.
    w->controller()->setIntervention(one);
    QVERIFY(waitForDecode(*w, one));
    w->setSentence(QStringLiteral("a dog sat on the mat"));
    QVERIFY(w->controller()->intervention().empty() && !w->controller()->canUndoIntervention());
}

void TestIntervene::testAblateHeads()
{
    auto w = openWindow(QStringLiteral("transformer"));
    QVERIFY(w);
    HeadGridView *grid = w->headGrid()->view();
    const int layers = grid->data().layers;
    QVERIFY(layers >= 1 && grid->data().heads > 1);
    // Ctrl+click switches a head off; the cell is drawn crossed.
    const QRectF cell = grid->layout().cellRect(layers - 1, 1);
    QVERIFY(grid->cellToolTip(layers - 1, 1).contains(QStringLiteral("switch it off")));
    QTest::mouseClick(grid, Qt::LeftButton, Qt::ControlModifier, cell.center().toPoint());
    Intervention expected{{}, {}, {{layers - 1, 1}}};
    QVERIFY(waitForDecode(*w, expected));
    QVERIFY(grid->data().isAblated(layers - 1, 1) && !grid->data().isAblated(layers - 1, 0));
    QVERIFY(grid->cellToolTip(layers - 1, 1).contains(QStringLiteral("switched off")));
    QVERIFY(w->traceModel()->currentNode()->crossOutputs.size() > 0);
    // The context menu switches the whole layer off.
    std::unique_ptr<QMenu> menu(grid->contextMenuAt(grid->layout().cellRect(0, 0).center()));
    QVERIFY(menu);
    auto *head = menu->findChild<QAction *>(QStringLiteral("ablateHead"));
    auto *layer = menu->findChild<QAction *>(QStringLiteral("ablateLayer"));
    QVERIFY(head && layer && !head->isChecked() && !layer->isChecked());
    layer->setChecked(true);
    expected.ablatedHeads.push_back({0, -1});
    QVERIFY(waitForDecode(*w, expected));
    for (int h = 0; h < grid->data().heads; ++h)
        QVERIFY(grid->data().isAblated(0, h));
    // And Ctrl+click on the switched-off head switches it back on.
    QTest::mouseClick(grid, Qt::LeftButton, Qt::ControlModifier, cell.center().toPoint());
    expected.ablatedHeads = {{0, -1}};
    QVERIFY(waitForDecode(*w, expected));
}

void TestIntervene::testSessionKeepsEdits()
{
    // The JSON round trip, weights edits too.
    Session s;
    s.sentence = QStringLiteral("the cat");
    AttentionEdit spread;
    spread.step = 1;
    spread.layer = 0;
    spread.weights = Vector::Constant(3, 1.0f / 3);
    s.intervention = {{AttentionEdit::oneHot(0, 2, -1, 1), spread}, {1}, {{0, 2}, {1, -1}}};
    auto back = sessionFromJson(sessionToJson(s));
    QVERIFY(back);
    QCOMPARE(back->intervention, s.intervention);
    QVERIFY(!sessionToJson(Session{}).contains("intervention")); // no edits, no field

    // The window saves its edits and a new window decodes with them.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("edits.json"));
    Intervention iv;
    {
        auto w = openWindow(QStringLiteral("additive"));
        QVERIFY(w);
        iv = {{AttentionEdit::oneHot(1, 0)}, {2}, {}};
        w->controller()->setIntervention(iv, 1);
        QVERIFY(waitForDecode(*w, iv));
        QCOMPARE(w->captureSession().intervention, iv);
        QVERIFY(w->saveSessionFile(path));
    }
    auto w = openWindow(QStringLiteral("transformer"));
    QVERIFY(w);
    QVERIFY(w->openSessionFile(path));
    QVERIFY(waitForDecode(*w, iv));
    QCOMPARE(w->traceModel()->trace()->model, std::string("additive"));
    QVERIFY(w->traceModel()->nodeAtStep(1)->edited);
    QVERIFY(!w->interventionPanel()->originalText().isEmpty());
}

void TestIntervene::testSessionKeepsUndo()
{
    // The undo list goes through JSON (version 2) oldest first.
    Session s;
    AttentionEdit spread;
    spread.weights = Vector::Constant(4, 0.25f);
    s.interventionHistory = {{}, {{AttentionEdit::oneHot(0, 1)}, {}, {}}, {{spread}, {2}, {{0, -1}}}};
    s.intervention = {{spread}, {2}, {}};
    auto back = sessionFromJson(sessionToJson(s));
    QVERIFY(back);
    QCOMPARE(back->interventionHistory, s.interventionHistory);
    QVERIFY(sessionToJson(s).contains("\"version\": 3"));
    QVERIFY(!sessionToJson(Session{}).contains("intervention_history"));
    // A bad entry is refused by name.
    auto bad = sessionFromJson(R"({"format":"alignscope-session","version":2,"intervention_history":[{},{"dropped_source":[-1]}]})");
    QVERIFY(!bad);
    QVERIFY(QString::fromStdString(bad.error().message).contains(QStringLiteral("\"intervention_history\" entry 2")));
    QVERIFY(!sessionFromJson(R"({"format":"alignscope-session","version":2,"intervention_history":{}})"));

    // The window: three edits, saved, reopened in a new window; Undo steps back through each.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("undo.json"));
    std::vector<Intervention> states;
    {
        auto w = openWindow(QStringLiteral("additive"));
        QVERIFY(w);
        const int n = w->traceModel()->sourceLength();
        Vector shaped = Vector::Constant(n, 0.5f / float(n - 1));
        shaped[1] = 0.5f;
        Intervention iv;
        iv = withOneHot(iv, 0, 2, {}, 1, 1);
        states.push_back(iv);
        iv = withDropped(iv, 0);
        states.push_back(iv);
        iv = withReshaped(iv, 1, shaped, {}, 1, 1);
        states.push_back(iv);
        for (const Intervention &state : states) {
            w->controller()->setIntervention(state, 1);
            QVERIFY(waitForDecode(*w, state));
        }
        QVERIFY(w->saveSessionFile(path));
    }
    auto w = openWindow(QStringLiteral("transformer"));
    QVERIFY(w);
    QVERIFY(w->openSessionFile(path));
    QVERIFY(waitForDecode(*w, states.back()));
    QCOMPARE(w->traceModel()->trace()->model, std::string("additive"));
    QAction *undo = w->interventionPanel()->undoAction();
    for (int i = int(states.size()) - 2; i >= -1; --i) {
        QVERIFY(undo->isEnabled());
        undo->trigger();
        QVERIFY(waitForDecode(*w, i >= 0 ? states[size_t(i)] : Intervention{}));
    }
    QVERIFY(!undo->isEnabled() && !w->controller()->canUndoIntervention());

    // A version 1 session (no history): its edits open and one Undo goes back to the model's own.
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QJsonObject old = QJsonDocument::fromJson(f.readAll()).object();
    f.close();
    old.insert(QStringLiteral("version"), 1);
    old.remove(QStringLiteral("intervention_history"));
    const QString v1 = dir.filePath(QStringLiteral("v1.json"));
    QFile out(v1);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(QJsonDocument(old).toJson());
    out.close();
    QVERIFY(w->openSessionFile(v1));
    QVERIFY(waitForDecode(*w, states.back()));
    QCOMPARE(w->controller()->interventionHistory().size(), size_t(1));
    undo->trigger();
    QVERIFY(waitForDecode(*w, {}));
}

void TestIntervene::testSessionAtStart()
{
    // As `alignscope --session FILE` does: opened while the start-up model is still loading.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("start.json"));
    Session s;
    s.model = QStringLiteral("transformer");
    s.sentence = MainWindow::seedSentence();
    s.step = 1;
    s.intervention = {{AttentionEdit::oneHot(1, 5, 1, -1)}, {}, {{0, 2}}};
    QVERIFY(saveSession(s, path));
    MainWindow w;
    w.show();
    QVERIFY(w.openSessionFile(path));
    QVERIFY2(waitForDecode(w, s.intervention), qPrintable(w.messageBar()->text()));
    QCOMPARE(w.traceModel()->trace()->model, std::string("transformer"));
}

void TestIntervene::testSessionRejectsBadIntervention()
{
    const QByteArray bad[] = {
        R"({"format":"alignscope-session","version":1,"intervention":[1]})",
        R"({"format":"alignscope-session","version":1,"intervention":{"edits":[{"step":-2,"layer":-1,"head":-1,"position":0}]}})",
        R"({"format":"alignscope-session","version":1,"intervention":{"edits":[{"step":0,"layer":-1,"head":-1,"position":-1}]}})",
        R"({"format":"alignscope-session","version":1,"intervention":{"dropped_source":["x"]}})",
        R"({"format":"alignscope-session","version":1,"intervention":{"ablated_heads":[{"layer":-1,"head":0}]}})",
    };
    for (const QByteArray &json : bad) {
        auto s = sessionFromJson(json);
        QVERIFY2(!s, json.constData());
        QVERIFY(QString::fromStdString(s.error().message).contains(QStringLiteral("intervention")));
    }
}

void TestIntervene::testWhichHeadsMatter()
{
    auto w = openWindow(QStringLiteral("transformer"));
    QVERIFY(w);
    HeadImportancePanel *panel = w->headGrid()->importance();
    QVERIFY(panel->view()->empty());
    QSignalSpy finished(panel, &HeadImportancePanel::finished);
    panel->runAction()->trigger();
    QVERIFY(panel->running() && !panel->runAction()->isEnabled());
    QVERIFY(finished.wait(60000));
    QVERIFY(!panel->running() && panel->runAction()->isEnabled());
    const DecodeTrace *t = w->traceModel()->trace();
    const HeadImportance &m = panel->view()->importance();
    QCOMPARE(m.layers, t->layers());
    QCOMPARE(m.heads, t->heads());
    QCOMPARE(m.sentences, 1);
    // The grid is core's: the same numbers as headImportance on the sentence.
    auto direct = headImportance(*w->controller()->model(), {w->controller()->sentence().toStdString()});
    QVERIFY(direct);
    QVERIFY((direct->drop - m.drop).cwiseAbs().maxCoeff() < 1e-5f);
    QVERIFY(panel->view()->cellToolTip(0, 0).contains(QStringLiteral("falls by")));
    QVERIFY(panel->view()->cellToolTip(0, m.heads).contains(QStringLiteral("every head")));
    QVERIFY(panel->status()->text().contains(QStringLiteral("Matters most")));
}

void TestIntervene::testWhichHeadsMatterCancel()
{
    auto w = openWindow(QStringLiteral("transformer"));
    QVERIFY(w);
    HeadImportancePanel *panel = w->headGrid()->importance();
    panel->testSentences()->setValue(500);
    QSignalSpy finished(panel, &HeadImportancePanel::finished);
    panel->runAction()->trigger();
    QVERIFY(panel->progressBar()->isVisibleTo(panel) && panel->cancelButton()->isVisibleTo(panel));
    QTest::mouseClick(panel->cancelButton(), Qt::LeftButton);
    QCOMPARE(finished.count(), 1);
    QVERIFY(!panel->running() && panel->runAction()->isEnabled());
    QCOMPARE(panel->status()->text(), QStringLiteral("Cancelled."));
    QVERIFY(panel->view()->empty());
}

QTEST_MAIN(TestIntervene)
#include "testintervene.moc"
