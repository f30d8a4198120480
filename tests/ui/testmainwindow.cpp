// TestMainWindow: the window as a user meets it — opens on the seed
// sentence, steps with the keyboard, marks unknown words, forces a
// candidate, reports errors in the window.

#include "attention/beamtreeview.h"
#include "attention/heatmapview.h"
#include "mainwindow/mainwindow.h"
#include "training/trainingpanel.h"
#include "widgets/messagebar.h"
#include "widgets/sentenceedit.h"
#include "attention/topkview.h"

#include "alignscope/decode.h"

#include <QAction>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTimer>
#include <QTest>

#include <memory>

using namespace alignscope;
using namespace alignscope::ui;

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void testFitsLaptopScreen();
    void testOpensWithBundledModelAndSeed();
    void testTypingAndArrowKeysStep();
    void testHighlightedRowFollowsStep();
    void testClickingCandidateChangesContinuation();
    void testOovWordsUnderlined();
    void testEmptySentenceShowsMessage();
    void testBadModelFileShowsMessage();
    void testBeamTreeClickSelectsHypothesis();
    void testSettingsPersist();
    void testPlayStepsAndStopsAtLastStep();
    void testDroppingModelFileOpensIt();
    void testOpeningPyTorchCheckpoint();
    void testDroppingCheckpointWithoutVocabularySaysWhere();
    void testTenThousandTokenSentence();

private:
    void waitForSentence(const QString &sentence);
    void submit(const QString &sentence);
    /// Drags `path` over the window and drops it there; false when the drag is refused.
    bool dropOnWindow(const QString &path);
    HeatmapView *heatmap() const { return m_window->heatmap()->view(); }

    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindow::initTestCase()
{
    // Keep the user's real settings out of the tests.
    QCoreApplication::setOrganizationName(QStringLiteral("AlignScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("testmainwindow"));
}

void TestMainWindow::init()
{
    QSettings().clear();
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1280, 820);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindow::cleanup()
{
    m_window.reset();
}

void TestMainWindow::waitForSentence(const QString &sentence)
{
    TraceModel *t = m_window->traceModel();
    QTRY_VERIFY_WITH_TIMEOUT(!t->isEmpty() && QString::fromStdString(t->trace()->source.text) == sentence, 20000);
}

void TestMainWindow::submit(const QString &sentence)
{
    QLineEdit *edit = m_window->sentenceEdit()->lineEdit();
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, sentence);
    QTest::keyClick(edit, Qt::Key_Return);
}

bool TestMainWindow::dropOnWindow(const QString &path)
{
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    const QPoint at = m_window->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &enter);
    if (!enter.isAccepted())
        return false;
    QDropEvent drop(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &drop);
    return true;
}

void TestMainWindow::testOpensWithBundledModelAndSeed()
{
    waitForSentence(MainWindow::seedSentence());
    QCOMPARE(m_window->sentenceEdit()->text(), MainWindow::seedSentence());
    if (!bundledModelNames().empty())
        QCOMPARE(m_window->controller()->modelSource(), QStringLiteral("additive"));
    QVERIFY(m_window->modelPicker()->currentIndex() >= 0);
    QCOMPARE(m_window->traceModel()->step(), 0); // "step 1"
    QCOMPARE(heatmap()->data().visibleRows, 1);
    QCOMPARE(heatmap()->data().currentRow, 0);
    QVERIFY(!m_window->translationText().isEmpty());
    QVERIFY(m_window->messageBar()->text().isEmpty() || m_window->messageBar()->kind() == MessageBar::Kind::Info);
}

void TestMainWindow::testTypingAndArrowKeysStep()
{
    waitForSentence(MainWindow::seedSentence());
    submit(QStringLiteral("the dog sat on the mat"));
    waitForSentence(QStringLiteral("the dog sat on the mat"));
    TraceModel *t = m_window->traceModel();
    QVERIFY(t->stepCount() >= 3);
    QCOMPARE(t->step(), 0);
    QWidget *focus = QApplication::focusWidget();
    QVERIFY(focus);
    QTest::keyClick(focus, Qt::Key_Right);
    QCOMPARE(t->step(), 1);
    QTest::keyClick(focus, Qt::Key_Right);
    QCOMPARE(t->step(), 2);
    QTest::keyClick(focus, Qt::Key_Left);
    QCOMPARE(t->step(), 1);
    QTest::keyClick(focus, Qt::Key_End);
    QCOMPARE(t->step(), t->stepCount() - 1);
    QTest::keyClick(focus, Qt::Key_Home);
    QCOMPARE(t->step(), 0);
}

void TestMainWindow::testHighlightedRowFollowsStep()
{
    waitForSentence(MainWindow::seedSentence());
    TraceModel *t = m_window->traceModel();
    heatmap()->setFocus();
    const QColor accent = heatmap()->palette().color(QPalette::Highlight);
    for (int s = 0; s < std::min(3, t->stepCount()); ++s) {
        t->setStep(s);
        QCOMPARE(heatmap()->data().visibleRows, s + 1);
        QCOMPARE(heatmap()->data().currentRow, s);
        // The highlight frame is drawn on the current row's left edge, and
        // the row below it is not painted yet.
        const QImage image = heatmap()->viewport()->grab().toImage();
        const QRectF cell = heatmap()->cellRect(s, 0);
        const QPoint edge(int(cell.left() + 1.5), int(cell.center().y()));
        QCOMPARE(QColor(image.pixel(edge * image.devicePixelRatio())).name(), accent.name());
        if (s + 1 < t->stepCount()) {
            const QRectF next = heatmap()->cellRect(s + 1, 0);
            const QColor below = image.pixel((next.center() * image.devicePixelRatio()).toPoint());
            const QColor base = heatmap()->palette().color(QPalette::Base);
            QVERIFY2(qAbs(below.lightness() - base.lightness()) < 30, "future rows stay blank");
        }
    }
}

void TestMainWindow::testClickingCandidateChangesContinuation()
{
    waitForSentence(MainWindow::seedSentence());
    TraceModel *t = m_window->traceModel();
    QVERIFY(t->stepCount() >= 2);
    t->setStep(1);
    const DecodeNode before = *t->currentNode();
    const QString translationBefore = m_window->translationText();
    TopKView *topk = m_window->topK();
    int pick = -1;
    for (int i = 0; i < topk->candidateCount(); ++i)
        if (before.topk[size_t(i)].id != before.tokenId && before.topk[size_t(i)].token != "<eos>") {
            pick = i;
            break;
        }
    QVERIFY(pick >= 0);
    const int forcedId = before.topk[size_t(pick)].id;
    QTest::mouseClick(topk, Qt::LeftButton, {}, topk->candidateRect(pick).center().toPoint());
    QTRY_VERIFY_WITH_TIMEOUT(t->nodeAtStep(1) && t->nodeAtStep(1)->tokenId == forcedId, 20000);
    QVERIFY(t->nodeAtStep(1)->forced);
    QCOMPARE(t->step(), 1);
    QVERIFY(m_window->translationText() != translationBefore);
}

void TestMainWindow::testOovWordsUnderlined()
{
    waitForSentence(MainWindow::seedSentence());
    const QString sentence = QStringLiteral("the zyzzyvaqx sat");
    submit(sentence);
    waitForSentence(sentence);
    SentenceEdit *edit = m_window->sentenceEdit();
    QTRY_VERIFY(!edit->oovRanges().isEmpty());
    QVERIFY(edit->oovRanges().contains(qMakePair(4, 9)));
    QVERIFY(edit->toolTip().contains(QStringLiteral("&lt;unk&gt;")));
    QVERIFY(edit->toolTip().contains(QStringLiteral("zyzzyvaqx")));
    // The heatmap marks the same column.
    const HeatmapData &d = heatmap()->data();
    QVERIFY(d.oovColumn[size_t(d.columnOfSource(1))]);
}

void TestMainWindow::testEmptySentenceShowsMessage()
{
    waitForSentence(MainWindow::seedSentence());
    submit(QString());
    // (An info notice may already be showing, e.g. "no bundled model".)
    QTRY_VERIFY_WITH_TIMEOUT(m_window->messageBar()->kind() == MessageBar::Kind::Warning
                                 && !m_window->messageBar()->text().isEmpty(), 20000);
    QVERIFY(m_window->traceModel()->isEmpty());
    submit(QStringLiteral("the cat"));
    waitForSentence(QStringLiteral("the cat"));
    QVERIFY(m_window->messageBar()->kind() != MessageBar::Kind::Warning
            || m_window->messageBar()->text().isEmpty()); // a good decode clears the warning
}

void TestMainWindow::testBadModelFileShowsMessage()
{
    waitForSentence(MainWindow::seedSentence());
    const QString modelBefore = m_window->controller()->modelSource();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("broken.safetensors"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a model");
    f.close();
    m_window->openModelFile(path);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->messageBar()->kind() == MessageBar::Kind::Error
                                 && !m_window->messageBar()->text().isEmpty(), 20000);
    QVERIFY(m_window->messageBar()->text().contains(QStringLiteral("broken.safetensors")));
    QCOMPARE(m_window->controller()->modelSource(), modelBefore);
    QVERIFY(!m_window->traceModel()->isEmpty());
}

void TestMainWindow::testBeamTreeClickSelectsHypothesis()
{
    waitForSentence(MainWindow::seedSentence());
    auto *strategy = m_window->findChildren<QComboBox *>().at(0);
    for (QComboBox *c : m_window->findChildren<QComboBox *>())
        if (c->findText(QStringLiteral("Beam search")) >= 0)
            strategy = c;
    QSignalSpy ready(m_window->controller(), &DecodeController::traceReady);
    strategy->setCurrentIndex(1);
    QTRY_VERIFY_WITH_TIMEOUT(ready.count() >= 1, 20000);
    const DecodeTrace *trace = m_window->traceModel()->trace();
    if (trace->hypotheses.size() < 2)
        QSKIP("the beam found a single hypothesis");
    const int other = trace->hypotheses[1].node;
    BeamTreeView *tree = m_window->beamTree();
    QTest::mouseClick(tree, Qt::LeftButton, {}, tree->nodeRect(other).center().toPoint());
    QCOMPARE(m_window->traceModel()->path().back(), other);
    QCOMPARE(m_window->traceModel()->step(), trace->nodes[size_t(other)].step);
    QCOMPARE(heatmap()->data().rows(), int(trace->path(other).size()));
}

void TestMainWindow::testSettingsPersist()
{
    waitForSentence(MainWindow::seedSentence());
    submit(QStringLiteral("the cat sat"));
    waitForSentence(QStringLiteral("the cat sat"));
    m_window->heatmap()->colormapPicker()->setCurrentIndex(int(ColormapKind::Magma));
    // The training form too: the next session starts from the last run's choices.
    auto *training = m_window->findChild<TrainingPanel *>();
    QVERIFY(training);
    TrainingSetup chosen = training->setup();
    chosen.task = TrainingSetup::Task::Dates;
    chosen.encoder = QStringLiteral("lstm");
    chosen.decoder = DecoderKind::Luong;
    chosen.scorer = ScorerKind::General;
    chosen.local = LocalMode::Predictive;
    chosen.window = 5;
    chosen.epochs = 7;
    chosen.batchSize = 48;
    chosen.learningRate = 0.002;
    chosen.hidden = 96;
    chosen.embedding = 24;
    chosen.trainSize = 1234;
    chosen.threads = 1;
    chosen.snapshotEvery = 9;
    chosen.watched = QStringLiteral("the dog sleeps");
    chosen.outPath = QStringLiteral("/tmp/persisted.safetensors");
    training->setSetup(chosen);
    m_window->close(); // saves
    m_window = std::make_unique<MainWindow>();
    waitForSentence(QStringLiteral("the cat sat"));
    QCOMPARE(heatmap()->options().colormap, ColormapKind::Magma);
    QVERIFY(m_window->sentenceEdit()->history().contains(QStringLiteral("the cat sat")));
    const TrainingSetup restored = m_window->findChild<TrainingPanel *>()->setup();
    QCOMPARE(int(restored.task), int(chosen.task));
    QCOMPARE(restored.encoder, chosen.encoder);
    QCOMPARE(int(restored.decoder), int(chosen.decoder));
    QCOMPARE(int(restored.scorer), int(chosen.scorer));
    QCOMPARE(int(restored.local), int(chosen.local));
    QCOMPARE(restored.window, chosen.window);
    QCOMPARE(restored.epochs, chosen.epochs);
    QCOMPARE(restored.batchSize, chosen.batchSize);
    QCOMPARE(restored.learningRate, chosen.learningRate);
    QCOMPARE(restored.hidden, chosen.hidden);
    QCOMPARE(restored.embedding, chosen.embedding);
    QCOMPARE(restored.trainSize, chosen.trainSize);
    QCOMPARE(restored.threads, chosen.threads);
    QCOMPARE(restored.snapshotEvery, chosen.snapshotEvery);
    QCOMPARE(restored.watched, chosen.watched);
    QCOMPARE(restored.outPath, chosen.outPath);
}

void TestMainWindow::testPlayStepsAndStopsAtLastStep()
{
    waitForSentence(MainWindow::seedSentence());
    TraceModel *t = m_window->traceModel();
    QVERIFY(t->stepCount() >= 3);
    auto *speed = m_window->findChild<QComboBox *>(QStringLiteral("playbackSpeed"));
    auto *play = m_window->findChild<QAction *>(QStringLiteral("playAction"));
    QVERIFY(speed && play);
    speed->setCurrentIndex(speed->count() - 1); // fastest
    t->first();
    // Space plays: the cursor advances on its own.
    QWidget *focus = QApplication::focusWidget() ? QApplication::focusWidget() : m_window.get();
    QTest::keyClick(focus, Qt::Key_Space);
    QVERIFY(play->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(t->step() >= 1, 10000);
    // Space again pauses: the cursor stays where it is.
    QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : m_window.get(), Qt::Key_Space);
    QVERIFY(!play->isChecked());
    const int paused = t->step();
    QTest::qWait(800);
    QCOMPARE(t->step(), paused);
    // Playing to the end stops by itself on the last step.
    play->setChecked(true);
    QTRY_COMPARE_WITH_TIMEOUT(t->step(), t->stepCount() - 1, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(!play->isChecked(), 5000);
}

void TestMainWindow::testDroppingModelFileOpensIt()
{
    if (bundledModelNames().size() < 2)
        QSKIP("needs two bundled models");
    waitForSentence(MainWindow::seedSentence());
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("dropped.safetensors"));
    QVERIFY(QFile::copy(QString::fromStdString(resolveModelPath("dot").value()), path));
    QVERIFY(dropOnWindow(path));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->controller()->modelSource(), path, 20000);
    // The dropped model decodes the sentence and joins the picker.
    QTRY_VERIFY_WITH_TIMEOUT(m_window->modelPicker()->currentText().contains(QStringLiteral("dropped")), 20000);
    waitForSentence(MainWindow::seedSentence());
    QCOMPARE(m_window->translationText(), QStringLiteral("le chat s'est assis sur le tapis"));
}

// A chatbot tutorial checkpoint opens as it is (File ▸ Open model goes through
// openModelFile): vocabulary from its voc_dict, the same translation as the
// model `alignscope-cli import` wrote from it.
void TestMainWindow::testOpeningPyTorchCheckpoint()
{
    waitForSentence(MainWindow::seedSentence());
    QTemporaryDir dir;
    const QString data = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/pytorch/");
    const QString path = dir.filePath(QStringLiteral("chatbot.pt"));
    QVERIFY(QFile::copy(data + QStringLiteral("chatbot_voc_general_h10_l2.pt"), path));
    m_window->openModelFile(path);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->controller()->modelSource(), path, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->modelPicker()->currentText().contains(QStringLiteral("chatbot")), 20000);
    const QString sentence = QStringLiteral("Where is the CAFÉ?");
    m_window->setSentence(sentence);
    waitForSentence(sentence);
    const auto imported = RnnModel::load((data + QStringLiteral("chatbot_voc_general_h10_l2_exported.safetensors")).toStdString());
    QVERIFY(imported);
    const auto expected = translate(imported.value(), sentence.toStdString(), {});
    QVERIFY(expected);
    QCOMPARE(m_window->translationText(), QString::fromStdString(expected->translation(expected->bestPath())));
    QCOMPARE(m_window->traceModel()->trace()->source.labels.back(), std::string("EOS"));
}

void TestMainWindow::testDroppingCheckpointWithoutVocabularySaysWhere()
{
    waitForSentence(MainWindow::seedSentence());
    const QString modelBefore = m_window->controller()->modelSource();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tutorial.pt"));
    QVERIFY(QFile::copy(QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/pytorch/tutorial_h7.pt"), path));
    QVERIFY(dropOnWindow(path));
    QTRY_VERIFY2_WITH_TIMEOUT(m_window->messageBar()->kind() == MessageBar::Kind::Error
                                  && !m_window->messageBar()->text().isEmpty(),
                              qPrintable(m_window->messageBar()->text()), 20000);
    QVERIFY2(m_window->messageBar()->text().contains(dir.filePath(QStringLiteral("tutorial.source-vocab.json"))),
             qPrintable(m_window->messageBar()->text()));
    QCOMPARE(m_window->controller()->modelSource(), modelBefore);
}

void TestMainWindow::testTenThousandTokenSentence()
{
    waitForSentence(MainWindow::seedSentence());
    QStringList words;
    for (int i = 0; i < 10000; ++i)
        words << (i % 2 ? QStringLiteral("cat") : QStringLiteral("the"));
    const QString sentence = words.join(QLatin1Char(' '));
    m_window->setSentence(sentence);
    // The GUI thread keeps handling events while the decode runs elsewhere.
    int ticks = 0;
    QTimer tick;
    connect(&tick, &QTimer::timeout, [&] { ++ticks; });
    tick.start(10);
    TraceModel *t = m_window->traceModel();
    QTRY_VERIFY_WITH_TIMEOUT(!t->isEmpty() && t->trace()->source.text == sentence.toStdString(), 120000);
    QVERIFY(ticks > 0);
    // Bounded: the length guard stops at 1000 steps; the heatmap has every column
    // and paints only what is visible.
    QVERIFY(t->stepCount() <= 1000);
    QCOMPARE(heatmap()->data().columns(), 10001); // + <eos>
    t->last();
    const QImage frame = m_window->grab().toImage();
    QVERIFY(!frame.isNull());
}

// The default layout fits a 1440 × 900 screen with room for a title bar:
// docks tabbed behind the heatmap (compare, training) must not stretch it.
void TestMainWindow::testFitsLaptopScreen()
{
    const QSize needed = m_window->minimumSizeHint();
    QVERIFY2(needed.width() <= 1440 && needed.height() <= 860,
             qPrintable(QStringLiteral("minimum size %1 × %2").arg(needed.width()).arg(needed.height())));
}

QTEST_MAIN(TestMainWindow)
#include "testmainwindow.moc"
