// The spectrogram figure (issue #20) of the tiny Whisper fixture's
// transcript: the whole transcript puts one attention row per token under
// the spectrogram on the same time axis; one step draws that token's
// attention on the spectrogram with the span it listens to; PNG, SVG and
// PDF render at the laid-out size; a text decode draws nothing; and
// `alignscope-cli export --audio` writes it.

#include "export/spectrogramfigure.h"

#include "common/clirun.h"

#include "alignscope/audio.h"
#include "alignscope/decode.h"
#include "alignscope/model.h"

#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

using namespace alignscope;
using namespace alignscope::ui;

class TestSpectrogramFigure : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void testWholeTranscript();
    void testOneStep();
    void testRender_data();
    void testRender();
    void testTextTraceDrawsNothing();
    void testCli();

private:
    TraceModel m_model;
};

void TestSpectrogramFigure::initTestCase()
{
    const std::string folder = ALIGNSCOPE_TEST_DATA_DIR "/hf/whisper/tiny";
    auto model = openModel(folder);
    QVERIFY(model);
    auto clip = readAudio(folder + "/audio.wav");
    QVERIFY(clip);
    auto source = model.value()->prepareAudio(clip->samples);
    QVERIFY(source);
    auto trace = translateSource(*model.value(), std::move(source).value(), {});
    QVERIFY(trace);
    m_model.setTrace(std::make_shared<const DecodeTrace>(std::move(trace).value()));
}

void TestSpectrogramFigure::testWholeTranscript()
{
    const SpectrogramFigure figure(m_model, FigureOptions{}, {});
    QVERIFY(figure.hasSpeech());
    // One row per token, labelled with its readable text, under the spectrogram on the same time axis.
    QCOMPARE(figure.rowLabels().size(), m_model.stepCount());
    QCOMPARE(figure.rowLabels().last(),
             QString::fromStdString(m_model.trace()->readable(m_model.nodeAtStep(m_model.stepCount() - 1)->token)));
    QVERIFY(figure.stripRect().top() > figure.plotRect().bottom());
    QCOMPARE(figure.stripRect().left(), figure.plotRect().left());
    QCOMPARE(figure.stripRect().width(), figure.plotRect().width());
    // Clip time maps onto the plot: the clip's start at its left edge, its end at the right.
    const ClipAxis axis = clipAxis(m_model.trace()->source);
    QVERIFY(!axis.empty() && axis.columns < m_model.trace()->sourceLength()); // the window's padding left out
    QCOMPARE(figure.xOf(axis.first), figure.plotRect().left());
    QVERIFY(std::abs(figure.xOf(axis.first + axis.seconds) - figure.plotRect().right()) < 1e-9);
    QVERIFY(figure.caption().isEmpty());
}

void TestSpectrogramFigure::testOneStep()
{
    SpectrogramFigureOptions o;
    o.step = 3;
    const SpectrogramFigure one(m_model, FigureOptions{}, o);
    QVERIFY(one.rowLabels().isEmpty());
    QVERIFY(one.caption().startsWith(QStringLiteral("step 4: ")));
    // The span it listens to holds the step's peak column.
    const ClipAxis axis = clipAxis(m_model.trace()->source);
    const Vector row = m_model.weightsAt(3).head(axis.columns);
    Eigen::Index peak = 0;
    row.maxCoeff(&peak);
    const TimeSpan span = one.listening();
    QVERIFY(!span.empty());
    QVERIFY(span.start <= axis.centre(int(peak)) && axis.centre(int(peak)) <= span.end);
    QVERIFY(span.start >= axis.first && span.end <= axis.first + axis.seconds + 1e-9);
    // One step draws a taller spectrogram than the whole transcript's.
    QVERIFY(one.plotRect().height() > SpectrogramFigure(m_model, FigureOptions{}, {}).plotRect().height());
    o.step = 10000; // past the transcript: the spectrogram alone
    QVERIFY(SpectrogramFigure(m_model, FigureOptions{}, o).caption().isEmpty());
}

void TestSpectrogramFigure::testRender_data()
{
    QTest::addColumn<int>("format");
    QTest::newRow("png") << int(FigureFormat::Png);
    QTest::newRow("svg") << int(FigureFormat::Svg);
    QTest::newRow("pdf") << int(FigureFormat::Pdf);
}

void TestSpectrogramFigure::testRender()
{
    QFETCH(int, format);
    FigureOptions f;
    f.format = FigureFormat(format);
    f.scale = 1.5;
    f.title = QStringLiteral("A clip");
    const SpectrogramFigure figure(m_model, f, {});
    const QByteArray bytes = figure.render();
    switch (f.format) {
    case FigureFormat::Png: {
        const QImage image = QImage::fromData(bytes, "PNG");
        QCOMPARE(image.size(), (figure.figureSize() * 1.5).toSize());
        // The spectrogram and the attention strip are painted where the layout put them.
        for (const QRectF &r : {figure.plotRect(), figure.stripRect()})
            QVERIFY(image.pixelColor((r.center() * 1.5).toPoint()) != QColor(Qt::white));
        break;
    }
    case FigureFormat::Svg:
        QVERIFY(bytes.contains("<svg"));
        QCOMPARE(int(bytes.count("<image")), 2); // the spectrogram, the attention strip
        QVERIFY(bytes.contains("A clip"));
        break;
    case FigureFormat::Pdf:
        QVERIFY(bytes.startsWith("%PDF"));
        break;
    }
}

void TestSpectrogramFigure::testTextTraceDrawsNothing()
{
    auto model = openModel("additive");
    QVERIFY(model);
    auto trace = translate(*model.value(), "the cat");
    QVERIFY(trace);
    TraceModel text;
    text.setTrace(std::make_shared<const DecodeTrace>(std::move(trace).value()));
    const SpectrogramFigure figure(text, FigureOptions{}, {});
    QVERIFY(!figure.hasSpeech());
    QVERIFY(figure.figureSize().height() < 40);
}

void TestSpectrogramFigure::testCli()
{
    const QString folder = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/hf/whisper/tiny");
    const QString clip = folder + "/audio.wav";
    QTemporaryDir tmp;
    auto run = [&](QStringList extra, const QString &file) {
        return testing::runCli(QStringList{"export", "--model", folder, "--audio", clip, "--out", tmp.filePath(file)} +
                               extra);
    };
    auto read = [&](const QString &file) {
        QFile f(tmp.filePath(file));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    // The whole transcript and one step, as SVG: the spectrogram (and the strip), the axis in seconds.
    auto r = run({"--format", "svg"}, "all.svg");
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    QByteArray svg = read("all.svg");
    QCOMPARE(int(svg.count("<image")), 2);
    QVERIFY(svg.contains(">mel<") && svg.contains(" s<"));
    r = run({"--format", "svg", "--step", "4"}, "step.svg");
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    svg = read("step.svg");
    QCOMPARE(int(svg.count("<image")), 1);
    QVERIFY(svg.contains("step 4: "));
    r = run({"--format", "png", "--dpi", "300"}, "all.png");
    QVERIFY2(r.code == 0 && read("all.png").startsWith("\x89PNG"), qPrintable(testing::describe(r)));
    // --view heatmap keeps the heatmap over the frames.
    r = run({"--format", "svg", "--view", "heatmap"}, "heatmap.svg");
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    QVERIFY(!read("heatmap.svg").contains(">mel<"));
    // Refusals: a step past the transcript, the picture-only options.
    r = run({"--format", "png", "--step", "999"}, "past.png");
    QVERIFY2(r.code == 2 && r.err.contains("--step 999") && r.err.count('\n') == 1, qPrintable(testing::describe(r)));
    QVERIFY(!QFile::exists(tmp.filePath("past.png")));
    r = run({"--format", "png", "--strip"}, "strip.png");
    QVERIFY2(r.code == 2 && r.err.contains("--strip"), qPrintable(testing::describe(r)));
}

QTEST_MAIN(TestSpectrogramFigure)
#include "testspectrogramfigure.moc"
