#include "mainwindow/mainwindow.h"

#include "attention/alignmentlinesview.h"
#include "attention/beamtreeview.h"
#include "compare/compareview.h"
#include "attention/contextview.h"
#include "widgets/elidedlabel.h"
#include "attention/explainpanel.h"
#include "attention/headgrid.h"
#include "attention/heatmapview.h"
#include "attention/selfattentionview.h"
#include "widgets/messagebar.h"
#include "widgets/sentenceedit.h"
#include "attention/topkview.h"
#include "decode/modelsources.h"
#include "training/trainingpanel.h"

#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStatusBar>
#include <QJsonDocument>
#include <QTimer>
#include <QToolBar>

#include <utility>

namespace alignscope::ui {
namespace {

constexpr int kRecentModels = 8;
constexpr int kInfoSeconds = 8; // an information message's time in the bar before the status bar

QStringList bundledNames()
{
    QStringList names;
    for (const std::string &n : bundledModelNames())
        names << QString::fromStdString(n);
    return names;
}

} // namespace

QString MainWindow::seedSentence()
{
    return QStringLiteral("The cat sat on the mat");
}

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_controller(new DecodeController(this)), m_trace(new TraceModel(this))
{
    setWindowTitle(tr("AlignScope"));
    setObjectName(QStringLiteral("mainWindow"));
    setAcceptDrops(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowNestedDocks | QMainWindow::AllowTabbedDocks);
    m_playTimer = new QTimer(this);
    createActions();
    createToolBars();
    createDocks();
    createMenus();
    m_status = new QLabel(this);
    statusBar()->addPermanentWidget(m_status);
    createLoadProgress();
    connectModel();
    resize(1400, 900);
    m_workspaces = new Workspaces(this, [this](Workspace w) { arrangeWorkspace(w); });
    connect(m_workspaces, &Workspaces::switched, this, &MainWindow::onWorkspaceSwitched);
    m_workspaces->captureDefaults();
    loadSettings();
    startUp();
    checkRecovery();
    // The crash-recovery copy follows what the window shows, a moment after it changes.
    m_recoveryTimer = new QTimer(this);
    m_recoveryTimer->setSingleShot(true);
    m_recoveryTimer->setInterval(2000);
    connect(m_recoveryTimer, &QTimer::timeout, this, &MainWindow::writeRecovery);
    connect(m_trace, &TraceModel::traceChanged, m_recoveryTimer, qOverload<>(&QTimer::start));
}

MainWindow::~MainWindow()
{
    removeSession(recoveryPath()); // a normal end: nothing to recover
}

QDockWidget *MainWindow::addDock(const QString &title, const QString &name, QWidget *content, Qt::DockWidgetArea area,
                                 bool scroll)
{
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(name); // saveState() keys docks by object name
    if (scroll) {
        auto *area_ = new QScrollArea(dock);
        area_->setWidget(content);
        area_->setWidgetResizable(true);
        area_->setFrameShape(QFrame::NoFrame);
        area_->setBackgroundRole(QPalette::Base);
        dock->setWidget(area_);
    } else {
        dock->setWidget(content);
    }
    dock->setToolTip(content->toolTip());
    addDockWidget(area, dock);
    m_docks << dock;
    return dock;
}

void MainWindow::createDocks()
{
    m_heatmap = new HeatmapPanel(m_trace, this);
    m_lines = new AlignmentLinesView(m_trace, this);
    m_context = new ContextView(m_trace, this);
    m_topK = new TopKView(m_trace, this);
    m_beamTree = new BeamTreeView(m_trace, this);
    m_explain = new ExplainPanel(m_trace, this);
    m_headGrid = new HeadGridPanel(m_trace, m_controller, this);
    m_selfAttention = new SelfAttentionPanel(m_trace, this);

    QDockWidget *heat = addDock(tr("Attention heatmap"), QStringLiteral("heatmapDock"), m_heatmap, Qt::LeftDockWidgetArea, false);
    QDockWidget *lines = addDock(tr("Alignment lines"), QStringLiteral("linesDock"), m_lines, Qt::LeftDockWidgetArea, true);
    QDockWidget *topk = addDock(tr("Next token"), QStringLiteral("topkDock"), m_topK, Qt::RightDockWidgetArea, false);
    QDockWidget *explain = addDock(tr("Explain"), QStringLiteral("explainDock"), m_explain, Qt::RightDockWidgetArea, false);
    QDockWidget *context = addDock(tr("Context vector"), QStringLiteral("contextDock"), m_context, Qt::BottomDockWidgetArea, false);
    QDockWidget *tree = addDock(tr("Beam tree"), QStringLiteral("beamDock"), m_beamTree, Qt::BottomDockWidgetArea, true);
    splitDockWidget(heat, lines, Qt::Vertical);
    splitDockWidget(topk, explain, Qt::Vertical);
    splitDockWidget(context, tree, Qt::Horizontal);
    // A Transformer's views: the head grid beside the alignment lines, the
    // self-attention beside the context vector; raised when a model has heads.
    tabifyDockWidget(lines, addDock(tr("Heads"), QStringLiteral("headsDock"), m_headGrid, Qt::LeftDockWidgetArea, false));
    tabifyDockWidget(context, addDock(tr("Self-attention"), QStringLiteral("selfDock"), m_selfAttention,
                                      Qt::BottomDockWidgetArea, false));
    lines->raise();
    context->raise();

    // Compare models: a tab behind the heatmap; it decodes only while shown.
    auto *compare = new CompareView(m_trace, m_modelPicker, this);
    // Tabs behind the heatmap must not make its area taller than the heatmap needs.
    compare->setMinimumSize(320, 240);
    tabifyDockWidget(heat, addDock(tr("Compare models"), QStringLiteral("compareDock"), compare,
                                   Qt::LeftDockWidgetArea, false));
    heat->raise();
    connect(m_controller, &DecodeController::traceReady, compare, [this, compare](TracePtr trace) {
        if (trace->source.kind == SourceKind::Text)
            compare->setSentence(QString::fromStdString(trace->source.text));
        else if (trace->source.kind == SourceKind::Image && m_controller->image()) // the picture, not the resized one
            compare->setImage(m_controller->image(), m_controller->imageLabel());
    });

    // Training: a tab behind the heatmap, hidden until Train ▸ Train a model;
    // a trained model joins the picker the way an opened file does.
    auto *training = m_training = new TrainingPanel(this);
    training->setMinimumSize(320, 240);
    m_trainingDock = addDock(tr("Training"), QStringLiteral("trainingDock"), training, Qt::LeftDockWidgetArea, false);
    tabifyDockWidget(heat, m_trainingDock);
    m_trainingDock->hide();
    heat->raise();
    connect(training, &TrainingPanel::modelTrained, this, &MainWindow::openModelFile);

    // One "Merge word pieces" for every view of attention (the heatmap's tool bar and View menu).
    auto shareMerge = [this, compare] {
        const bool merge = m_heatmap->view()->options().mergeWords;
        HeatmapView *self = m_selfAttention->view();
        if (self->options().mergeWords != merge) {
            HeatmapOptions o = self->options();
            o.mergeWords = merge;
            self->setOptions(o);
        }
        m_headGrid->view()->setMergeWords(merge);
        compare->setMergeWords(merge);
    };
    connect(m_heatmap->view(), &HeatmapView::optionsChanged, this, shareMerge);
    shareMerge();

    m_compareDock = findChild<QDockWidget *>(QStringLiteral("compareDock"));
    createIntervention();
    createSpeech();
    createVision();
}

void MainWindow::arrangeWorkspace(Workspace w)
{
    auto dock = [this](const char *name) { return findChild<QDockWidget *>(QLatin1String(name)); };
    QDockWidget *heat = dock("heatmapDock"), *lines = dock("linesDock"), *topk = dock("topkDock");
    QDockWidget *explain = dock("explainDock"), *context = dock("contextDock"), *tree = dock("beamDock");
    // Every dock keeps its place when hidden, so a workspace is the set shown
    // and the one raised in the tabs behind the heatmap.
    QDockWidget *main = w == Workspace::Compare ? m_compareDock : w == Workspace::Train ? m_trainingDock : heat;
    for (QDockWidget *d : std::as_const(m_docks)) {
        d->setFloating(false);
        // Step-through shows every view, compare behind the heatmap; the others their main view alone.
        d->setVisible(w == Workspace::StepThrough ? d != m_trainingDock : d == main);
    }
    main->show();
    main->raise();
    if (w != Workspace::StepThrough)
        return;
    // Sizes last, once the tab bar under the heatmap takes its room.
    resizeDocks({heat, topk}, {760, 420}, Qt::Horizontal);
    resizeDocks({heat, lines}, {520, 150}, Qt::Vertical);
    resizeDocks({topk, explain}, {220, 380}, Qt::Vertical);
    resizeDocks({context, tree}, {560, 620}, Qt::Horizontal);
    resizeDocks({context}, {170}, Qt::Vertical);
}

void MainWindow::connectModel()
{
    connect(m_controller, &DecodeController::traceReady, this, &MainWindow::onTraceReady);
    for (auto signal : {&DecodeController::modelChanged, &DecodeController::decodeFailed})
        connect(m_controller, signal, this, &MainWindow::updateSentenceField);
    connect(m_controller, &DecodeController::modelChanged, this, &MainWindow::onModelChanged);
    connect(m_controller, &DecodeController::errorOccurred, this, [this](const QString &message) {
        showMessage(message, int(MessageBar::Kind::Error));
        fallBackIfEmpty();
    });
    connect(m_controller, &DecodeController::decodeFailed, this, [this](const QString &message) {
        m_trace->setTrace(nullptr);
        m_sentence->setOovRanges({}, {});
        showMessage(message, int(MessageBar::Kind::Warning));
    });
    connect(m_controller, &DecodeController::busyChanged, this, [this](bool busy) {
        m_status->setText(!busy ? QString() : m_controller->loading() ? tr("Opening model…") : tr("Decoding…"));
    });
    connect(m_sentence, &SentenceEdit::sentenceEdited, m_controller, &DecodeController::setSentence);
    connect(m_sentence, &SentenceEdit::sentenceSubmitted, this, [this](const QString &text) {
        m_controller->setSentence(text);
        m_heatmap->view()->setFocus(); // so ←/→ step right away
    });
    connect(m_trace, &TraceModel::traceChanged, this, &MainWindow::onTraceChanged);
    connect(m_trace, &TraceModel::cursorChanged, this, &MainWindow::updateStepControls);
    connect(m_topK, &TopKView::candidateActivated, this, &MainWindow::forceCandidate);
}

void MainWindow::fallBackIfEmpty()
{
    if (m_haveModel)
        return;
    // The remembered model is gone (or its opening was cancelled): fall back so the window is never empty.
    if (!bundledNames().isEmpty() && !bundledNames().contains(m_controller->modelSource()))
        m_controller->loadModel(bundledNames().contains(QStringLiteral("additive")) ? QStringLiteral("additive")
                                                                                    : bundledNames().first());
    else
        m_controller->setModel(makeRandomModel(), QString());
}

void MainWindow::startUp()
{
    QSettings settings;
    const QString sentence = settings.value(QStringLiteral("sentence"), seedSentence()).toString();
    m_sentence->setText(sentence);
    m_controller->setSentence(sentence); // decodes once a model is in
    populateModelPicker();
    const QString last = settings.value(QStringLiteral("model")).toString();
    const QStringList bundled = bundledNames();
    if (!last.isEmpty() && (bundled.contains(last) || QFileInfo::exists(last)))
        m_controller->loadModel(last);
    else if (!bundled.isEmpty())
        m_controller->loadModel(bundled.contains(QStringLiteral("additive")) ? QStringLiteral("additive") : bundled.first());
    else {
        m_controller->setModel(makeRandomModel(), QString());
        showMessage(tr("No bundled model was found, so a random untrained model is shown: its attention is "
                       "meaningless. Open a model with File ▸ Open model (Ctrl+O)."),
                    int(MessageBar::Kind::Info));
    }
}

void MainWindow::populateModelPicker()
{
    QSignalBlocker block(m_modelPicker);
    m_modelPicker->clear();
    for (const QString &name : bundledNames())
        m_modelPicker->addItem(name, name);
    for (const QString &path : QSettings().value(QStringLiteral("recentModels")).toStringList()) {
        m_modelPicker->addItem(modelLabel(path), path);
        m_modelPicker->setItemData(m_modelPicker->count() - 1, path, Qt::ToolTipRole);
    }
    if (m_haveModel && m_controller->modelSource().isEmpty())
        m_modelPicker->addItem(QString::fromStdString(m_controller->model()->name()), QString());
    const int current = m_modelPicker->findData(m_controller->modelSource());
    m_modelPicker->setCurrentIndex(m_haveModel ? current : -1);
}

void MainWindow::onModelChanged(const QString &name)
{
    m_haveModel = true;
    const QString source = m_controller->modelSource();
    if (!source.isEmpty() && !bundledNames().contains(source))
        rememberRecent(source);
    populateModelPicker();
    const ModelDescription &about = m_controller->model()->description();
    statusBar()->showMessage(tr("Model %1 · %2 · %3 parameters")
                                 .arg(name, QString::fromStdString(about.summary))
                                 .arg(about.parameters));
    setWindowTitle(tr("%1 — AlignScope").arg(name));
    m_resetPrefixAction->setEnabled(false);
    // A model with heads shows its head grid and self-attention; an RNN its lines and beam tree.
    const bool heads = about.layers > 1 || about.heads > 1;
    static const char *const withHeads[] = {"headsDock", "selfDock"}, *const single[] = {"linesDock", "contextDock"};
    for (const char *dockName : heads ? withHeads : single)
        if (auto *d = findChild<QDockWidget *>(QLatin1String(dockName)); d && d->isVisible())
            d->raise();
    // After the controller's own decode with the new model, which this overtakes.
    QTimer::singleShot(0, this, &MainWindow::applyPendingPrefix);
}

void MainWindow::onTraceReady(TracePtr trace, int focusStep)
{
    updateSentenceField();
    if (m_messages->kind() != MessageBar::Kind::Info)
        m_messages->dismiss(); // a successful decode supersedes the last error
    if (m_startStep > 0 && focusStep == 0)
        focusStep = std::exchange(m_startStep, 0);
    m_trace->setTrace(trace, focusStep);
    QStringList words;
    for (int j : trace->source.oovPositions())
        words << QString::fromStdString(trace->readable(trace->source.labels[size_t(j)]));
    // Spans index the text that was decoded; a field edited since waits for its own trace.
    const bool current = trace->source.text == m_sentence->text().toStdString();
    m_sentence->setOovRanges(current ? oovCharacterRanges(trace->source) : QList<QPair<int, int>>{}, words);
    m_resetPrefixAction->setEnabled(!m_controller->prefix().empty());
}

void MainWindow::onTraceChanged()
{
    const QString text = translationText();
    m_translation->setText(text.isEmpty() ? QString() : QStringLiteral("→  %1").arg(text));
    m_translation->setToolTip(tr("Translation of the selected hypothesis: %1").arg(text));
    updateStepControls();
}

QString MainWindow::translationText() const
{
    if (m_trace->isEmpty())
        return {};
    // Detokenised by the trace (the model that made it), not the model selected now.
    return QString::fromStdString(m_trace->trace()->translation(m_trace->path()));
}

void MainWindow::forceCandidate(int step, int tokenId)
{
    togglePlay(false);
    std::vector<int> prefix;
    for (int s = 0; s < step; ++s)
        prefix.push_back(m_trace->nodeAtStep(s)->tokenId);
    prefix.push_back(tokenId);
    m_controller->forcePrefix(prefix, step);
    statusBar()->showMessage(tr("What-if: forced “%1” at step %2 — undo with Ctrl+Backspace")
                                 .arg(QString::fromStdString(
                                     m_trace->trace()->readable(m_controller->model()->targetVocab().token(tokenId))))
                                 .arg(step + 1),
                             6000);
}

void MainWindow::showMessage(const QString &text, int kind)
{
    m_messages->showMessage(text, MessageBar::Kind(kind));
    m_messageBarHolder->show();
    if (MessageBar::Kind(kind) != MessageBar::Kind::Info)
        return;
    // News, not a problem: after a few seconds it moves into the status bar
    // and gives the views their room back.
    QTimer::singleShot(kInfoSeconds * 1000, this, [this, text] {
        if (m_messages->kind() != MessageBar::Kind::Info || m_messages->text() != text)
            return;
        m_messages->dismiss();
        statusBar()->showMessage(text, 60000);
    });
}

void MainWindow::updateSentenceField()
{
    const ModelPtr model = m_controller->model();
    const SourceKind kind = model ? model->description().sourceKind : SourceKind::Text;
    QLineEdit *line = m_sentence->lineEdit();
    if (kind == SourceKind::Text) {
        if (!m_sentence->isEnabled()) { // back from a picture or clip: the sentence typed before
            m_sentence->setText(m_controller->sentence());
            line->setPlaceholderText(QString());
            m_sentence->setEnabled(true);
        }
        return;
    }
    const bool picture = kind == SourceKind::Image;
    const QString source = picture ? m_controller->imageLabel() : m_controller->audioPath();
    m_sentence->setEnabled(false);
    m_sentence->setText(source.isEmpty() ? QString()
                        : (picture ? tr("Picture: %1") : tr("Clip: %1")).arg(QFileInfo(source).fileName()));
    line->setPlaceholderText(picture ? tr("This model captions pictures: File ▸ Open image…, drop or paste one")
                                     : tr("This model transcribes speech: File ▸ Open audio… or drop a clip"));
}

QString MainWindow::typedSentence() const
{
    return m_sentence->isEnabled() ? m_sentence->text() : m_controller->sentence();
}

void MainWindow::setSentence(const QString &sentence)
{
    m_sentence->setText(sentence);
    m_sentence->remember(sentence);
    m_controller->setSentence(sentence);
}

void MainWindow::openModelFile(const QString &path)
{
    const QString source = modelSourceOf(path);
    if (source.isEmpty())
        return;
    m_controller->loadModel(source);
}

void MainWindow::rememberRecent(const QString &path)
{
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recentModels")).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    settings.setValue(QStringLiteral("recentModels"), recent.mid(0, kRecentModels));
    rebuildRecentMenu();
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if ((!urls.isEmpty() && urls.first().isLocalFile()) || event->mimeData()->hasImage())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QMimeData *mime = event->mimeData();
    if (mime->urls().isEmpty() && mime->hasImage()) { // a picture dragged from another program
        openImage(qvariant_cast<QImage>(mime->imageData()), tr("dropped image"));
        event->acceptProposedAction();
        return;
    }
    const QString path = mime->urls().first().toLocalFile();
    if (audioSuffixes().contains(QFileInfo(path).suffix().toLower()))
        openAudioFile(path); // a clip for the speech model
    else if (isImageFile(path))
        openImageFile(path); // a picture for the vision model
    else
        openModelFile(path); // a file or a model folder
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::loadSettings()
{
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    m_workspaces->load(s);
    Session saved;
    saved.history = s.value(QStringLiteral("history")).toStringList();
    saved.beamWidth = s.value(QStringLiteral("beamWidth"), 1).toInt();
    saved.speed = s.value(QStringLiteral("speed"), 1).toInt();
    saved.colormap = s.value(QStringLiteral("heatmap/colormap"), QStringLiteral("viridis")).toString();
    saved.hideSpecial = s.value(QStringLiteral("heatmap/hideSpecial"), false).toBool();
    saved.renormalise = s.value(QStringLiteral("heatmap/renormalise"), false).toBool();
    saved.logScale = s.value(QStringLiteral("heatmap/logScale"), false).toBool();
    saved.mergeWords = s.value(QStringLiteral("heatmap/mergeWords"), false).toBool();
    const QJsonObject selection = QJsonDocument::fromJson(s.value(QStringLiteral("heatmap/attention")).toByteArray()).object();
    saved.selection = selectionFromJson(selection).value_or(HeadSelection{});
    applyControls(saved);
    m_training->loadSettings(s);
}

void MainWindow::saveSettings() const
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    m_workspaces->save(s);
    if (!m_controller->modelSource().isEmpty())
        s.setValue(QStringLiteral("model"), m_controller->modelSource());
    s.setValue(QStringLiteral("sentence"), typedSentence());
    s.setValue(QStringLiteral("history"), m_sentence->history());
    s.setValue(QStringLiteral("beamWidth"), m_controller->beamWidth());
    s.setValue(QStringLiteral("speed"), m_speed->currentIndex());
    const HeatmapOptions &o = m_heatmap->view()->options();
    s.setValue(QStringLiteral("heatmap/colormap"), Colormap::name(o.colormap));
    s.setValue(QStringLiteral("heatmap/hideSpecial"), o.hideSpecial);
    s.setValue(QStringLiteral("heatmap/renormalise"), o.renormalise);
    s.setValue(QStringLiteral("heatmap/logScale"), o.logScale);
    s.setValue(QStringLiteral("heatmap/mergeWords"), o.mergeWords);
    s.setValue(QStringLiteral("heatmap/attention"), QJsonDocument(selectionToJson(m_trace->selection())).toJson());
    m_training->saveSettings(s);
}

} // namespace alignscope::ui
