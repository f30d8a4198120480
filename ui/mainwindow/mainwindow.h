#pragma once
// The main window: sentence and model input, decoding controls, and the
// views in rearrangeable docks, all reading one TraceModel. Decoding runs
// in DecodeController off the GUI thread; stepping only moves the cursor
// through the trace, it never decodes again.

#include "decode/decodecontroller.h"
#include "mainwindow/session.h"
#include "mainwindow/workspaces.h"
#include "decode/tracemodel.h"

#include <QImage>
#include <QMainWindow>

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QSlider;
class QToolButton;
class QSpinBox;
class QTimer;
class QToolBar;

namespace alignscope::ui {

class AlignmentLinesView;
class BeamTreeView;
class ContextView;
class ElidedLabel;
class ExplainPanel;
class HeadGridPanel;
class HeatmapPanel;
class HeadImportancePanel;
class InterventionPanel;
class MessageBar;
class SelfAttentionPanel;
class SentenceEdit;
class SpeechPanel;
class VisionPanel;
class TopKView;
class TrainingPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// The seed sentence shown on first start.
    static QString seedSentence();

    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    DecodeController *controller() const { return m_controller; }
    TraceModel *traceModel() const { return m_trace; }
    SentenceEdit *sentenceEdit() const { return m_sentence; }
    HeatmapPanel *heatmap() const { return m_heatmap; }
    TopKView *topK() const { return m_topK; }
    BeamTreeView *beamTree() const { return m_beamTree; }
    ExplainPanel *explainPanel() const { return m_explain; }
    HeadGridPanel *headGrid() const { return m_headGrid; }
    SelfAttentionPanel *selfAttention() const { return m_selfAttention; }
    /// The edited decode beside the original, with Undo edit and Clear edits.
    InterventionPanel *interventionPanel() const { return m_intervention; }
    MessageBar *messageBar() const { return m_messages; }
    /// The Speech dock: a clip's spectrogram with the attention, word boxes and playback.
    SpeechPanel *speechPanel() const { return m_speech; }
    /// The Vision dock: the picture with the attention over its patches, CLS share and caption.
    VisionPanel *visionPanel() const { return m_vision; }
    /// File ▸ Open image… and Edit ▸ Paste image.
    QAction *openImageAction() const { return m_openImageAction; }
    QAction *pasteImageAction() const { return m_pasteImageAction; }
    /// File ▸ New random scene: a picture of shapes drawn as the scenes task draws them.
    QAction *randomSceneAction() const { return m_randomSceneAction; }
    QComboBox *modelPicker() const { return m_modelPicker; }
    /// File ▸ Hugging Face cache: the cached snapshots, rebuilt each time it opens.
    QMenu *huggingFaceMenu() const { return m_huggingFaceMenu; }
    /// A folder's loading in the status bar: its percent, and Cancel beside it.
    QProgressBar *loadProgressBar() const { return m_loadProgress; }
    QToolButton *cancelLoadButton() const { return m_cancelLoad; }
    TrainingPanel *trainingPanel() const { return m_training; }
    /// The per-task arrangements of the docks (View ▸ Layout, Ctrl+1…3).
    Workspaces *workspaces() const { return m_workspaces; }
    /// The action that switches to a workspace (its mode-bar button).
    QAction *workspaceAction(Workspace w) const { return m_workspaceActions.value(int(w)); }
    /// The translation of the selected hypothesis as shown in the window.
    QString translationText() const;

    /// What the window shows now, as a session (File ▸ Save session).
    Session captureSession() const;
    /// Where the crash-recovery copy of the session is kept while the window is open.
    static QString recoveryPath();

public slots:
    /// Saves the session atomically; false (and a message in the window) on failure.
    bool saveSessionFile(const QString &path);
    /// Opens a session: all of it, or (on any error) nothing, with a message.
    bool openSessionFile(const QString &path);
    /// Opens a model file or a Hugging Face model folder (File ▸ Open model,
    /// Open model folder, the Hugging Face cache, recent list, drag and
    /// drop); a folder's config.json stands for the folder.
    void openModelFile(const QString &path);
    void showMessage(const QString &text, int kind = 2);
    /// Transcribes an audio clip with the current model (File ▸ Open audio…,
    /// drag and drop); false, with a message, when the model reads text or
    /// there is no such file. While a model loads, the clip waits for it.
    bool openAudioFile(const QString &path);
    /// Captions a picture file with the current model (File ▸ Open image…,
    /// drag and drop, --image); false, with one message, when the model does
    /// not read images or Qt cannot read the file. While a model loads, the
    /// picture waits for it.
    bool openImageFile(const QString &path);
    /// Captions `image` (a paste, a dropped picture); `label` names it.
    bool openImage(const QImage &image, const QString &label);
    /// Edit ▸ Paste image: the clipboard's picture, or the image file copied there.
    bool pasteImage();
    /// Captions the scenes task's picture for `seed` (drawScene), labelled
    /// "random scene SEED", as openImage does (--scene SEED at start).
    bool openScene(unsigned seed);
    /// Replaces the sentence and decodes it.
    void setSentence(const QString &sentence);
    /// Step (0-based) to show when the next fresh trace arrives (command line).
    void setStartStep(int step) { m_startStep = step; }

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    // mainwindow_actions.cpp
    void createActions();
    void createMenus();
    void createToolBars();
    void createWorkspaceActions();
    void rebuildRecentMenu();
    void rebuildHuggingFaceMenu();
    void createLoadProgress();
    void updateStepControls();
    void togglePlay(bool play);
    // mainwindow.cpp
    void createDocks();
    /// The default arrangement of a workspace (Workspaces calls it).
    void arrangeWorkspace(Workspace w);
    void onWorkspaceSwitched(Workspace w);
    QDockWidget *addDock(const QString &title, const QString &name, QWidget *content, Qt::DockWidgetArea area,
                         bool scroll);
    void connectModel();
    void startUp();
    /// Without a model (the one at start-up failed or was cancelled): a bundled one, else a random one.
    void fallBackIfEmpty();
    /// The source field names the picture or clip a vision or speech model
    /// reads (greyed: it takes no text then), and gives the typed sentence
    /// back when a text model returns.
    void updateSentenceField();
    /// The sentence the user typed (the controller's while the field names a picture or clip).
    QString typedSentence() const;
    void populateModelPicker();
    void onTraceReady(TracePtr trace, int focusStep);
    void onModelChanged(const QString &name);
    void onTraceChanged();
    void forceCandidate(int step, int tokenId);
    void rememberRecent(const QString &path);
    void loadSettings();
    // mainwindow_intervene.cpp
    /// The Intervention dock and the gestures that edit attention or switch heads off.
    void createIntervention();
    void editAttention(int step, int source);
    /// A heatmap drag reshaped step `step`'s row into `weights` (n).
    void reshapeAttention(int step, const alignscope::Vector &weights);
    void dropSource(int source);
    void switchHead(int layer, int head, bool off);
    // mainwindow_speech.cpp
    /// File name endings of the clips File ▸ Open audio and drops take.
    static QStringList audioSuffixes();
    /// The Speech dock and File ▸ Open audio.
    void createSpeech();
    // mainwindow_vision.cpp
    /// Whether a file name ends like a picture Qt's image readers open.
    static bool isImageFile(const QString &path);
    /// The Vision dock, File ▸ Open image and Edit ▸ Paste image.
    void createVision();
    /// Whether the current model reads images; a message saying what to open when not.
    bool acceptsImages();
    // mainwindow_session.cpp
    void applySession(const Session &session);
    /// The controls a session and the saved settings both restore: history,
    /// strategy and beam width, playback speed, heatmap options.
    void applyControls(const Session &session);
    void applyPendingPrefix();
    void forcePendingPrefix();
    void writeRecovery();
    void checkRecovery();
    void saveSettings() const;

    DecodeController *m_controller;
    TraceModel *m_trace;

    SentenceEdit *m_sentence = nullptr;
    QComboBox *m_modelPicker = nullptr;
    QComboBox *m_strategy = nullptr;
    QSpinBox *m_beamWidth = nullptr;
    QSlider *m_stepSlider = nullptr;
    QLabel *m_stepLabel = nullptr;
    QComboBox *m_speed = nullptr;
    ElidedLabel *m_translation = nullptr;
    QLabel *m_status = nullptr;
    MessageBar *m_messages = nullptr;
    QToolBar *m_messageBarHolder = nullptr;
    QTimer *m_playTimer = nullptr;

    HeatmapPanel *m_heatmap = nullptr;
    AlignmentLinesView *m_lines = nullptr;
    ContextView *m_context = nullptr;
    TopKView *m_topK = nullptr;
    BeamTreeView *m_beamTree = nullptr;
    ExplainPanel *m_explain = nullptr;
    HeadGridPanel *m_headGrid = nullptr;
    SelfAttentionPanel *m_selfAttention = nullptr;
    InterventionPanel *m_intervention = nullptr;
    SpeechPanel *m_speech = nullptr;
    QDockWidget *m_speechDock = nullptr;
    QAction *m_openAudioAction = nullptr;
    QString m_pendingAudio; ///< a clip opened while its model still loads (--audio at start)
    VisionPanel *m_vision = nullptr;
    QDockWidget *m_visionDock = nullptr;
    QAction *m_openImageAction = nullptr;
    QAction *m_pasteImageAction = nullptr;
    QAction *m_randomSceneAction = nullptr;
    QString m_pendingImage; ///< a picture opened while its model still loads (--image at start)
    QImage m_pendingPicture; ///< a picture given as pixels while its model loads (a session's), and its label
    QString m_pendingPictureLabel;
    /// A pasted, dropped or drawn picture's PNG as sessions keep it, and the picture it encodes.
    mutable std::shared_ptr<const RgbImage> m_sessionPicture;
    mutable QByteArray m_sessionPng;
    QDockWidget *m_interventionDock = nullptr;
    QList<QDockWidget *> m_docks;

    QAction *m_openAction = nullptr;
    QAction *m_openFolderAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_firstAction = nullptr;
    QAction *m_previousAction = nullptr;
    QAction *m_nextAction = nullptr;
    QAction *m_lastAction = nullptr;
    QAction *m_playAction = nullptr;
    QAction *m_focusSentenceAction = nullptr;
    QAction *m_resetPrefixAction = nullptr;
    QAction *m_resetLayoutAction = nullptr;
    QAction *m_trainAction = nullptr;
    QAction *m_saveSessionAction = nullptr;
    QAction *m_openSessionAction = nullptr;
    QTimer *m_recoveryTimer = nullptr;
    std::vector<int> m_pendingPrefix; ///< a session's what-if, forced once its model is in
    Intervention m_pendingIntervention; ///< a session's edits, applied once its model is in
    std::vector<Intervention> m_pendingInterventionHistory; ///< and their undo steps
    int m_pendingStep = 0;
    QDockWidget *m_trainingDock = nullptr;
    TrainingPanel *m_training = nullptr;
    QMenu *m_recentMenu = nullptr;
    QMenu *m_huggingFaceMenu = nullptr;
    QProgressBar *m_loadProgress = nullptr;
    QToolButton *m_cancelLoad = nullptr;
    QMenu *m_viewMenu = nullptr;
    Workspaces *m_workspaces = nullptr;
    QList<QAction *> m_workspaceActions; // by Workspace
    QDockWidget *m_compareDock = nullptr;
    bool m_haveModel = false;
    int m_startStep = 0;
};

} // namespace alignscope::ui
