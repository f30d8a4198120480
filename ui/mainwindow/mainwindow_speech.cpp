// MainWindow's speech (issue #20): File ▸ Open audio… and dropped clips are
// transcribed by the current model when it reads audio (a Whisper folder),
// off the GUI thread through the controller's one decode path; the Speech
// dock (a tab behind the heatmap) comes forward with the spectrogram.
#include "mainwindow/mainwindow.h"

#include "alignscope/model.h"

#include "export/exportdialog.h"

#include "speech/speechview.h"
#include "widgets/messagebar.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QStatusBar>

#include <utility>

namespace alignscope::ui {

QStringList MainWindow::audioSuffixes()
{
    return {QStringLiteral("wav"), QStringLiteral("flac"), QStringLiteral("ogg"), QStringLiteral("oga"),
            QStringLiteral("opus"), QStringLiteral("mp3")};
}

void MainWindow::createSpeech()
{
    m_speech = new SpeechPanel(m_trace, this);
    m_speech->setMinimumSize(320, 240);
    connect(m_speech, &SpeechPanel::timestampsToggled, m_controller, &DecodeController::setTimestamps);
    m_speechDock = addDock(tr("Speech"), QStringLiteral("speechDock"), m_speech, Qt::LeftDockWidgetArea, false);
    if (auto *heat = findChild<QDockWidget *>(QStringLiteral("heatmapDock"))) {
        tabifyDockWidget(heat, m_speechDock);
        heat->raise();
    }
    // Export… and Copy image on the spectrogram: the spectrogram figure (every token, or this step).
    addViewExportActions(m_speech->view(), m_trace, QStringLiteral("Spectrogram"), [] { return FigureOptions(); },
                         [this] { return m_speech->view()->hasSpeech(); });
    m_openAudioAction = new QAction(tr("Open &audio…"), this);
    m_openAudioAction->setObjectName(QStringLiteral("openAudio"));
    m_openAudioAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    m_openAudioAction->setStatusTip(tr("Transcribe a WAV, FLAC, Ogg or MP3 clip with the current speech model "
                                       "(the bundled speech, a Whisper model folder or a whisper.cpp file)"));
    m_openAudioAction->setToolTip(m_openAudioAction->statusTip());
    connect(m_openAudioAction, &QAction::triggered, this, [this] {
        QStringList patterns;
        for (const QString &s : audioSuffixes())
            patterns << QStringLiteral("*.") + s;
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open audio"), QString(),
            tr("Audio clips (%1);;All files (*)").arg(patterns.join(QLatin1Char(' '))));
        if (!path.isEmpty())
            openAudioFile(path);
    });
    // A clip opened while its model loaded (alignscope FOLDER --audio CLIP) goes to that model.
    connect(m_controller, &DecodeController::modelChanged, this, [this] {
        if (!m_pendingAudio.isEmpty()) {
            openAudioFile(std::exchange(m_pendingAudio, {}));
            return;
        }
        // The bundled speech model starts on its sample clip ("The cat sat on the mat", spoken by espeak-ng).
        const QString sample = QDir(QString::fromStdString(bundledModelsDir())).filePath(QStringLiteral("speech-sample.wav"));
        if (m_controller->audioPath().isEmpty() && m_controller->modelSource() == QLatin1String("speech") &&
            QFileInfo(sample).isFile())
            openAudioFile(sample);
    });
    connect(m_controller, &DecodeController::errorOccurred, this, [this] { m_pendingAudio.clear(); });
    // A speech decode brings the Speech tab forward.
    connect(m_controller, &DecodeController::traceReady, this, [this](TracePtr trace) {
        if (trace->source.kind != SourceKind::Audio)
            return;
        m_speech->setClipFile(m_controller->audioPath());
        m_speechDock->show();
        m_speechDock->raise();
    });
}

bool MainWindow::openAudioFile(const QString &path)
{
    if (m_controller->loading()) {
        m_pendingAudio = path;
        statusBar()->showMessage(tr("%1 opens once the model is loaded").arg(QFileInfo(path).fileName()), 6000);
        return true;
    }
    const ModelPtr model = m_controller->model();
    if (!model || model->description().sourceKind != SourceKind::Audio) {
        showMessage(tr("“%1” reads text, not audio: open a speech model first (the bundled speech, or a Whisper "
                       "model folder with File ▸ Open model folder…), then the clip.")
                        .arg(model ? QString::fromStdString(model->name()) : tr("No model")),
                    int(MessageBar::Kind::Warning));
        return false;
    }
    if (!QFileInfo(path).isFile()) {
        showMessage(tr("%1: no such audio file").arg(path), int(MessageBar::Kind::Error));
        return false;
    }
    togglePlay(false);
    m_controller->setAudio(path);
    statusBar()->showMessage(tr("Transcribing %1 with %2…")
                                 .arg(QFileInfo(path).fileName(), QString::fromStdString(model->name())),
                             6000);
    return true;
}

} // namespace alignscope::ui
