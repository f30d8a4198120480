// The speech view in the window (issue 20), offscreen: the Whisper fixture
// folder and a short clip give the spectrogram (the size of the source's),
// the current step's cross-attention over the clip's frames, word boxes from
// core's word timestamps and the playback controls (disabled with the reason
// when they cannot play); a text model refuses a clip in one message; a
// dropped clip is transcribed; a new sentence returns to text.

#include "decode/tracemodel.h"
#include "mainwindow/mainwindow.h"
#include "ui/windowtest.h"
#include "speech/clipplayer.h"
#include "speech/speechview.h"
#include "attention/heatmapview.h"
#include "attention/selfattentionview.h"
#include "widgets/messagebar.h"

#include "alignscope/audio.h"
#include "alignscope/decode.h"
#include "alignscope/model.h"
#include "alignscope/timestamps.h"

#include <QAction>
#include <QLabel>
#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QMimeData>
#include <QSettings>
#include <QTemporaryDir>
#include <QDir>
#include <QtTest>

#include <functional>

using namespace alignscope;
using namespace alignscope::ui;
using alignscope::testing::openWindowWith;
using alignscope::testing::waitFor;

class TestSpeech : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init() { QSettings().clear(); }
    void testClipInTheSpeechView();
    void testDroppedClip();
    void testSessionKeepsTheClip();
    void testTextModelRefusesAudio();
    void testClipWhileModelLoads();
    void testBundledSpeechModelStartsOnItsSample();
    void testTimestampTokens();

private:
    static QString data(const char *path) { return QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/") + QLatin1String(path); }
    /// Waits for the decode of `clip` (its trace: an audio source).
    static bool waitForClip(MainWindow &w, const QString &clip);
};

void TestSpeech::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("AlignScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("testspeech"));
}

bool TestSpeech::waitForClip(MainWindow &w, const QString &clip)
{
    return waitFor([&] {
        const DecodeTrace *t = w.traceModel()->trace();
        return t && t->source.kind == SourceKind::Audio && w.controller()->audioPath() == clip
               && !w.controller()->busy();
    });
}

void TestSpeech::testClipInTheSpeechView()
{
    const QString folder = data("hf/whisper/tiny"), clip = data("audio/tone-16k-mono.wav");
    auto w = openWindowWith(folder);
    QVERIFY(w);
    QVERIFY(w->controller()->model()->description().sourceKind == SourceKind::Audio);
    // A Whisper folder reads no sentence: the window says to open a clip.
    QVERIFY(w->findChild<QAction *>(QStringLiteral("openAudio")));
    QVERIFY(w->openAudioFile(clip));
    QVERIFY2(waitForClip(*w, clip), qPrintable(w->messageBar()->text()));
    auto *dock = w->findChild<QDockWidget *>(QStringLiteral("speechDock"));
    QVERIFY(dock && dock->isVisible());
    SpeechView *view = w->speechPanel()->view();
    QVERIFY(view->hasSpeech());
    // The encoder's own attention is not recorded for a clip: the Self-attention panel says so, not "no model".
    QVERIFY2(w->selfAttention()->caption()->text().contains(QStringLiteral("not recorded for clips")),
             qPrintable(w->selfAttention()->caption()->text()));

    // The same clip through core: the spectrogram and the decode the window shows.
    const ModelPtr model = w->controller()->model();
    auto samples = readAudio(clip.toStdString());
    QVERIFY(samples);
    auto source = model->prepareAudio(samples->samples);
    QVERIFY(source);
    const SourceAxis axis = source->axis;
    auto direct = translateSource(*model, std::move(source).value());
    QVERIFY(direct);
    const DecodeTrace &shown = *w->traceModel()->trace();
    QCOMPARE(shown.targetTokens(shown.bestPath()), direct->targetTokens(direct->bestPath()));
    QVERIFY(axis.audioColumns > 0 && axis.audioColumns < axis.size()); // a short clip in a 30 s window
    // One image row per mel band, one column per frame of the clip (not the window's padding).
    QCOMPARE(view->spectrogramImage().height(), int(axis.spectrogram.rows()));
    const int frames = int(std::lround(double(axis.spectrogram.cols()) * axis.audioColumns / axis.size()));
    QCOMPARE(view->spectrogramImage().width(), frames);
    QCOMPARE(view->columns(), axis.audioColumns);
    // The heatmap shows the clip's frames too, not the 30 s window's padding after it.
    QCOMPARE(w->heatmap()->view()->data().columns(), axis.audioColumns);
    QVERIFY(std::abs(view->clipSeconds() - axis.audioColumns * axis.hopSeconds) < 1e-9);
    QVERIFY(std::abs(view->clipSeconds() - samples->seconds()) < 2 * axis.hopSeconds);

    // Each step: the selected head's row over the clip's columns, and the span it listens to.
    TraceModel *m = w->traceModel();
    for (const HeadSelection &selection : {HeadSelection::lastLayerMean(), HeadSelection::of(0, 1)}) {
        m->setSelection(selection);
        for (int s = 0; s < m->stepCount(); ++s) {
            m->setStep(s);
            const Vector row = view->attentionRow();
            const Vector core = direct->nodes[size_t(direct->bestPath()[size_t(s)])].weights(selection);
            QCOMPARE(row.size(), Eigen::Index(axis.audioColumns));
            QVERIFY((row - core.head(axis.audioColumns)).cwiseAbs().maxCoeff() < 1e-6f);
            const TimeSpan span = view->listeningSpan();
            Eigen::Index peak = 0;
            row.maxCoeff(&peak);
            QVERIFY(!span.empty() && span.start <= axis.frameStart(int(peak)) && axis.frameStart(int(peak)) < span.end);
            QVERIFY(span.end <= view->clipSeconds() + 1e-9);
            // Explain's default pick is the clip's largest α, never the window's padding.
            QCOMPARE(m->selectedSource(), int(peak));
        }
    }
    // Word boxes: core's word timestamps of the path shown.
    auto words = wordTimestamps(*direct, direct->bestPath());
    QVERIFY(words);
    QCOMPARE(view->words().size(), words->words.size());
    for (size_t i = 0; i < words->words.size(); ++i) {
        QCOMPARE(view->words()[i].start, words->words[i].start);
        QCOMPARE(view->words()[i].end, words->words[i].end);
    }
    QVERIFY(view->wordsMissing().isEmpty());
    // Time on the x axis: the clip's start and end at the plot's edges.
    QVERIFY(std::abs(view->xOf(0.0) - view->plotRect().left()) < 1e-6);
    QVERIFY(std::abs(view->secondsAt(view->plotRect().right()) - view->clipSeconds()) < 1e-6);
    // Playback: present; disabled with the reason when nothing can play (no Multimedia, no device).
    SpeechPanel *panel = w->speechPanel();
    QCOMPARE(panel->clipFile(), clip);
    for (QAction *a : {panel->playClipAction(), panel->playSpanAction(), panel->stopAction()})
        QVERIFY(a);
    const QString reason = panel->player()->unavailableReason();
    if (reason.isEmpty()) {
        QVERIFY(panel->playClipAction()->isEnabled() && panel->playSpanAction()->isEnabled());
    } else {
        QVERIFY(!panel->playClipAction()->isEnabled() && !panel->playSpanAction()->isEnabled());
        QCOMPARE(panel->playClipAction()->toolTip(), reason);
    }
    // Copy image on the spectrogram: this step's spectrogram figure (one picture: the spectrogram), not a heatmap.
    QAction *copy = nullptr;
    for (QAction *a : view->actions())
        if (a->objectName() == QLatin1String("copySpectrogram"))
            copy = a;
    QVERIFY(copy && copy->isEnabled());
    copy->trigger();
    if (const QMimeData *mime = QApplication::clipboard()->mimeData(); mime && mime->hasImage()) {
        const QByteArray svg = mime->data(QStringLiteral("image/svg+xml"));
        QCOMPARE(int(svg.count("<image")), 1);
        QVERIFY(svg.contains(QStringLiteral("step %1: ").arg(m->step() + 1).toUtf8()));
    }
    // It paints (a grab runs paintEvent): the spectrogram's area is not the empty view's placeholder.
    const QImage shot = view->grab().toImage();
    const QPointF inside = view->plotRect().center();
    QVERIFY(shot.pixelColor(inside.toPoint()) != view->palette().color(QPalette::Base));

    // A new sentence returns to text: the clip is dropped.
    w->setSentence(QStringLiteral("hello"));
    QVERIFY(w->controller()->audioPath().isEmpty());
}

void TestSpeech::testDroppedClip()
{
    auto w = openWindowWith(data("hf/whisper/tiny"));
    QVERIFY(w);
    const QString clip = data("audio/tone-48k.ogg");
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(clip)});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &drop);
    QVERIFY2(waitForClip(*w, clip), qPrintable(w->messageBar()->text() + QStringLiteral(" | ") + w->controller()->audioPath()));
    QVERIFY(w->speechPanel()->view()->hasSpeech());
    QCOMPARE(w->controller()->modelSource(), data("hf/whisper/tiny")); // a clip is not a model
}

void TestSpeech::testSessionKeepsTheClip()
{
    QTemporaryDir dir;
    const QString session = dir.filePath(QStringLiteral("clip.json"));
    const QString folder = data("hf/whisper/tiny"), clip = data("audio/tone-48k.ogg");
    {
        auto w = openWindowWith(folder);
        QVERIFY(w);
        QVERIFY(w->openAudioFile(clip));
        QVERIFY(waitForClip(*w, clip));
        QVERIFY(w->saveSessionFile(session));
    }
    // A fresh window: the session's model loads, then its clip is transcribed again.
    MainWindow w;
    w.show();
    QVERIFY(waitFor([&] { return w.controller()->model() && !w.controller()->loading() && !w.controller()->busy(); }));
    QVERIFY(w.openSessionFile(session));
    QVERIFY2(waitForClip(w, clip), qPrintable(w.messageBar()->text()));
    QCOMPARE(w.controller()->modelSource(), folder);
    QVERIFY(w.speechPanel()->view()->hasSpeech());
}

void TestSpeech::testTextModelRefusesAudio()
{
    const auto names = bundledModelNames();
    if (std::find(names.begin(), names.end(), "additive") == names.end())
        QSKIP("needs the bundled additive model");
    auto w = openWindowWith(QStringLiteral("additive"));
    QVERIFY(w);
    const std::string before = w->traceModel()->trace()->translation(w->traceModel()->trace()->bestPath());
    QVERIFY(!w->openAudioFile(data("audio/tone-16k-mono.wav")));
    QVERIFY(w->messageBar()->text().contains(QStringLiteral("reads text, not audio")));
    QVERIFY(w->controller()->audioPath().isEmpty());
    QVERIFY(!w->speechPanel()->view()->hasSpeech());
    QCOMPARE(w->traceModel()->trace()->translation(w->traceModel()->trace()->bestPath()), before);
}

void TestSpeech::testClipWhileModelLoads()
{
    // As `alignscope FOLDER --audio CLIP` does: the clip waits for its model.
    MainWindow w;
    w.show();
    const QString folder = data("hf/whisper/tiny"), clip = data("audio/tone-16k-mono.wav");
    w.controller()->loadModel(folder);
    QVERIFY(w.controller()->loading());
    QVERIFY(w.openAudioFile(clip));
    QVERIFY2(waitForClip(w, clip), qPrintable(w.messageBar()->text()));
    QCOMPARE(w.controller()->modelSource(), folder);
    QVERIFY(w.speechPanel()->view()->hasSpeech());
}

void TestSpeech::testBundledSpeechModelStartsOnItsSample()
{
    const auto names = bundledModelNames(SourceKind::Audio);
    if (std::find(names.begin(), names.end(), "speech") == names.end())
        QSKIP("needs the bundled speech model");
    // Picked like any bundled model, it hears its sample clip at once: the Speech tab works out of the box.
    auto w = openWindowWith(QStringLiteral("speech"));
    QVERIFY(w);
    const QString sample = QDir(QString::fromStdString(bundledModelsDir())).filePath(QStringLiteral("speech-sample.wav"));
    QVERIFY2(waitForClip(*w, sample), qPrintable(w->messageBar()->text()));
    const DecodeTrace &shown = *w->traceModel()->trace();
    QCOMPARE(shown.translation(shown.bestPath()), std::string("the cat sat on the mat"));
    SpeechView *view = w->speechPanel()->view();
    QVERIFY(view->hasSpeech());
    QCOMPARE(view->words().size(), size_t(6)); // one box per word on the time axis
    for (size_t i = 1; i < view->words().size(); ++i)
        QVERIFY(view->words()[i].start >= view->words()[i - 1].start);
    auto *dock = w->findChild<QDockWidget *>(QStringLiteral("speechDock"));
    QVERIFY(dock && dock->isVisible());
}

// The Timestamps button: a Whisper model decodes again predicting its own
// timestamp tokens, drawn as segments; a model without them greys it out.
void TestSpeech::testTimestampTokens()
{
    const QString folder = data("hf/whisper/tiny"), clip = data("hf/whisper/tiny/audio.wav");
    auto w = openWindowWith(folder);
    QVERIFY(w);
    QVERIFY(w->openAudioFile(clip));
    QVERIFY2(waitForClip(*w, clip), qPrintable(w->messageBar()->text()));
    QAction *timestamps = w->speechPanel()->timestampsAction();
    QVERIFY(timestamps->isEnabled() && !timestamps->isChecked());
    SpeechView *view = w->speechPanel()->view();
    QVERIFY(view->segments().empty());
    const auto hasTime = [&] {
        const DecodeTrace *t = w->traceModel()->trace();
        const auto path = t->bestPath();
        return std::any_of(path.begin(), path.end(),
                           [&](int n) { return t->nodes[size_t(n)].tokenId >= t->timestampBegin; });
    };
    QVERIFY(!hasTime());
    timestamps->setChecked(true);
    QVERIFY(w->controller()->timestamps());
    QVERIFY(waitFor([&] { return !w->controller()->busy() && hasTime(); }));
    // The same decode as core's with DecodeOptions::timestamps, and its segments along the top.
    const DecodeTrace &shown = *w->traceModel()->trace();
    auto samples = readAudio(clip.toStdString());
    QVERIFY(samples);
    auto source = w->controller()->model()->prepareAudio(samples->samples);
    QVERIFY(source);
    DecodeOptions options;
    options.timestamps = true;
    auto direct = translateSource(*w->controller()->model(), std::move(source).value(), options);
    QVERIFY(direct);
    QCOMPARE(shown.targetTokens(shown.bestPath()), direct->targetTokens(direct->bestPath()));
    QVERIFY(!view->segments().empty());
    QCOMPARE(view->segments().front().start, 0.02); // the tiny fixture opens with <|0.02|>
    QVERIFY(std::abs(view->segments().back().end - view->clipSeconds()) < 0.021);
    view->resize(720, 320);
    QImage drawn(view->size(), QImage::Format_ARGB32);
    view->render(&drawn); // draws the segments without complaint
    timestamps->setChecked(false);
    QVERIFY(waitFor([&] { return !w->controller()->busy() && !hasTime(); }));
    QVERIFY(view->segments().empty());

    // The bundled speech model has no timestamp tokens.
    const auto names = bundledModelNames(SourceKind::Audio);
    if (std::find(names.begin(), names.end(), "speech") == names.end())
        return;
    auto s = openWindowWith(QStringLiteral("speech"));
    QVERIFY(s);
    const QString sample = QDir(QString::fromStdString(bundledModelsDir())).filePath(QStringLiteral("speech-sample.wav"));
    QVERIFY(waitForClip(*s, sample));
    QVERIFY(!s->speechPanel()->timestampsAction()->isEnabled());
}

QTEST_MAIN(TestSpeech)
#include "testspeech.moc"
