// MainWindow's vision (issue #21): File ▸ Open image…, File ▸ New random
// scene, dropped image files and pictures, and Edit ▸ Paste image go to the
// current model when it reads images (a ViT + GPT-2 folder, the scenes
// captioner). Qt reads the picture (any format its image plugins open) on the
// GUI thread, core's image processor prepares it on the worker with the
// decode, and the Vision dock (a tab behind the heatmap) comes forward with
// the overlay.
#include "mainwindow/mainwindow.h"

#include "export/exportdialog.h"

#include "vision/imageoverlay.h"
#include "vision/visionview.h"
#include "widgets/messagebar.h"

#include "alignscope/scenes.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QImageReader>
#include <QMimeData>
#include <QRandomGenerator>
#include <QStatusBar>

#include <utility>

namespace alignscope::ui {

bool MainWindow::isImageFile(const QString &path)
{
    const QByteArray suffix = QFileInfo(path).suffix().toLower().toLatin1();
    return !suffix.isEmpty() && QImageReader::supportedImageFormats().contains(suffix);
}

void MainWindow::createVision()
{
    m_vision = new VisionPanel(m_trace, this);
    m_vision->setMinimumSize(320, 240);
    m_visionDock = addDock(tr("Vision"), QStringLiteral("visionDock"), m_vision, Qt::LeftDockWidgetArea, false);
    if (auto *heat = findChild<QDockWidget *>(QStringLiteral("heatmapDock"))) {
        tabifyDockWidget(heat, m_visionDock);
        heat->raise();
    }
    // Export… and Copy image on the picture: the overlay figure (the strip, or
    // this step) in the view's colours and opacity, as File ▸ Export does.
    addViewExportActions(
        m_vision->view(), m_trace, QStringLiteral("Picture"),
        [this] {
            FigureOptions o;
            o.colormap = m_vision->view()->options().colormap;
            o.overlayOpacity = m_vision->view()->options().opacity;
            return o;
        },
        [this] { return m_vision->view()->hasImage(); });

    m_openImageAction = new QAction(tr("Open &image…"), this);
    m_openImageAction->setObjectName(QStringLiteral("openImage"));
    m_openImageAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I));
    m_openImageAction->setStatusTip(tr("Caption a PNG, JPEG or other picture with the current vision model "
                                       "(a ViT + GPT-2 model folder)"));
    m_openImageAction->setToolTip(m_openImageAction->statusTip());
    connect(m_openImageAction, &QAction::triggered, this, [this] {
        QStringList patterns;
        for (const QByteArray &f : QImageReader::supportedImageFormats())
            patterns << QStringLiteral("*.") + QString::fromLatin1(f);
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open image"), QString(), tr("Images (%1);;All files (*)").arg(patterns.join(QLatin1Char(' '))));
        if (!path.isEmpty())
            openImageFile(path);
    });
    // Ctrl+V reaches the window only when no text field takes it (they claim paste first).
    m_pasteImageAction = new QAction(tr("&Paste image"), this);
    m_pasteImageAction->setObjectName(QStringLiteral("pasteImage"));
    m_pasteImageAction->setStatusTip(tr("Caption the picture on the clipboard with the current vision model"));
    m_pasteImageAction->setToolTip(m_pasteImageAction->statusTip());
    connect(m_pasteImageAction, &QAction::triggered, this, &MainWindow::pasteImage);
    addAction(m_pasteImageAction);
    m_randomSceneAction = new QAction(tr("New random &scene"), this);
    m_randomSceneAction->setObjectName(QStringLiteral("randomScene"));
    m_randomSceneAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    m_randomSceneAction->setStatusTip(tr("Draw one to three coloured shapes, as the scenes captioner was trained "
                                         "on, and caption the picture with the current vision model"));
    m_randomSceneAction->setToolTip(m_randomSceneAction->statusTip());
    connect(m_randomSceneAction, &QAction::triggered, this,
            [this] { openScene(QRandomGenerator::global()->bounded(1u, 1000000u)); });
    // Ctrl+V is the picture's only while a vision model is loaded; the menu entry always explains itself.
    connect(m_controller, &DecodeController::modelChanged, this, [this] {
        const ModelPtr model = m_controller->model();
        const bool vision = model && model->description().sourceKind == SourceKind::Image;
        m_pasteImageAction->setShortcut(vision ? QKeySequence(QKeySequence::Paste) : QKeySequence());
    });
    // A picture opened while its model loaded (alignscope FOLDER --image FILE) goes to that model.
    connect(m_controller, &DecodeController::modelChanged, this, [this] {
        if (!m_pendingImage.isEmpty())
            openImageFile(std::exchange(m_pendingImage, {}));
        else if (!m_pendingPicture.isNull())
            openImage(std::exchange(m_pendingPicture, {}), std::exchange(m_pendingPictureLabel, {}));
        else if (!m_controller->image() && m_controller->modelSource() == QLatin1String("scenes"))
            openScene(QRandomGenerator::global()->bounded(1u, 1000000u)); // the bundled captioner starts on a scene
    });
    connect(m_controller, &DecodeController::errorOccurred, this, [this] {
        m_pendingImage.clear();
        m_pendingPicture = {};
    });
    // An image decode brings the Vision tab forward.
    connect(m_controller, &DecodeController::traceReady, this, [this](TracePtr trace) {
        if (trace->source.kind != SourceKind::Image)
            return;
        m_visionDock->show();
        m_visionDock->raise();
    });
}

bool MainWindow::acceptsImages()
{
    const ModelPtr model = m_controller->model();
    if (model && model->description().sourceKind == SourceKind::Image)
        return true;
    showMessage(tr("“%1” does not read images: open a vision model folder first (ViT + GPT-2, File ▸ Open model "
                   "folder…), then the picture.")
                    .arg(model ? QString::fromStdString(model->name()) : tr("No model")),
                int(MessageBar::Kind::Warning));
    return false;
}

bool MainWindow::openImageFile(const QString &path)
{
    if (m_controller->loading()) {
        m_pendingImage = path;
        statusBar()->showMessage(tr("%1 opens once the model is loaded").arg(QFileInfo(path).fileName()), 6000);
        return true;
    }
    if (!acceptsImages())
        return false;
    if (!QFileInfo(path).isFile()) {
        showMessage(tr("%1: no such image file").arg(path), int(MessageBar::Kind::Error));
        return false;
    }
    // Qt's readers refuse headers that claim more pixels than their allocation limit before decoding.
    QImageReader reader(path);
    const QImage image = reader.read();
    if (image.isNull()) {
        showMessage(tr("%1: not a picture AlignScope can read (%2); open a PNG or JPEG file")
                        .arg(QFileInfo(path).fileName(), reader.errorString()),
                    int(MessageBar::Kind::Error));
        return false;
    }
    return openImage(image, path);
}

bool MainWindow::openImage(const QImage &image, const QString &label)
{
    if (m_controller->loading() && !image.isNull()) { // a session's picture waits for the session's model
        m_pendingPicture = image;
        m_pendingPictureLabel = label;
        return true;
    }
    if (!acceptsImages())
        return false;
    if (image.isNull()) {
        showMessage(tr("%1 holds no picture").arg(label), int(MessageBar::Kind::Error));
        return false;
    }
    togglePlay(false);
    m_controller->setImage(toRgbImage(image), label);
    statusBar()->showMessage(tr("Captioning %1 with %2…")
                                 .arg(QFileInfo(label).fileName(),
                                      QString::fromStdString(m_controller->model()->name())),
                             6000);
    return true;
}

bool MainWindow::openScene(unsigned seed)
{
    return openImage(toQImage(drawScene(seed).image), tr("random scene %1").arg(seed));
}

bool MainWindow::pasteImage()
{
    const QMimeData *mime = QApplication::clipboard()->mimeData();
    if (mime && mime->hasImage())
        return openImage(qvariant_cast<QImage>(mime->imageData()), tr("pasted image"));
    // A copied file (a file manager's copy) is a URL.
    if (mime && mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile())
        return openImageFile(mime->urls().first().toLocalFile());
    showMessage(tr("The clipboard holds no picture: copy an image (or an image file), then paste it."),
                int(MessageBar::Kind::Warning));
    return false;
}

} // namespace alignscope::ui
