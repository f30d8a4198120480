// MainWindow's sessions: File ▸ Save session / Open session, and the
// crash-recovery copy kept while the window is open.
#include "mainwindow/mainwindow.h"

#include "attention/heatmapview.h"
#include "widgets/messagebar.h"
#include "widgets/sentenceedit.h"
#include "vision/imageoverlay.h"

#include <QBuffer>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>

namespace alignscope::ui {

QString MainWindow::recoveryPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation))
        .filePath(QStringLiteral("recovery-session.json"));
}

Session MainWindow::captureSession() const
{
    Session s;
    s.model = m_controller->modelSource();
    s.sentence = typedSentence();
    s.audio = m_controller->audioPath();
    if (const auto picture = m_controller->image()) {
        const QString label = m_controller->imageLabel();
        if (QFileInfo(label).isFile()) { // opened from a file: the session points at it
            s.imageFile = QFileInfo(label).absoluteFilePath();
        } else { // pasted, dropped or drawn: the session keeps the pixels
            if (picture != m_sessionPicture) { // encoded once per picture, not at every recovery write
                m_sessionPng.clear();
                QBuffer buffer(&m_sessionPng);
                buffer.open(QIODevice::WriteOnly);
                toQImage(*picture).save(&buffer, "PNG");
                m_sessionPicture = picture;
            }
            s.imagePng = m_sessionPng;
            s.imageLabel = label;
        }
    }
    s.history = m_sentence->history();
    s.beamWidth = m_controller->beamWidth();
    s.prefix = m_controller->prefix();
    s.intervention = m_controller->intervention();
    s.interventionHistory = m_controller->interventionHistory();
    s.step = std::max(0, m_trace->step());
    s.speed = m_speed->currentIndex();
    const HeatmapOptions &o = m_heatmap->view()->options();
    s.colormap = Colormap::name(o.colormap);
    s.hideSpecial = o.hideSpecial;
    s.renormalise = o.renormalise;
    s.logScale = o.logScale;
    s.mergeWords = o.mergeWords;
    s.selection = m_trace->selection();
    s.layout = workspaceName(m_workspaces->current());
    s.windowState = saveState();
    return s;
}

bool MainWindow::saveSessionFile(const QString &path)
{
    if (auto r = saveSession(captureSession(), path); !r) {
        showMessage(tr("Could not save the session: %1 — choose another folder; nothing was overwritten.")
                        .arg(QString::fromStdString(r.error().message)),
                    int(MessageBar::Kind::Error));
        return false;
    }
    statusBar()->showMessage(tr("Session saved to %1").arg(path), 5000);
    return true;
}

bool MainWindow::openSessionFile(const QString &path)
{
    auto session = loadSession(path);
    if (!session) {
        showMessage(tr("Could not open the session: %1").arg(QString::fromStdString(session.error().message)),
                    int(MessageBar::Kind::Error));
        return false;
    }
    applySession(session.value());
    return true;
}

void MainWindow::applySession(const Session &s)
{
    togglePlay(false);
    if (const auto w = workspaceFromName(s.layout); w && *w != m_workspaces->current())
        m_workspaces->switchTo(*w);
    restoreState(s.windowState);
    applyControls(s);
    // The what-if prefix belongs to the session's model: it is forced once that
    // model is in (a model change clears any prefix).
    m_pendingPrefix = s.prefix;
    m_pendingIntervention = s.intervention; // its positions and heads too
    m_pendingInterventionHistory = s.interventionHistory;
    m_pendingStep = s.step;
    setStartStep(s.step);
    m_sentence->setText(s.sentence);
    m_controller->setSentence(s.sentence);
    m_controller->clearIntervention(); // the session's own replace the window's
    if (!s.model.isEmpty() && s.model != m_controller->modelSource())
        m_controller->loadModel(s.model);
    else
        applyPendingPrefix();
    // The clip or picture goes to the session's model (waiting while it loads).
    if (!s.audio.isEmpty())
        openAudioFile(s.audio);
    else if (!s.imageFile.isEmpty())
        openImageFile(s.imageFile);
    else if (!s.imagePng.isEmpty())
        openImage(QImage::fromData(s.imagePng, "PNG"), s.imageLabel);
}

void MainWindow::applyControls(const Session &s)
{
    m_sentence->setHistory(s.history);
    m_strategy->setCurrentIndex(s.beamWidth > 1 ? 1 : 0);
    m_beamWidth->setValue(std::max(2, s.beamWidth));
    m_controller->setBeamWidth(s.beamWidth);
    m_speed->setCurrentIndex(s.speed);
    HeatmapOptions o = m_heatmap->view()->options();
    o.colormap = Colormap::fromName(s.colormap);
    o.hideSpecial = s.hideSpecial;
    o.renormalise = s.renormalise;
    o.logScale = s.logScale;
    o.mergeWords = s.mergeWords;
    m_heatmap->view()->setOptions(o);
    m_trace->setSelection(s.selection);
}

void MainWindow::applyPendingPrefix()
{
    // After the prefix: the intervention's decode runs with it. A model
    // that does not fit the edits says so through decodeFailed.
    const Intervention intervention = std::exchange(m_pendingIntervention, {});
    std::vector<Intervention> history = std::exchange(m_pendingInterventionHistory, {});
    if (history.empty() && !intervention.empty())
        history.emplace_back(); // a version 1 session: Undo goes back to the model's own attention
    forcePendingPrefix();
    if ((!intervention.empty() || !history.empty()) && m_controller->model())
        m_controller->restoreIntervention(intervention, history, m_pendingStep);
}

void MainWindow::forcePendingPrefix()
{
    if (m_pendingPrefix.empty())
        return;
    const std::vector<int> prefix = std::exchange(m_pendingPrefix, {});
    const ModelPtr model = m_controller->model();
    if (!model)
        return;
    for (int id : prefix)
        if (id >= model->targetVocab().size()) {
            showMessage(tr("The session's forced tokens do not fit this model's vocabulary: decoding freely."),
                        int(MessageBar::Kind::Warning));
            return;
        }
    m_controller->forcePrefix(prefix, std::min(m_pendingStep, int(prefix.size()) - 1));
    m_resetPrefixAction->setEnabled(true);
}

void MainWindow::writeRecovery()
{
    const QString path = recoveryPath();
    QDir().mkpath(QFileInfo(path).absolutePath());
    (void)saveSession(captureSession(), path); // best effort: never disturbs the user
}

void MainWindow::checkRecovery()
{
    const QString path = recoveryPath();
    if (!QFile::exists(path))
        return;
    // Left behind by a window that did not close normally: keep it aside
    // (this window writes its own copy) and say where it is.
    const QString kept = QFileInfo(path).absoluteDir().filePath(QStringLiteral("recovered-session.json"));
    if (!renameSession(path, kept)) // with a large picture kept beside it
        return;
    showMessage(tr("AlignScope did not close normally last time; its session was kept: File ▸ Open session… %1")
                    .arg(kept),
                int(MessageBar::Kind::Info));
}

} // namespace alignscope::ui
