// MainWindow's actions, menus and tool bars: every command has a menu
// entry, a tooltip and a shortcut, so the whole window works from the keyboard.

#include "mainwindow/mainwindow.h"

#include "attention/alignmentlinesview.h"
#include "attention/interventionpanel.h"
#include "widgets/elidedlabel.h"
#include "export/exportdialog.h"
#include "attention/heatmapview.h"
#include "widgets/messagebar.h"
#include "widgets/sentenceedit.h"
#include "attention/topkview.h"
#include "decode/modelsources.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QStatusBar>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

namespace alignscope::ui {
namespace {

QAction *makeAction(QObject *parent, const QString &text, const QString &tip, const QList<QKeySequence> &keys,
                    QStyle::StandardPixmap icon = QStyle::SP_CustomBase)
{
    auto *a = new QAction(text, parent);
    a->setShortcuts(keys);
    const QString key = keys.isEmpty() ? QString() : keys.first().toString(QKeySequence::NativeText);
    a->setToolTip(key.isEmpty() ? tip : QStringLiteral("%1 (%2)").arg(tip, key));
    a->setStatusTip(tip);
    if (icon != QStyle::SP_CustomBase)
        a->setIcon(QApplication::style()->standardIcon(icon));
    return a;
}

constexpr double kSpeeds[] = {0.5, 1.0, 2.0, 4.0}; // steps per second

} // namespace

void MainWindow::createActions()
{
    m_openAction = makeAction(this, tr("&Open model…"),
                              tr("Open a model file (.safetensors), a PyTorch tutorial checkpoint (.pt, .pth), "
                                 "a whisper.cpp model (ggml-*.bin) or a Hugging Face model folder's config.json"),
                              {QKeySequence::Open}, QStyle::SP_DialogOpenButton);
    connect(m_openAction, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open model"), QString(),
            tr("Models (*.safetensors *.pt *.pth *.tar *.bin config.json);;AlignScope models (*.safetensors);;"
               "PyTorch checkpoints (*.pt *.pth *.tar *.safetensors);;whisper.cpp models (*.bin);;"
               "Hugging Face model folders (config.json);;"
               "All files (*)"));
        openModelFile(path);
    });
    m_openFolderAction = makeAction(this, tr("Open model &folder…"),
                                    tr("Open a Hugging Face model folder (config.json with the weights and the "
                                       "tokenizer's files): T5, BART or Marian"),
                                    {QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O)}, QStyle::SP_DirOpenIcon);
    m_openFolderAction->setObjectName(QStringLiteral("openModelFolder"));
    connect(m_openFolderAction, &QAction::triggered, this, [this] {
        openModelFile(QFileDialog::getExistingDirectory(this, tr("Open model folder")));
    });
    m_saveSessionAction = makeAction(this, tr("&Save session…"),
                                     tr("Save the sentence, model, forced tokens and view settings to a file"),
                                     {QKeySequence::Save}, QStyle::SP_DialogSaveButton);
    connect(m_saveSessionAction, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save session"), QStringLiteral("session.json"),
                                                          tr("AlignScope sessions (*.json)"));
        if (!path.isEmpty())
            saveSessionFile(path);
    });
    m_openSessionAction = makeAction(this, tr("Open s&ession…"), tr("Restore a saved session"),
                                     {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O)});
    connect(m_openSessionAction, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open session"), QString(),
                                                          tr("AlignScope sessions (*.json);;All files (*)"));
        if (!path.isEmpty())
            openSessionFile(path);
    });
    m_quitAction = makeAction(this, tr("&Quit"), tr("Quit AlignScope"), {QKeySequence::Quit});
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_firstAction = makeAction(this, tr("&First step"), tr("Go to the first step"), {Qt::Key_Home},
                               QStyle::SP_MediaSkipBackward);
    m_previousAction = makeAction(this, tr("&Previous step"), tr("Go one step back"),
                                  {Qt::Key_Left, QKeySequence(Qt::ALT | Qt::Key_Left)}, QStyle::SP_MediaSeekBackward);
    m_nextAction = makeAction(this, tr("&Next step"), tr("Go one step forward"),
                              {Qt::Key_Right, QKeySequence(Qt::ALT | Qt::Key_Right)}, QStyle::SP_MediaSeekForward);
    m_lastAction = makeAction(this, tr("&Last step"), tr("Go to the last step"), {Qt::Key_End},
                              QStyle::SP_MediaSkipForward);
    m_playAction = makeAction(this, tr("P&lay"), tr("Play or pause stepping through the decode"), {Qt::Key_Space},
                              QStyle::SP_MediaPlay);
    m_playAction->setCheckable(true);
    m_playAction->setObjectName(QStringLiteral("playAction"));
    connect(m_firstAction, &QAction::triggered, m_trace, &TraceModel::first);
    connect(m_previousAction, &QAction::triggered, m_trace, &TraceModel::previous);
    connect(m_nextAction, &QAction::triggered, m_trace, &TraceModel::next);
    connect(m_lastAction, &QAction::triggered, m_trace, &TraceModel::last);
    connect(m_playAction, &QAction::toggled, this, &MainWindow::togglePlay);
    connect(m_playTimer, &QTimer::timeout, this, [this] {
        if (m_trace->step() + 1 >= m_trace->stepCount())
            return togglePlay(false);
        m_trace->next();
    });

    m_focusSentenceAction = makeAction(this, tr("Edit &sentence"), tr("Put the cursor in the sentence field"),
                                       {QKeySequence(Qt::CTRL | Qt::Key_L)});
    connect(m_focusSentenceAction, &QAction::triggered, this, [this] {
        m_sentence->setFocus();
        m_sentence->lineEdit()->selectAll();
    });
    m_resetPrefixAction = makeAction(this, tr("&Undo what-if"), tr("Drop the forced tokens and decode freely again"),
                                     {QKeySequence(Qt::CTRL | Qt::Key_Backspace)}, QStyle::SP_BrowserReload);
    m_resetPrefixAction->setEnabled(false);
    connect(m_resetPrefixAction, &QAction::triggered, m_controller, &DecodeController::clearPrefix);
    m_resetLayoutAction = makeAction(this, tr("&Reset layout"), tr("Put this layout's views back in their places"), {});
    connect(m_resetLayoutAction, &QAction::triggered, this, [this] { m_workspaces->reset(); });
    m_resetLayoutAction->setObjectName(QStringLiteral("resetLayout"));
    createWorkspaceActions();
    m_trainAction = makeAction(this, tr("&Train a model…"),
                               tr("Train a model in the window and watch its attention emerge"),
                               {QKeySequence(Qt::CTRL | Qt::Key_T)});
    m_trainAction->setObjectName(QStringLiteral("trainAction"));
    connect(m_trainAction, &QAction::triggered, this, [this] {
        m_workspaces->switchTo(Workspace::Train);
        m_trainingDock->show();
        m_trainingDock->raise();
    });
    // Window-wide so they work from any view; a focused text field still
    // gets its own arrow keys first.
    addActions({m_firstAction, m_previousAction, m_nextAction, m_lastAction, m_playAction, m_focusSentenceAction,
                m_resetPrefixAction, m_openAction, m_openFolderAction, m_quitAction, m_trainAction});
}

// Step through, Compare, Train: one checkable action each (Ctrl+1…3), in
// View ▸ Layout and on a mode bar down the left edge, as Qt Creator's modes.
void MainWindow::createWorkspaceActions()
{
    struct Mode {
        Workspace workspace;
        QString text, tip;
    };
    const Mode modes[] = {
        {Workspace::StepThrough, tr("Step"), tr("Step through a decode: the heatmap first, with every view")},
        {Workspace::Compare, tr("Compare"), tr("Compare models: the grid of heatmaps, the difference and the table")},
        {Workspace::Train, tr("Train"), tr("Train a model: the form, the charts and the watched sentence")},
    };
    auto *group = new QActionGroup(this);
    int key = Qt::Key_1;
    for (const Mode &m : modes) {
        QAction *a = makeAction(this, m.text, m.tip, {QKeySequence(Qt::CTRL | Qt::Key(key++))});
        a->setObjectName(QStringLiteral("layout-") + workspaceName(m.workspace));
        a->setCheckable(true);
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, w = m.workspace] {
            if (w != m_workspaces->current())
                m_workspaces->switchTo(w);
        });
        m_workspaceActions << a;
    }
    m_workspaceActions.front()->setChecked(true);
    addActions(m_workspaceActions);
}

void MainWindow::onWorkspaceSwitched(Workspace w)
{
    if (QAction *a = m_workspaceActions.value(int(w)))
        a->setChecked(true);
}

void MainWindow::createToolBars()
{
    QToolBar *modes = new QToolBar(tr("Layouts"), this);
    modes->setObjectName(QStringLiteral("layoutToolBar"));
    modes->setMovable(false);
    modes->setToolButtonStyle(Qt::ToolButtonTextOnly);
    modes->addActions(m_workspaceActions);
    addToolBar(Qt::LeftToolBarArea, modes);

    QToolBar *input = addToolBar(tr("Sentence"));
    input->setObjectName(QStringLiteral("sentenceToolBar"));
    m_modelPicker = new QComboBox(input);
    m_modelPicker->setToolTip(tr("Model: the bundled models and any model file or folder you opened (Ctrl+O, "
                                 "Ctrl+Alt+O, File ▸ Hugging Face cache, or drop a file or folder)"));
    m_modelPicker->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_modelPicker, &QComboBox::activated, this, [this](int index) {
        const QString source = m_modelPicker->itemData(index).toString();
        if (!source.isEmpty() && source != m_controller->modelSource())
            m_controller->loadModel(source);
    });
    input->addWidget(new QLabel(tr(" Model "), input));
    input->addWidget(m_modelPicker);
    input->addSeparator();
    m_sentence = new SentenceEdit(input);
    input->addWidget(new QLabel(tr(" Source "), input));
    input->addWidget(m_sentence);
    input->addSeparator();
    m_strategy = new QComboBox(input);
    m_strategy->addItems({tr("Greedy"), tr("Beam search")});
    m_strategy->setToolTip(tr("Decoding strategy: greedy takes the most probable token; beam search keeps several hypotheses"));
    m_beamWidth = new QSpinBox(input);
    m_beamWidth->setRange(2, 16);
    m_beamWidth->setPrefix(tr("width "));
    m_beamWidth->setToolTip(tr("Beam width: how many hypotheses beam search keeps at each step"));
    auto applyBeam = [this] {
        const bool beam = m_strategy->currentIndex() == 1;
        m_beamWidth->setEnabled(beam);
        m_controller->setBeamWidth(beam ? m_beamWidth->value() : 1);
    };
    connect(m_strategy, &QComboBox::currentIndexChanged, this, applyBeam);
    connect(m_beamWidth, &QSpinBox::valueChanged, this, applyBeam);
    input->addWidget(m_strategy);
    input->addWidget(m_beamWidth);
    m_beamWidth->setEnabled(false);

    addToolBarBreak();
    QToolBar *steps = addToolBar(tr("Steps"));
    steps->setObjectName(QStringLiteral("stepsToolBar"));
    steps->addActions({m_firstAction, m_previousAction, m_playAction, m_nextAction, m_lastAction});
    m_stepSlider = new QSlider(Qt::Horizontal, steps);
    m_stepSlider->setMinimumWidth(160);
    m_stepSlider->setMaximumWidth(320);
    m_stepSlider->setToolTip(tr("Decode step: drag to move through the target tokens"));
    m_stepSlider->setPageStep(1);
    connect(m_stepSlider, &QSlider::valueChanged, this, [this](int v) { m_trace->setStep(v - 1); });
    steps->addWidget(m_stepSlider);
    m_stepLabel = new QLabel(steps);
    m_stepLabel->setMinimumWidth(90);
    m_stepLabel->setAlignment(Qt::AlignCenter);
    m_stepLabel->setToolTip(tr("Current step / number of steps of the selected hypothesis"));
    steps->addWidget(m_stepLabel);
    m_speed = new QComboBox(steps);
    m_speed->setObjectName(QStringLiteral("playbackSpeed"));
    for (double s : kSpeeds)
        m_speed->addItem(tr("%1 steps/s").arg(s));
    m_speed->setCurrentIndex(1);
    m_speed->setToolTip(tr("Playback speed"));
    connect(m_speed, &QComboBox::currentIndexChanged, this,
            [this](int i) { m_playTimer->setInterval(int(1000 / kSpeeds[std::clamp(i, 0, 3)])); });
    m_playTimer->setInterval(1000);
    steps->addWidget(m_speed);
    steps->addSeparator();
    steps->addAction(m_resetPrefixAction);
    m_translation = new ElidedLabel(steps);
    m_translation->setContentsMargins(12, 0, 8, 0);
    QFont big = m_translation->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    m_translation->setFont(big);
    steps->addWidget(m_translation);

    addToolBarBreak();
    m_messageBarHolder = addToolBar(tr("Messages"));
    m_messageBarHolder->setObjectName(QStringLiteral("messageToolBar"));
    m_messageBarHolder->setMovable(false);
    m_messages = new MessageBar(m_messageBarHolder);
    m_messages->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    m_messageBarHolder->addWidget(m_messages);
    m_messageBarHolder->toggleViewAction()->setVisible(false);
    m_messageBarHolder->hide();
    connect(m_messages, &MessageBar::dismissed, m_messageBarHolder, &QWidget::hide);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    file->addAction(m_openFolderAction);
    file->addAction(m_openAudioAction);
    file->addAction(m_openImageAction);
    file->addAction(m_randomSceneAction);
    m_huggingFaceMenu = file->addMenu(tr("&Hugging Face cache"));
    m_huggingFaceMenu->setObjectName(QStringLiteral("huggingFaceMenu"));
    m_huggingFaceMenu->setToolTipsVisible(true);
    // Listing the cache only lists folders: cheap enough to redo at every opening.
    connect(m_huggingFaceMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildHuggingFaceMenu);
    m_recentMenu = file->addMenu(tr("Open &recent"));
    rebuildRecentMenu();
    file->addSeparator();
    file->addActions({m_openSessionAction, m_saveSessionAction});
    file->addSeparator();
    file->addAction(m_quitAction);
    addExportActions(this, file, m_heatmap ? m_heatmap->view() : nullptr, m_trace, m_lines);

    menuBar()->addMenu(tr("&Edit"))->addAction(m_pasteImageAction);

    QMenu *decode = menuBar()->addMenu(tr("&Decode"));
    decode->addAction(m_focusSentenceAction);
    decode->addSeparator();
    decode->addActions({m_firstAction, m_previousAction, m_nextAction, m_lastAction, m_playAction});
    decode->addSeparator();
    decode->addAction(m_resetPrefixAction);
    decode->addActions({m_intervention->undoAction(), m_intervention->clearAction()});

    menuBar()->addMenu(tr("&Train"))->addAction(m_trainAction);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    int key = Qt::Key_1;
    for (QDockWidget *dock : std::as_const(m_docks)) {
        QAction *focus = makeAction(this, tr("Go to %1").arg(dock->windowTitle()),
                                    tr("Show the %1 view and move the keyboard focus there").arg(dock->windowTitle()),
                                    {QKeySequence(Qt::ALT | Qt::Key(key++))});
        connect(focus, &QAction::triggered, dock, [dock] {
            dock->show();
            dock->raise();
            dock->widget()->setFocus();
        });
        addAction(focus);
        m_viewMenu->addAction(focus);
    }
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(m_heatmap->mergeWordsAction());
    m_viewMenu->addSeparator();
    QMenu *layouts = m_viewMenu->addMenu(tr("&Layout"));
    layouts->addActions(m_workspaceActions);
    layouts->addSeparator();
    layouts->addAction(m_resetLayoutAction);
    QMenu *panels = m_viewMenu->addMenu(tr("&Panels"));
    for (QDockWidget *dock : std::as_const(m_docks))
        panels->addAction(dock->toggleViewAction());
    m_viewMenu->addAction(m_resetLayoutAction);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About AlignScope"), this, [this] {
        QMessageBox::about(this, tr("About AlignScope"),
                           tr("<b>AlignScope</b><p>See encoder–decoder attention at work: scores e<sub>tj</sub>, "
                              "weights α<sub>tj</sub>, context c<sub>t</sub> and the next-token distribution, "
                              "one decoding step at a time.</p>"));
    });
}

void MainWindow::rebuildRecentMenu()
{
    if (!m_recentMenu)
        return;
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recentModels")).toStringList();
    for (int i = 0; i < recent.size(); ++i) {
        QAction *a = m_recentMenu->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(modelLabel(recent[i])));
        a->setToolTip(recent[i]);
        connect(a, &QAction::triggered, this, [this, path = recent[i]] { openModelFile(path); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::rebuildHuggingFaceMenu()
{
    m_huggingFaceMenu->clear();
    const QList<CachedModelEntry> entries = huggingFaceCacheEntries();
    for (const CachedModelEntry &e : entries) {
        QAction *a = m_huggingFaceMenu->addAction(e.label);
        a->setToolTip(e.toolTip);
        a->setStatusTip(e.path);
        connect(a, &QAction::triggered, this, [this, path = e.path] { openModelFile(path); });
    }
    if (entries.isEmpty()) {
        const QString where = huggingFaceCacheLocation();
        QAction *none = m_huggingFaceMenu->addAction(
            where.isEmpty() ? tr("No Hugging Face cache (HOME is not set)") : tr("No models in %1").arg(where));
        none->setEnabled(false);
    }
}

// A folder's loading: "Opening NAME… 42%" and Cancel in the status bar, shown only while it runs.
void MainWindow::createLoadProgress()
{
    m_loadProgress = new QProgressBar(this);
    m_loadProgress->setObjectName(QStringLiteral("loadProgress"));
    m_loadProgress->setRange(0, 100);
    m_loadProgress->setMaximumWidth(320);
    m_loadProgress->setTextVisible(true);
    m_cancelLoad = new QToolButton(this);
    m_cancelLoad->setObjectName(QStringLiteral("cancelLoad"));
    m_cancelLoad->setText(tr("Cancel"));
    m_cancelLoad->setToolTip(tr("Stop opening the model; the current one stays"));
    statusBar()->addPermanentWidget(m_loadProgress);
    statusBar()->addPermanentWidget(m_cancelLoad);
    m_loadProgress->hide();
    m_cancelLoad->hide();
    connect(m_cancelLoad, &QToolButton::clicked, m_controller, &DecodeController::cancelLoad);
    connect(m_controller, &DecodeController::loadProgress, this, [this](const QString &source, double fraction) {
        m_loadProgress->setFormat(tr("Opening %1… %p%").arg(modelLabel(source)));
        m_loadProgress->setValue(int(std::lround(100 * fraction)));
        m_loadProgress->show();
        m_cancelLoad->show();
    });
    connect(m_controller, &DecodeController::loadEnded, this, [this] {
        m_loadProgress->hide();
        m_cancelLoad->hide();
    });
    connect(m_controller, &DecodeController::loadCancelled, this, [this](const QString &source) {
        const QString current = m_haveModel ? QString::fromStdString(m_controller->model()->name()) : QString();
        statusBar()->showMessage(current.isEmpty() ? tr("Stopped opening %1").arg(modelLabel(source))
                                                   : tr("Stopped opening %1; still showing %2")
                                                         .arg(modelLabel(source), current),
                                 8000);
        fallBackIfEmpty();
    });
}

void MainWindow::updateStepControls()
{
    const int count = m_trace->stepCount();
    const int step = m_trace->step();
    {
        QSignalBlocker block(m_stepSlider);
        m_stepSlider->setRange(count > 0 ? 1 : 0, count);
        m_stepSlider->setValue(count > 0 ? step + 1 : 0);
    }
    m_stepSlider->setEnabled(count > 1);
    m_stepLabel->setText(count > 0 ? tr("Step %1 / %2").arg(step + 1).arg(count) : tr("No steps"));
    m_firstAction->setEnabled(step > 0);
    m_previousAction->setEnabled(step > 0);
    m_nextAction->setEnabled(step + 1 < count);
    m_lastAction->setEnabled(step + 1 < count);
    m_playAction->setEnabled(count > 1);
}

void MainWindow::togglePlay(bool play)
{
    if (play && m_trace->step() + 1 >= m_trace->stepCount())
        m_trace->first(); // playing from the end starts over
    if (m_playAction->isChecked() != play) {
        QSignalBlocker block(m_playAction);
        m_playAction->setChecked(play);
    }
    m_playAction->setIcon(style()->standardIcon(play ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    m_playAction->setText(play ? tr("Pa&use") : tr("P&lay"));
    play ? m_playTimer->start() : m_playTimer->stop();
}

} // namespace alignscope::ui
