// TestTrainingPanel: training from the window on a tiny EN->FR task. A short
// run finishes, reports progress and joins the model picker; cancel (from a
// paused run) keeps a checkpoint RnnModel::load opens; the snapshot timeline
// holds one entry per snapshot, each the watched sentence's attention; a
// run that cannot start says why.

#include "training/losschart.h"
#include "mainwindow/mainwindow.h"
#include "decode/tracemodel.h"
#include "training/trainingpanel.h"
#include "attention/heatmapview.h"
#include "vision/visionview.h"

#include "alignscope/model.h"
#include "alignscope/transformermodel.h"
#include "common/tonecorpus.h"

#include <QAction>
#include <QSpinBox>
#include <QComboBox>
#include <QFileInfo>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace alignscope;
using namespace alignscope::ui;

namespace {

// Generous: CI machines are shared, and a run here takes a second or two.
constexpr int kTimeout = 120000;

const std::vector<std::string> kWatchedTokens = {"the", "cat", "sat", "on", "the", "mat", "<eos>"};

TrainingSetup tinySetup(const QString &out, int epochs)
{
    TrainingSetup s;
    s.task = TrainingSetup::Task::EnFr;
    s.trainSize = 200;
    s.epochs = epochs;
    s.batchSize = 32;
    s.hidden = 16;
    s.embedding = 16;
    s.learningRate = 0.01;
    s.snapshotEvery = 3;
    s.evalSentences = 10;
    s.outPath = out;
    return s;
}

} // namespace

class TestTrainingPanel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void testShortRunJoinsPicker();
    void testCancelKeepsCheckpoint();
    void testSnapshotTimeline();
    void testFailedRunSaysWhy();
    void testContinueFromCheckpoint();
    void testTrainsATransformer();
    void testTrainsWithSubwords();
    void testTrainsOnScenes();
    void testTrainsOnSpeech();

private:
    QTemporaryDir m_dir;
};

void TestTrainingPanel::initTestCase()
{
    // Keep the user's real settings out of the tests.
    QCoreApplication::setOrganizationName(QStringLiteral("AlignScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("testtrainingpanel"));
    QSettings().clear();
    QVERIFY(m_dir.isValid());
}

void TestTrainingPanel::testShortRunJoinsPicker()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto *panel = window.findChild<TrainingPanel *>();
    QVERIFY(panel);
    QVERIFY(!panel->isVisible());
    window.findChild<QAction *>(QStringLiteral("trainAction"))->trigger();
    QTRY_VERIFY(panel->isVisible());

    const QString out = m_dir.filePath(QStringLiteral("short.safetensors"));
    panel->setSetup(tinySetup(out, 2));
    QSignalSpy progress(panel->controller(), &TrainingController::progressed);
    QSignalSpy estimated(panel->controller(), &TrainingController::estimated);
    QSignalSpy trained(panel, &TrainingPanel::modelTrained);
    QTest::mouseClick(panel->findChild<QPushButton *>(QStringLiteral("trainStart")), Qt::LeftButton);
    QVERIFY(panel->controller()->isBusy());
    QTRY_COMPARE_WITH_TIMEOUT(trained.count(), 1, kTimeout);
    QCOMPARE(trained.first().first().toString(), out);
    QVERIFY(QFileInfo::exists(out));
    QVERIFY(RnnModel::load(out.toStdString()));

    QCOMPARE(estimated.count(), 1);
    QVERIFY(panel->estimateText().contains(QStringLiteral("warm-up")));
    QVERIFY(progress.count() >= 2);
    const auto last = progress.last().first().value<TrainProgress>();
    QVERIFY(last.epochEnd);
    QCOMPARE(last.epoch, 2);
    QCOMPARE(last.step, last.totalSteps);
    QCOMPARE(panel->metricsTable()->rowCount(), 2);
    QCOMPARE(panel->lossChart()->devPoints(), 2);
    QVERIFY(panel->lossChart()->trainPoints() >= 1);
    QVERIFY(panel->statusText().startsWith(QStringLiteral("Finished")));

    // The window opens it like a file it was given: it joins the picker and becomes current.
    QComboBox *picker = window.modelPicker();
    QTRY_VERIFY_WITH_TIMEOUT(picker->findData(out) >= 0, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(window.controller()->modelSource(), out, kTimeout);
    QCOMPARE(picker->currentIndex(), picker->findData(out));
}

void TestTrainingPanel::testCancelKeepsCheckpoint()
{
    TrainingPanel panel;
    panel.resize(1100, 700);
    panel.show();
    const QString out = m_dir.filePath(QStringLiteral("cancelled.safetensors"));
    panel.setSetup(tinySetup(out, 200));
    QSignalSpy progress(panel.controller(), &TrainingController::progressed);
    QSignalSpy failed(panel.controller(), &TrainingController::failed);
    panel.startTraining();
    // After the first epoch its checkpoint is on disk before the next batch starts.
    QTRY_VERIFY_WITH_TIMEOUT(panel.metricsTable()->rowCount() >= 1, kTimeout);

    // Pause parks the worker: no progress while paused.
    panel.togglePause();
    QVERIFY(panel.controller()->isPaused());
    QTest::qWait(300); // lets the batch in flight report
    const int seen = progress.count();
    QTest::qWait(500);
    QCOMPARE(progress.count(), seen);

    // Cancel wakes the paused worker and stops it before its next batch.
    panel.cancelTraining();
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeout);
    QVERIFY(!panel.controller()->isBusy());
    QCOMPARE(failed.first().at(1).toBool(), true);
    const QString checkpoint = failed.first().at(2).toString();
    QCOMPARE(checkpoint, out + QStringLiteral(".ckpt"));
    QVERIFY(!QFileInfo::exists(out)); // a cancelled run saves no model
    auto model = RnnModel::load(checkpoint.toStdString());
    QVERIFY2(model, model ? "" : model.error().message.c_str());
    QVERIFY(panel.statusText().contains(QStringLiteral("Cancelled")));
    QVERIFY(panel.statusText().contains(checkpoint));
    // What the run had stays on screen.
    QVERIFY(panel.metricsTable()->rowCount() >= 1);
    QVERIFY(panel.timeline()->maximum() >= 1);
}

// A cancelled run's checkpoint can be continued from the panel: training
// goes on from the epoch it reached (not from scratch) up to the epochs now
// set, and the model is saved as after an uninterrupted run.
void TestTrainingPanel::testContinueFromCheckpoint()
{
    TrainingPanel panel;
    panel.resize(1100, 700);
    panel.show();
    const QString out = m_dir.filePath(QStringLiteral("continued.safetensors"));
    auto *continueButton = panel.findChild<QPushButton *>(QStringLiteral("trainContinue"));
    QVERIFY(continueButton);
    panel.setSetup(tinySetup(out, 200));
    QVERIFY(!continueButton->isEnabled()); // no checkpoint yet
    QSignalSpy failed(panel.controller(), &TrainingController::failed);
    // Pause as soon as the first epoch ends, then cancel: its checkpoint stays.
    int saved = 0; // the last epoch whose end was reported: the checkpoint's
    connect(panel.controller(), &TrainingController::progressed, &panel, [&](const TrainProgress &p) {
        if (!p.epochEnd)
            return;
        saved = std::max(saved, p.epoch);
        if (!panel.controller()->isPaused())
            panel.togglePause();
    });
    panel.startTraining();
    QTRY_VERIFY_WITH_TIMEOUT(panel.controller()->isPaused(), kTimeout);
    panel.cancelTraining();
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeout);
    disconnect(panel.controller(), &TrainingController::progressed, &panel, nullptr);
    QVERIFY(QFileInfo::exists(out + QStringLiteral(".ckpt")));
    QVERIFY(!QFileInfo::exists(out));
    QVERIFY(continueButton->isEnabled());

    // Continue with the run shortened to two more epochs (any number may be set).
    QVERIFY(saved >= 1);
    TrainingSetup shorter = panel.setup();
    shorter.epochs = saved + 2;
    panel.setSetup(shorter);
    QSignalSpy progress(panel.controller(), &TrainingController::progressed);
    QSignalSpy trained(&panel, &TrainingPanel::modelTrained);
    QTest::mouseClick(continueButton, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(trained.count(), 1, kTimeout);
    QVERIFY(QFileInfo::exists(out));
    QVERIFY(progress.count() >= 1);
    QCOMPARE(progress.first().first().value<TrainProgress>().epoch, saved + 1); // not from scratch
    QCOMPARE(progress.last().first().value<TrainProgress>().epoch, saved + 2);

    // A checkpoint of another model is refused with the reason.
    TrainingSetup other = shorter;
    other.hidden = 24;
    other.outPath = m_dir.filePath(QStringLiteral("other.safetensors"));
    QVERIFY(QFile::copy(out + QStringLiteral(".ckpt"), other.outPath + QStringLiteral(".ckpt")));
    panel.setSetup(other);
    QVERIFY(continueButton->isEnabled());
    failed.clear();
    QTest::mouseClick(continueButton, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeout);
    QVERIFY2(panel.statusText().contains(QStringLiteral("differs")), qPrintable(panel.statusText()));
    QVERIFY(!QFileInfo::exists(other.outPath));
}

void TestTrainingPanel::testSnapshotTimeline()
{
    TrainingPanel panel;
    panel.resize(1100, 700);
    panel.show();
    const QString out = m_dir.filePath(QStringLiteral("timeline.safetensors"));
    panel.setSetup(tinySetup(out, 2));
    QSignalSpy added(panel.controller(), &TrainingController::snapshotAdded);
    QSignalSpy trained(&panel, &TrainingPanel::modelTrained);
    panel.startTraining();
    QTRY_COMPARE_WITH_TIMEOUT(trained.count(), 1, kTimeout);

    // 200 pairs in batches of 32: 7 batches an epoch, 14 in all. Snapshots at
    // step 0 (untrained), every 3rd step and at both epoch ends (7 and 14):
    // 0, 3, 6, 7, 9, 12, 14.
    const auto &snapshots = panel.controller()->snapshots();
    QCOMPARE(int(snapshots.size()), 7);
    QCOMPARE(added.count(), 7);
    QCOMPARE(panel.timeline()->minimum(), 0);
    QCOMPARE(panel.timeline()->maximum(), 6);
    const std::vector<long long> steps = {0, 3, 6, 7, 9, 12, 14};
    for (size_t i = 0; i < snapshots.size(); ++i) {
        const DecodeTrace &t = *snapshots[i].trace;
        QCOMPARE(snapshots[i].step, steps[i]);
        QCOMPARE(t.source.labels, kWatchedTokens);
        const std::vector<int> path = t.bestPath();
        QVERIFY(!path.empty());
        for (int node : path)
            QCOMPARE(int(t.nodes[size_t(node)].weights().size()), int(kWatchedTokens.size()));
    }
    // Live: the heatmap shows the newest snapshot; scrubbing shows older ones.
    QCOMPARE(panel.timeline()->value(), 6);
    QCOMPARE(panel.snapshotTrace()->trace(), snapshots.back().trace.get());
    panel.timeline()->setValue(0);
    QCOMPARE(panel.snapshotTrace()->trace(), snapshots.front().trace.get());
    QCOMPARE(snapshots.front().epoch, 0);
    QCOMPARE(snapshots.back().epoch, 2);
}

void TestTrainingPanel::testFailedRunSaysWhy()
{
    TrainingPanel panel;
    panel.show();
    TrainingSetup s = tinySetup(m_dir.filePath(QStringLiteral("never.safetensors")), 1);
    s.task = TrainingSetup::Task::TsvFile;
    s.file = m_dir.filePath(QStringLiteral("missing.tsv"));
    panel.setSetup(s);
    QSignalSpy failed(panel.controller(), &TrainingController::failed);
    panel.startTraining();
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeout);
    QCOMPARE(failed.first().at(1).toBool(), false);
    QVERIFY2(panel.statusText().contains(QStringLiteral("missing.tsv")), qPrintable(panel.statusText()));
    QVERIFY(!panel.controller()->isBusy());
    QVERIFY(panel.findChild<QPushButton *>(QStringLiteral("trainStart"))->isEnabled());
    QVERIFY(!QFileInfo::exists(s.outPath));
}


// The form's encoder "transformer": a T5-style Transformer of the form's
// layers, heads and width trained by the same trainer; the file it writes
// opens as one, and the snapshots hold every layer's and head's attention.
void TestTrainingPanel::testTrainsATransformer()
{
    TrainingPanel panel;
    panel.resize(1100, 700);
    panel.show();
    const QString out = m_dir.filePath(QStringLiteral("transformer.safetensors"));
    TrainingSetup s = tinySetup(out, 1);
    s.encoder = QStringLiteral("transformer");
    s.layers = 1;
    s.heads = 2;
    s.hidden = 16;
    panel.setSetup(s);
    // The RNN-only rows are off for a Transformer.
    QVERIFY(!panel.findChild<QComboBox *>(QStringLiteral("trainScorer"))->isEnabled());
    QVERIFY(panel.findChild<QSpinBox *>(QStringLiteral("trainHeads"))->isEnabled());
    QCOMPARE(panel.setup().heads, 2);
    QSignalSpy trained(&panel, &TrainingPanel::modelTrained);
    panel.startTraining();
    QTRY_COMPARE_WITH_TIMEOUT(trained.count(), 1, kTimeout);
    auto model = TransformerModel::load(out.toStdString());
    QVERIFY2(model, model ? "" : model.error().message.c_str());
    QCOMPARE(model->spec().heads, 2);
    QCOMPARE(model->spec().decoderLayers, 1);
    QVERIFY(model->spec().norm == TransformerSpec::Norm::Rms);
    QVERIFY(model->spec().positions == TransformerSpec::Positions::Relative);
    const auto &snapshots = panel.controller()->snapshots();
    QVERIFY(snapshots.size() >= 2);
    QCOMPARE(snapshots.back().trace->heads(), 2);
    QVERIFY(!snapshots.back().trace->encoderSelf.empty());
    // Back to an RNN: its rows come back, the rate returns to the RNN default.
    panel.findChild<QComboBox *>(QStringLiteral("trainEncoder"))->setCurrentText(QStringLiteral("bigru"));
    QVERIFY(panel.findChild<QComboBox *>(QStringLiteral("trainScorer"))->isEnabled());
    QVERIFY(!panel.findChild<QSpinBox *>(QStringLiteral("trainHeads"))->isEnabled());
}

void TestTrainingPanel::testTrainsOnScenes()
{
    TrainingPanel panel;
    panel.resize(1100, 700);
    panel.show();
    const QString out = m_dir.filePath(QStringLiteral("scenes.safetensors"));
    TrainingSetup s = tinySetup(out, 1);
    s.task = TrainingSetup::Task::Scenes;
    s.trainSize = 64;
    s.layers = 1;
    s.heads = 2;
    s.hidden = 16;
    s.encoder = QStringLiteral("bigru"); // pictures are read by a Transformer whatever the encoder row says
    panel.setSetup(s);
    auto *encoder = panel.findChild<QComboBox *>(QStringLiteral("trainEncoder"));
    QCOMPARE(encoder->currentText(), QStringLiteral("transformer"));
    QVERIFY(!encoder->isEnabled());
    QVERIFY(!panel.findChild<QLineEdit *>(QStringLiteral("trainWatched"))->isEnabled());
    QVERIFY(panel.setup().transformer());
    QSignalSpy trained(&panel, &TrainingPanel::modelTrained);
    panel.startTraining();
    QTRY_COMPARE_WITH_TIMEOUT(trained.count(), 1, kTimeout);
    // The model reads pictures as the scenes task draws them.
    auto model = openModel(out.toStdString());
    QVERIFY2(model, model ? "" : model.error().message.c_str());
    QVERIFY(model.value()->description().sourceKind == SourceKind::Image);
    // Every snapshot is the first dev scene's caption; the watched picture shows it with the attention over it.
    const auto &snapshots = panel.controller()->snapshots();
    QVERIFY(snapshots.size() >= 2);
    for (const TrainingSnapshot &snap : snapshots) {
        QVERIFY(snap.trace->source.kind == SourceKind::Image);
        QCOMPARE(snap.trace->source.image.pixels, snapshots.front().trace->source.image.pixels);
    }
    panel.timeline()->setValue(panel.timeline()->maximum());
    QVERIFY(panel.watchedPicture()->isVisible());
    QVERIFY(panel.watchedPicture()->hasImage());
    QVERIFY(!panel.watchedHeatmap()->isVisible());
    // Back to a text task: the encoder row and the watched sentence come back.
    panel.findChild<QComboBox *>(QStringLiteral("trainTask"))->setCurrentIndex(int(TrainingSetup::Task::EnFr));
    QVERIFY(encoder->isEnabled());
    QVERIFY(panel.findChild<QLineEdit *>(QStringLiteral("trainWatched"))->isEnabled());
}

void TestTrainingPanel::testTrainsOnSpeech()
{
    TrainingPanel panel;
    panel.resize(1100, 700);
    panel.show();
    const QString corpus = testing::writeToneCorpus(m_dir.filePath(QStringLiteral("tones")), 60);
    const QString out = m_dir.filePath(QStringLiteral("tones.safetensors"));
    TrainingSetup s = tinySetup(out, 1);
    s.task = TrainingSetup::Task::SpeechFile;
    s.file = corpus;
    s.layers = 1;
    s.heads = 2;
    s.hidden = 16;
    s.encoder = QStringLiteral("bigru"); // clips are heard by a Transformer whatever the encoder row says
    panel.setSetup(s);
    auto *encoder = panel.findChild<QComboBox *>(QStringLiteral("trainEncoder"));
    QCOMPARE(encoder->currentText(), QStringLiteral("transformer"));
    QVERIFY(!encoder->isEnabled());
    QVERIFY(!panel.findChild<QLineEdit *>(QStringLiteral("trainWatched"))->isEnabled());
    QVERIFY(panel.findChild<QLineEdit *>(QStringLiteral("trainCorpusFile"))->isEnabled());
    QVERIFY(panel.setup().transformer());
    QSignalSpy trained(&panel, &TrainingPanel::modelTrained);
    panel.startTraining();
    QTRY_COMPARE_WITH_TIMEOUT(trained.count(), 1, kTimeout);
    // The model hears clips through the front end it was trained with.
    auto model = openModel(out.toStdString());
    QVERIFY2(model, model ? "" : model.error().message.c_str());
    QVERIFY(model.value()->description().sourceKind == SourceKind::Audio);
    // Every snapshot transcribes the first dev clip; the watched heatmap shows its attention over the frames.
    const auto &snapshots = panel.controller()->snapshots();
    QVERIFY(snapshots.size() >= 2);
    for (const TrainingSnapshot &snap : snapshots) {
        QVERIFY(snap.trace->source.kind == SourceKind::Audio);
        QCOMPARE(snap.trace->source.size(), snapshots.front().trace->source.size());
    }
    panel.timeline()->setValue(panel.timeline()->maximum());
    QVERIFY(panel.watchedHeatmap()->isVisible());
    QVERIFY(!panel.watchedPicture()->isVisible());
}

void TestTrainingPanel::testTrainsWithSubwords()
{
    TrainingPanel panel;
    const QString out = m_dir.filePath(QStringLiteral("bpe.safetensors"));
    TrainingSetup s = tinySetup(out, 1);
    s.tokenizer = QStringLiteral("bpe");
    s.vocabSize = 120;
    panel.setSetup(s);
    auto *size = panel.findChild<QSpinBox *>(QStringLiteral("trainVocabSize"));
    QVERIFY(size->isEnabled());
    QCOMPARE(panel.setup().tokenizer, QStringLiteral("bpe"));
    QCOMPARE(panel.setup().vocabSize, 120);
    QSignalSpy trained(&panel, &TrainingPanel::modelTrained);
    panel.startTraining();
    QTRY_COMPARE_WITH_TIMEOUT(trained.count(), 1, kTimeout);
    auto model = RnnModel::load(out.toStdString());
    QVERIFY2(model, model ? "" : model.error().message.c_str());
    QVERIFY(model->config().sourceTokenizer.mode == TokenizerMode::Bpe);
    QVERIFY(model->config().targetTokenizer.subword != nullptr);
    QVERIFY(model->sourceVocab().size() <= 120 + 4);
    // The word tokenizers have no piece count.
    panel.findChild<QComboBox *>(QStringLiteral("trainTokenizer"))->setCurrentText(QStringLiteral("word"));
    QVERIFY(!size->isEnabled());
    QVERIFY(panel.setup().tokenizer == QStringLiteral("word"));
}

QTEST_MAIN(TestTrainingPanel)
#include "testtrainingpanel.moc"
