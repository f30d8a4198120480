// The vision view in the window (issue 21), offscreen: the tiny ViT + GPT-2
// fixture folder and its picture give the trace core gives for the same
// pixels (transformers' load_image), the overlay's brightest patch is the
// trace's largest patch weight at every step and head choice, the CLS share
// shown is the trace's, colour and opacity repaint, hovering and clicking a
// patch, the head grid and explain views on an image source; pictures come
// in by drag and drop (a file, a picture), paste and while the model loads;
// a file that is no picture and a model that reads text each give one
// message and keep what was shown.

#include "attention/explainpanel.h"
#include "attention/headgrid.h"
#include "attention/selfattentionview.h"
#include "compare/compareview.h"
#include "export/exportdialog.h"
#include "decode/tracemodel.h"
#include "mainwindow/mainwindow.h"
#include "widgets/sentenceedit.h"
#include "ui/windowtest.h"
#include "vision/imageoverlay.h"
#include "vision/visionview.h"
#include "widgets/headpicker.h"
#include "widgets/messagebar.h"

#include "alignscope/decode.h"
#include "alignscope/model.h"
#include "alignscope/scenes.h"

#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QMimeData>
#include <QMouseEvent>
#include <QSettings>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>

using namespace alignscope;
using namespace alignscope::ui;
using alignscope::testing::openWindowWith;
using alignscope::testing::waitFor;

class TestVision : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init() { QSettings().clear(); }
    void testPictureInTheVisionView();
    void testOverlayControls();
    void testHoverAndClickPatch();
    void testDroppedImages();
    void testPastedImage();
    void testRandomScene();
    void testCompareOnAPicture();
    void testExportPicture();
    void testSessionKeepsThePicture();
    void testBadFileKeepsTheCaption();
    void testTextModelRefusesImages();
    void testImageWhileModelLoads();

private:
    static QString data(const char *path) { return QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/") + QLatin1String(path); }
    static QString folder() { return data("vision/vit-gpt2"); }
    /// Waits for a decode of a picture labelled `label`.
    static bool waitForImage(MainWindow &w, const QString &label);
    /// A window on the fixture folder with its picture captioned; null when that failed.
    static std::unique_ptr<MainWindow> windowOnPicture();
    /// The fixture's picture as transformers' load_image gives it (picture.rgb).
    static RgbImage fixturePicture();
    /// A small made-up picture: a gradient with a bright square.
    static QImage madePicture();
};

void TestVision::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("AlignScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("testvision"));
}

bool TestVision::waitForImage(MainWindow &w, const QString &label)
{
    return waitFor([&] {
        const DecodeTrace *t = w.traceModel()->trace();
        return t && t->source.kind == SourceKind::Image && w.controller()->imageLabel() == label
               && !w.controller()->busy();
    });
}

std::unique_ptr<MainWindow> TestVision::windowOnPicture()
{
    auto w = openWindowWith(folder());
    const QString png = data("vision/vit-gpt2/picture.png");
    if (!w || !w->openImageFile(png) || !waitForImage(*w, png))
        return nullptr;
    return w;
}

RgbImage TestVision::fixturePicture()
{
    QFile f(data("vision/vit-gpt2/picture.rgb"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = f.readAll();
    const QImage png(data("vision/vit-gpt2/picture.png"));
    RgbImage out;
    out.width = png.width();
    out.height = png.height();
    out.pixels.assign(bytes.begin(), bytes.end());
    return out;
}

QImage TestVision::madePicture()
{
    QImage image(50, 40, QImage::Format_RGB32);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            image.setPixel(x, y, qRgb(x * 5, y * 6, 128));
    for (int y = 5; y < 15; ++y)
        for (int x = 30; x < 42; ++x)
            image.setPixel(x, y, qRgb(255, 255, 255));
    return image;
}

void TestVision::testPictureInTheVisionView()
{
    auto w = openWindowWith(folder());
    QVERIFY(w);
    QVERIFY(w->controller()->model()->description().sourceKind == SourceKind::Image);
    // An image model with no picture yet says how to give it one.
    QVERIFY(w->messageBar()->text().contains(QStringLiteral("Open image")));
    const QString png = data("vision/vit-gpt2/picture.png");
    QVERIFY(w->openImageFile(png));
    QVERIFY2(waitForImage(*w, png), qPrintable(w->messageBar()->text()));
    auto *dock = w->findChild<QDockWidget *>(QStringLiteral("visionDock"));
    QVERIFY(dock && dock->isVisible());
    VisionView *view = w->visionPanel()->view();
    QVERIFY(view->hasImage());

    // Qt's reading of the RGBA PNG is transformers' load_image (alpha dropped), and the
    // decode is core's for those pixels.
    const RgbImage expected = fixturePicture();
    QVERIFY(!expected.pixels.empty());
    QVERIFY(toRgbImage(QImage(png)).pixels == expected.pixels);
    const ModelPtr model = w->controller()->model();
    auto source = model->prepareImage(expected);
    QVERIFY(source);
    auto direct = translateSource(*model, std::move(source).value());
    QVERIFY(direct);
    const DecodeTrace &shown = *w->traceModel()->trace();
    QCOMPARE(shown.targetTokens(shown.bestPath()), direct->targetTokens(direct->bestPath()));
    const SourceAxis &axis = shown.source;
    QVERIFY(axis.extraBefore == 1 && axis.gridRows * axis.gridColumns == axis.size() - 1);

    // Opaque and grey: brightness shows the weight, not the picture.
    ImageOverlayOptions o = view->options();
    o.opacity = 1.0;
    o.colormap = ColormapKind::Grayscale;
    view->setOptions(o);
    TraceModel *m = w->traceModel();
    const HeadSelection max{-1, HeadSelection::Reduce::Max, 0};
    for (const HeadSelection &selection : {HeadSelection::lastLayerMean(), HeadSelection::of(0, 1), max}) {
        m->setSelection(selection);
        for (int s = 0; s < m->stepCount(); ++s) {
            m->setStep(s);
            const Vector row = view->attentionRow();
            const Vector core = direct->nodes[size_t(direct->bestPath()[size_t(s)])].weights(selection);
            QCOMPARE(row.size(), core.size());
            QVERIFY((row - core).cwiseAbs().maxCoeff() < 1e-6f);
            Eigen::Index peak = 0;
            core.tail(core.size() - 1).maxCoeff(&peak);
            QCOMPARE(view->peakPatch(), int(peak) + 1);
            QVERIFY(std::abs(view->extraShare() - core[0] / core.sum()) < 1e-6);
            QVERIFY(w->visionPanel()->statusLabel()->text().contains(
                QStringLiteral("%1 %").arg(100.0 * core[0] / core.sum(), 0, 'f', 1)));
            // Of the patches' centres (where bilinear upsampling is closest to each patch's own weight), the
            // brightest is the largest weight's patch, or one within 10% of it (neighbours dilute the centres).
            const QImage shot = view->render(view->size());
            const QRectF image = view->imageRect();
            int best = -1, found = -1;
            for (int r = 0; r < axis.gridRows; ++r)
                for (int c = 0; c < axis.gridColumns; ++c) {
                    const QPointF centre(image.left() + (c + 0.5) * image.width() / axis.gridColumns,
                                         image.top() + (r + 0.5) * image.height() / axis.gridRows);
                    if (const int grey = qGray(shot.pixel(centre.toPoint())); grey > best)
                        best = grey, found = axis.extraBefore + r * axis.gridColumns + c;
                }
            QVERIFY2(found == int(peak) + 1 || core[found] >= 0.9 * core[peak + 1],
                     qPrintable(QStringLiteral("step %1: brightest centre in column %2 (α %3), largest %4 (α %5)")
                                    .arg(s).arg(found).arg(core[found]).arg(peak + 1).arg(core[peak + 1])));
        }
    }
    m->setSelection(HeadSelection::lastLayerMean());

    // The head grid and explain read the image trace like a text one.
    HeadGridPanel *grid = w->headGrid();
    QVERIFY(waitFor([&] { return !grid->view()->data().empty(); }, 10000));
    QCOMPARE(int(grid->view()->data().cell(0, 0).cols()), axis.size());
    m->selectCell(m->step(), view->peakPatch());
    const QString explain = explainHtml(*m);
    QVERIFY2(explain.contains(QString::fromStdString(axis.labels[size_t(view->peakPatch())]).toHtmlEscaped()),
             qPrintable(explain.left(400)));

    // A picture's encoder self-attention is not kept; the panel says so, and how to get it.
    w->selfAttention()->setKind(AttentionKind::EncoderSelf);
    QVERIFY2(w->selfAttention()->caption()->text().contains(QStringLiteral("--encoder-attention")),
             qPrintable(w->selfAttention()->caption()->text()));
    // A new sentence returns to text: the picture is dropped and the view is empty.
    w->setSentence(QStringLiteral("hello"));
    QVERIFY(!w->controller()->image());
}

void TestVision::testOverlayControls()
{
    auto w = windowOnPicture();
    QVERIFY(w);
    VisionPanel *panel = w->visionPanel();
    VisionView *view = panel->view();
    const QSize size(600, 400);
    const QImage before = view->render(size);
    // Colour map: the combo's choice reaches the view and changes the picture.
    panel->colormapCombo()->setCurrentIndex(int(ColormapKind::Magma));
    QCOMPARE(view->options().colormap, ColormapKind::Magma);
    const QImage magma = view->render(size);
    QVERIFY(magma != before);
    // Opacity 0: the picture alone, as the painter draws it without attention.
    panel->opacitySlider()->setValue(0);
    QCOMPARE(view->options().opacity, 0.0);
    const QImage bare = view->render(size);
    QVERIFY(bare != magma);
    const QRect r = view->imageRect(size).toRect();
    const QImage picture = toQImage(w->traceModel()->trace()->source.image);
    QImage expected(size, QImage::Format_RGB32);
    expected.fill(view->palette().color(QPalette::Base));
    {
        QPainter p(&expected);
        p.setRenderHint(QPainter::SmoothPixmapTransform);
        p.drawImage(view->imageRect(size), picture.convertToFormat(QImage::Format_RGB32));
    }
    QCOMPARE(bare.copy(r), expected.copy(r));
    // Grid lines and normalisation repaint too.
    panel->opacitySlider()->setValue(60);
    const QImage again = view->render(size);
    panel->gridBox()->setChecked(true);
    QVERIFY(view->options().gridLines);
    QVERIFY(view->render(size) != again);
    panel->normaliseBox()->setChecked(false);
    QVERIFY(!view->options().normalise);
    // The layer/head picker is the window's selection.
    QVERIFY(panel->headPicker()->hasChoice());
    panel->headPicker()->setSelection(HeadSelection::of(1, 2));
    emit panel->headPicker()->selectionChanged(HeadSelection::of(1, 2));
    QCOMPARE(w->traceModel()->selection(), HeadSelection::of(1, 2));
}

void TestVision::testHoverAndClickPatch()
{
    auto w = windowOnPicture();
    QVERIFY(w);
    VisionView *view = w->visionPanel()->view();
    w->findChild<QDockWidget *>(QStringLiteral("visionDock"))->raise();
    QVERIFY(waitFor([&] { return view->isVisible() && view->imageRect().width() > 20; }, 5000));
    const SourceAxis &axis = w->traceModel()->trace()->source;
    const QRectF image = view->imageRect();
    // The patch in grid row 2, column 3 (1-based): its centre.
    const int r = 1, c = 2;
    const QPoint centre((image.left() + (c + 0.5) * image.width() / axis.gridColumns),
                        (image.top() + (r + 0.5) * image.height() / axis.gridRows));
    // Sent to the view itself: the offscreen platform's cursor need not move where QTest::mouseMove puts it.
    auto moveTo = [view](QPoint at) {
        QMouseEvent move(QEvent::MouseMove, QPointF(at), view->mapToGlobal(QPointF(at)), Qt::NoButton, Qt::NoButton,
                         Qt::NoModifier);
        QCoreApplication::sendEvent(view, &move);
    };
    moveTo(centre);
    const int j = axis.extraBefore + r * axis.gridColumns + c;
    QVERIFY(waitFor([&] { return view->hoveredPatch() == j; }, 2000));
    const Vector row = view->attentionRow();
    QVERIFY(view->patchTip(j).contains(QStringLiteral("row 2, column 3")));
    QVERIFY(view->patchTip(j).contains(QString::number(row[j], 'f', 4)));
    // A click picks the patch for explain.
    QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier, centre);
    QCOMPARE(w->traceModel()->selectedSource(), j);
    moveTo(QPoint(2, 2));
    QVERIFY(waitFor([&] { return view->hoveredPatch() == -1; }, 2000));
}

void TestVision::testDroppedImages()
{
    auto w = openWindowWith(folder());
    QVERIFY(w);
    // A file.
    const QString jpg = data("vision/vit-gpt2/picture.jpg");
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(jpg)});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &drop);
    QVERIFY2(waitForImage(*w, jpg), qPrintable(w->messageBar()->text()));
    QCOMPARE(w->controller()->modelSource(), folder()); // a picture is not a model
    QVERIFY(w->visionPanel()->view()->hasImage());
    // A picture dragged from another program (no file).
    QMimeData picture;
    picture.setImageData(madePicture());
    QDragEnterEvent enter2(QPoint(50, 50), Qt::CopyAction, &picture, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &enter2);
    QVERIFY(enter2.isAccepted());
    QDropEvent drop2(QPointF(50, 50), Qt::CopyAction, &picture, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &drop2);
    QVERIFY2(waitForImage(*w, QStringLiteral("dropped image")), qPrintable(w->messageBar()->text()));
}

void TestVision::testPastedImage()
{
    auto w = openWindowWith(folder());
    QVERIFY(w);
    // Ctrl+V belongs to the picture while an image model is loaded.
    QCOMPARE(w->pasteImageAction()->shortcut(), QKeySequence(QKeySequence::Paste));
    const QImage made = madePicture();
    QApplication::clipboard()->setImage(made);
    if (!QApplication::clipboard()->mimeData() || !QApplication::clipboard()->mimeData()->hasImage())
        QSKIP("this platform keeps no clipboard");
    w->pasteImageAction()->trigger();
    QVERIFY2(waitForImage(*w, QStringLiteral("pasted image")), qPrintable(w->messageBar()->text()));
    // The pasted picture is what the model saw, resized by core's processor.
    const DecodeTrace &t = *w->traceModel()->trace();
    auto direct = w->controller()->model()->prepareImage(toRgbImage(made));
    QVERIFY(direct);
    QVERIFY(t.source.image.pixels == direct->axis.image.pixels);
    // An empty clipboard: one message, the caption stays.
    QApplication::clipboard()->setText(QStringLiteral("no picture"));
    QVERIFY(!w->pasteImage());
    QVERIFY(w->messageBar()->text().contains(QStringLiteral("no picture")));
    QCOMPARE(w->controller()->imageLabel(), QStringLiteral("pasted image"));
}

void TestVision::testRandomScene()
{
    auto w = openWindowWith(folder());
    QVERIFY(w);
    // The scene the task draws for a seed is the picture the model saw.
    QVERIFY(w->openScene(42));
    QVERIFY2(waitForImage(*w, QStringLiteral("random scene 42")), qPrintable(w->messageBar()->text()));
    auto direct = w->controller()->model()->prepareImage(drawScene(42).image);
    QVERIFY(direct);
    QVERIFY(w->traceModel()->trace()->source.image.pixels == direct->axis.image.pixels);
    // The source field names the picture, and takes no text while a vision model reads it.
    QCOMPARE(w->sentenceEdit()->text(), QStringLiteral("Picture: random scene 42"));
    QVERIFY(!w->sentenceEdit()->isEnabled());
    // The menu's action draws a new one each time.
    w->randomSceneAction()->trigger();
    QVERIFY(waitFor([&] {
        return w->controller()->imageLabel().startsWith(QStringLiteral("random scene "))
               && w->controller()->imageLabel() != QStringLiteral("random scene 42") && !w->controller()->busy();
    }));
    // The bundled captioner starts on a scene of its own.
    const auto bundled = bundledModelNames(SourceKind::Image);
    if (std::find(bundled.begin(), bundled.end(), "scenes") != bundled.end()) {
        w->setSentence(QStringLiteral("hello")); // back to text: no picture
        w->controller()->loadModel(QStringLiteral("scenes"));
        QVERIFY(waitFor([&] {
            return w->controller()->modelSource() == QStringLiteral("scenes")
                   && w->controller()->imageLabel().startsWith(QStringLiteral("random scene ")) && !w->controller()->busy();
        }));
        QVERIFY(w->visionPanel()->view()->hasImage());
    }
    // A text model says it reads no pictures and keeps its sentence.
    w->controller()->loadModel(data("hf/models/marian"));
    QVERIFY(waitFor([&] { return !w->controller()->loading() && !w->controller()->busy(); }));
    QVERIFY(!w->openScene(7));
    QVERIFY(w->messageBar()->text().contains(QStringLiteral("does not read images")));
    // ...and the field has the sentence typed before back, editable.
    QVERIFY(w->sentenceEdit()->isEnabled());
    QCOMPARE(w->sentenceEdit()->text(), w->controller()->sentence());
    QVERIFY(!w->sentenceEdit()->text().isEmpty());
}

void TestVision::testCompareOnAPicture()
{
    auto w = openWindowWith(folder());
    QVERIFY(w);
    auto *dock = w->findChild<QDockWidget *>(QStringLiteral("compareDock"));
    QVERIFY(dock);
    auto *compare = qobject_cast<CompareView *>(dock->widget());
    QVERIFY(compare);
    dock->show();
    dock->raise();
    const QString marian = data("hf/models/marian");
    compare->setModelSources({folder(), marian});
    const QString png = data("vision/vit-gpt2/picture.png");
    QVERIFY(w->openImageFile(png));
    QVERIFY(waitForImage(*w, png));
    // Both models get the picture: the vision model's panel shows its overlay, the text model says why it cannot.
    QVERIFY(waitFor([&] {
        return compare->controller()->imageLabel() == png && !compare->controller()->busy()
               && compare->panelCount() == 2 && compare->panel(0)->showsImage();
    }));
    const DecodeTrace *mine = compare->panel(0)->traceModel()->trace();
    const DecodeTrace *main = w->traceModel()->trace();
    QCOMPARE(mine->translation(mine->bestPath()), main->translation(main->bestPath()));
    QVERIFY(mine->source.image.pixels == main->source.image.pixels);
    QVERIFY(compare->panel(0)->visionView()->hasImage());
    QVERIFY2(compare->panel(1)->errorText().contains(QStringLiteral("does not read images")),
             qPrintable(compare->panel(1)->errorText()));
    // The panels step with the main view.
    w->traceModel()->setStep(2);
    QVERIFY(waitFor([&] { return compare->panel(0)->traceModel()->step() == 2; }, 5000));
    QCOMPARE(compare->panel(0)->visionView()->peakPatch(), w->visionPanel()->view()->peakPatch());
    // The grid's figure is the picture's overlay: the vision model's panel (the text model's error is left out).
    const std::vector<FigurePanel> figure = compare->gridFigure();
    QCOMPARE(int(figure.size()), 1);
    QVERIFY(figure.front().model == compare->panel(0)->traceModel());
    QVERIFY(compare->panel(0)->visionView()->actions().contains(compare->copyGridAction()));
    QApplication::clipboard()->clear();
    compare->copyGridAction()->trigger();
    QVERIFY(!QApplication::clipboard()->image().isNull());

    // A caption forced on every model: typed, then the first model's own.
    const auto forcedCaption = [&](const std::string &expected) {
        return waitFor([&] {
            if (compare->controller()->busy() || !compare->panel(0)->showsImage())
                return false;
            const DecodeTrace *t = compare->panel(0)->traceModel()->trace();
            return t && t->translation(t->bestPath()) == expected;
        });
    };
    const std::string own = mine->translation(mine->bestPath());
    compare->setTarget(CompareTarget::Typed, QStringLiteral("a cat"));
    QVERIFY(forcedCaption("a cat"));
    QVERIFY(compare->panel(0)->traceModel()->nodeAtStep(0)->forced);
    compare->setTarget(CompareTarget::ModelOutput, {}, 0);
    QVERIFY(forcedCaption(own));
    QVERIFY(compare->panel(0)->traceModel()->nodeAtStep(0)->forced);
}

// Export… and Copy image on the Vision view give the overlay figure, not a
// heatmap over 'patch r,c' columns; the dialog offers the strip or this step.
void TestVision::testExportPicture()
{
    auto w = windowOnPicture();
    QVERIFY(w);
    VisionView *view = w->visionPanel()->view();
    QAction *copy = nullptr;
    for (QAction *a : view->actions())
        if (a->objectName() == QLatin1String("copyPicture"))
            copy = a;
    QVERIFY(copy && copy->isEnabled());
    QApplication::clipboard()->clear();
    copy->trigger();
    const QMimeData *mime = QApplication::clipboard()->mimeData();
    QVERIFY(mime && mime->hasImage());
    const QByteArray svg = mime->data(QStringLiteral("image/svg+xml"));
    QCOMPARE(int(svg.count("<image")), 1); // this step's one picture
    QVERIFY(!svg.contains("patch 1,1")); // not a heatmap's column labels
    // The dialog for a picture: the strip or this step, figures and the trace JSON.
    ExportDialog dialog(FigureOptions{}, w.get(), ExportDialog::Picture);
    auto *viewBox = dialog.findChildren<QComboBox *>().at(1);
    QCOMPARE(viewBox->count(), 2);
    QVERIFY(!dialog.pictureStep());
    viewBox->setCurrentIndex(1);
    QVERIFY(dialog.pictureStep());
    auto *formats = dialog.findChildren<QComboBox *>().at(0);
    QVERIFY(formats->findData(QStringLiteral("json")) >= 0);
    QCOMPARE(formats->findData(QStringLiteral("csv")), -1);
    ExportDialog several(FigureOptions{}, w.get(), ExportDialog::PictureFiguresOnly);
    QCOMPARE(several.findChildren<QComboBox *>().at(0)->findData(QStringLiteral("json")), -1);
}

void TestVision::testSessionKeepsThePicture()
{
    QTemporaryDir dir;
    const QString png = data("vision/vit-gpt2/picture.png");
    const QString fromFile = dir.filePath(QStringLiteral("file.json")), drawn = dir.filePath(QStringLiteral("drawn.json"));
    {
        auto w = openWindowWith(folder());
        QVERIFY(w);
        QVERIFY(w->openImageFile(png));
        QVERIFY(waitForImage(*w, png));
        QVERIFY(w->saveSessionFile(fromFile));
        QVERIFY(w->openScene(42)); // no file behind it: the session keeps its pixels
        QVERIFY(waitForImage(*w, QStringLiteral("random scene 42")));
        QVERIFY(w->saveSessionFile(drawn));
    }
    // A fresh window on another model: the session brings back the model, then its picture.
    for (const auto &[session, label] : {std::pair{fromFile, png}, std::pair{drawn, QStringLiteral("random scene 42")}}) {
        MainWindow w;
        w.show();
        QVERIFY(waitFor([&] { return w.controller()->model() && !w.controller()->loading() && !w.controller()->busy(); }));
        QVERIFY(w.openSessionFile(session));
        QVERIFY2(waitForImage(w, label), qPrintable(w.messageBar()->text()));
        QCOMPARE(w.controller()->modelSource(), folder());
        const RgbImage expected = label == png ? fixturePicture() : drawScene(42).image;
        auto direct = w.controller()->model()->prepareImage(expected);
        QVERIFY(direct);
        QVERIFY(w.traceModel()->trace()->source.image.pixels == direct->axis.image.pixels);
    }
}

void TestVision::testBadFileKeepsTheCaption()
{
    auto w = openWindowWith(folder());
    QVERIFY(w);
    const QString png = data("vision/vit-gpt2/picture.png");
    QVERIFY(w->openImageFile(png));
    QVERIFY(waitForImage(*w, png));
    const DecodeTrace *before = w->traceModel()->trace();
    QTemporaryDir dir;
    const QString fake = dir.filePath(QStringLiteral("notes.png"));
    QFile f(fake);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is text, not a picture\n");
    f.close();
    for (const QString &bad : {fake, data("vision/hostile/truncated.png"), data("vision/hostile/huge.png")}) {
        QVERIFY2(!w->openImageFile(bad), qPrintable(bad));
        QVERIFY2(w->messageBar()->text().contains(QStringLiteral("not a picture AlignScope can read")),
                 qPrintable(w->messageBar()->text()));
        QTest::qWait(50);
        QCOMPARE(w->traceModel()->trace(), before);
        QCOMPARE(w->controller()->imageLabel(), png);
    }
    QVERIFY(!w->openImageFile(dir.filePath(QStringLiteral("missing.png"))));
    QVERIFY(w->messageBar()->text().contains(QStringLiteral("no such image file")));
}

void TestVision::testTextModelRefusesImages()
{
    const QString marian = data("hf/models/marian");
    auto w = openWindowWith(marian);
    QVERIFY(w);
    const DecodeTrace *before = w->traceModel()->trace();
    QVERIFY(before);
    QVERIFY(!w->openImageFile(data("vision/vit-gpt2/picture.png")));
    QVERIFY2(w->messageBar()->text().contains(QStringLiteral("does not read images")),
             qPrintable(w->messageBar()->text()));
    QVERIFY(!w->controller()->image());
    QCOMPARE(w->traceModel()->trace(), before);
    QVERIFY(!w->visionPanel()->view()->hasImage());
    // Ctrl+V stays the text fields' own.
    QVERIFY(w->pasteImageAction()->shortcut().isEmpty());
}

void TestVision::testImageWhileModelLoads()
{
    // As `alignscope FOLDER --image FILE` does: the picture waits for its model.
    MainWindow w;
    w.show();
    const QString png = data("vision/vit-gpt2/picture.png");
    w.controller()->loadModel(folder());
    QVERIFY(w.controller()->loading());
    QVERIFY(w.openImageFile(png));
    QVERIFY2(waitForImage(w, png), qPrintable(w.messageBar()->text()));
    QCOMPARE(w.controller()->modelSource(), folder());
    QVERIFY(w.visionPanel()->view()->hasImage());
}

QTEST_MAIN(TestVision)
#include "testvision.moc"
