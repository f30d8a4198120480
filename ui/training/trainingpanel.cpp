#include "training/trainingpanel.h"

#include "attention/heatmapview.h"
#include "training/losschart.h"
#include "decode/tracemodel.h"
#include "vision/visionview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStackedWidget>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableWidget>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace alignscope::ui {
namespace {

const char *const kEncoders[] = {"gru", "bigru", "lstm", "bilstm", "transformer"};
const ScorerKind kScorers[] = {ScorerKind::Additive, ScorerKind::Dot,    ScorerKind::General,
                               ScorerKind::ScaledDot, ScorerKind::Concat, ScorerKind::Location};

QComboBox *combo(const QString &name, const QStringList &items, QWidget *parent)
{
    auto *c = new QComboBox(parent);
    c->setObjectName(name);
    c->addItems(items);
    return c;
}

QSpinBox *spin(const QString &name, int lo, int hi, int value, QWidget *parent)
{
    auto *s = new QSpinBox(parent);
    s->setObjectName(name);
    s->setRange(lo, hi);
    s->setValue(value);
    s->setGroupSeparatorShown(true);
    return s;
}

QString defaultOutputPath()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (dir.isEmpty())
        dir = QDir::homePath();
    return QDir(dir).filePath(QStringLiteral("alignscope-trained.safetensors"));
}

QString fixedText(double v, int decimals) { return QString::number(v, 'f', decimals); }

} // namespace

QString formatDuration(double seconds)
{
    const long long s = std::llround(std::max(0.0, seconds));
    if (s < 60)
        return QObject::tr("%1 s").arg(s);
    if (s < 3600)
        return QObject::tr("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QObject::tr("%1 h %2 min").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0'));
}

TrainingPanel::TrainingPanel(QWidget *parent)
    : QWidget(parent), m_controller(new TrainingController(this)), m_snapshotTrace(new TraceModel(this))
{
    setObjectName(QStringLiteral("trainingPanel"));
    setToolTip(tr("Train a model here and watch the watched sentence's attention take shape"));
    auto *split = new QSplitter(Qt::Horizontal, this);
    auto *scroll = new QScrollArea(split);
    scroll->setWidget(createSetup());
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_setupArea = scroll;
    split->addWidget(scroll);
    split->addWidget(createLiveView());
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);
    connectController();
    onTaskChanged();
    updateButtons();
}

/// Task, encoder, decoder, scorer and local window.
void TrainingPanel::addModelRows(QFormLayout *form)
{
    m_task = combo(QStringLiteral("trainTask"),
                   {tr("EN→FR grammar (built-in)"), tr("Dates (built-in)"), tr("TSV file"), tr("eng-fra file"),
                    tr("Scenes: captioning pictures (built-in)"), tr("Speech corpus (clip, transcript)")},
                   m_form);
    m_task->setToolTip(tr("Built-in tasks come with gold alignments (so AER is measured); a TSV file holds "
                          "source<TAB>target[<TAB>Pharaoh links] per line, an eng-fra file is the tutorial's; "
                          "scenes are pictures of coloured shapes AlignScope draws, captioned by a Transformer "
                          "with an image encoder (4-pixel patches); a speech corpus holds clip<TAB>transcript per "
                          "line (WAV, FLAC, Ogg or MP3 beside the file), heard by a Transformer with an audio "
                          "encoder over 40 log-mel bins (tools/make-speech-corpus.py speaks one with espeak-ng)"));
    form->addRow(tr("&Task"), m_task);
    m_taskFile = new QLineEdit(m_form);
    m_taskFile->setObjectName(QStringLiteral("trainCorpusFile"));
    m_taskFile->setPlaceholderText(tr("corpus file"));
    m_taskBrowse = new QPushButton(tr("Browse…"), m_form);
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_taskFile, 1);
    fileRow->addWidget(m_taskBrowse);
    form->addRow(tr("Corpus"), fileRow);
    addTokenizerRow(form);

    QStringList encoders, scorers;
    for (const char *e : kEncoders)
        encoders << QString::fromLatin1(e);
    for (ScorerKind k : kScorers)
        scorers << QString::fromStdString(toString(k));
    m_encoder = combo(QStringLiteral("trainEncoder"), encoders, m_form);
    m_encoder->setCurrentIndex(1);
    form->addRow(tr("&Encoder"), m_encoder);
    m_decoder = combo(QStringLiteral("trainDecoder"), {QStringLiteral("bahdanau"), QStringLiteral("luong")}, m_form);
    form->addRow(tr("&Decoder"), m_decoder);
    m_scorer = combo(QStringLiteral("trainScorer"), scorers, m_form);
    form->addRow(tr("&Scorer"), m_scorer);
    m_local = combo(QStringLiteral("trainLocal"), {tr("global"), tr("local-m"), tr("local-p")}, m_form);
    m_window = spin(QStringLiteral("trainWindow"), 1, 100, 3, m_form);
    m_window->setPrefix(tr("D = "));
    auto *localRow = new QHBoxLayout;
    localRow->addWidget(m_local, 1);
    localRow->addWidget(m_window);
    form->addRow(tr("Window"), localRow);
    // A Transformer (T5-style: pre-norm RMSNorm, relative positions): its
    // layers and heads here, its width in Hidden; decoder, scorer and window
    // are the RNNs' and are disabled for it.
    const TrainingSetup d;
    m_layers = spin(QStringLiteral("trainLayers"), 1, 24, d.layers, m_form);
    m_heads = spin(QStringLiteral("trainHeads"), 1, 64, d.heads, m_form);
    m_heads->setPrefix(tr("heads "));
    m_layers->setPrefix(tr("layers "));
    m_layers->setToolTip(tr("Transformer: encoder and decoder layers each; Hidden is its width d_model, "
                            "which the heads divide"));
    auto *transformerRow = new QHBoxLayout;
    transformerRow->addWidget(m_layers, 1);
    transformerRow->addWidget(m_heads, 1);
    form->addRow(tr("Transformer"), transformerRow);
}

/// The tokenizer: the task's own (words; characters for dates), or a
/// SentencePiece bpe / unigram model of so many pieces trained on the corpus.
void TrainingPanel::addTokenizerRow(QFormLayout *form)
{
    m_tokenizer = combo(QStringLiteral("trainTokenizer"),
                        {tr("task's own"), QStringLiteral("word"), QStringLiteral("char"), QStringLiteral("bpe"),
                         QStringLiteral("unigram")},
                        m_form);
    m_tokenizer->setToolTip(tr("bpe and unigram train a SentencePiece model on the training split; the model "
                               "file keeps it, and views can merge a word's pieces"));
    m_vocabSize = spin(QStringLiteral("trainVocabSize"), 16, 1000000, TrainingSetup().vocabSize, m_form);
    m_vocabSize->setSuffix(tr(" pieces"));
    m_sharedVocab = new QCheckBox(tr("shared"), m_form);
    m_sharedVocab->setObjectName(QStringLiteral("trainSharedVocab"));
    m_sharedVocab->setToolTip(tr("One SentencePiece model for source and target"));
    auto *row = new QHBoxLayout;
    row->addWidget(m_tokenizer, 1);
    row->addWidget(m_vocabSize);
    row->addWidget(m_sharedVocab);
    form->addRow(tr("T&okens"), row);
    auto subwordOnly = [this] {
        const bool subword = m_tokenizer->currentIndex() >= 3;
        m_vocabSize->setEnabled(subword);
        m_sharedVocab->setEnabled(subword);
    };
    connect(m_tokenizer, &QComboBox::currentIndexChanged, this, subwordOnly);
    subwordOnly();
}

/// Hyper-parameters, threads, snapshots and where the model goes.
void TrainingPanel::addRunRows(QFormLayout *form)
{
    const TrainingSetup d;
    m_epochs = spin(QStringLiteral("trainEpochs"), 1, 1000, d.epochs, m_form);
    form->addRow(tr("E&pochs"), m_epochs);
    m_batch = spin(QStringLiteral("trainBatch"), 1, 4096, d.batchSize, m_form);
    form->addRow(tr("&Batch"), m_batch);
    m_lr = new QDoubleSpinBox(m_form);
    m_lr->setObjectName(QStringLiteral("trainLearningRate"));
    m_lr->setDecimals(4);
    m_lr->setRange(0.0001, 1.0);
    m_lr->setSingleStep(0.0005);
    m_lr->setValue(d.learningRate);
    form->addRow(tr("&Learning rate"), m_lr);
    m_hidden = spin(QStringLiteral("trainHidden"), 2, 2048, d.hidden, m_form);
    form->addRow(tr("&Hidden"), m_hidden);
    m_embedding = spin(QStringLiteral("trainEmbedding"), 2, 2048, d.embedding, m_form);
    form->addRow(tr("E&mbedding"), m_embedding);
    m_trainSize = spin(QStringLiteral("trainSize"), 10, 10000000, d.trainSize, m_form);
    m_trainSize->setToolTip(tr("Sentence pairs to train on; a dev set of a tenth of that (20–500) is made too"));
    form->addRow(tr("Train si&ze"), m_trainSize);
    const int cores = QThread::idealThreadCount();
    m_threads = spin(QStringLiteral("trainThreads"), 0, std::max(1, cores) * 4, d.threads, m_form);
    m_threads->setSpecialValueText(tr("all %1 cores").arg(cores));
    m_threads->setToolTip(tr("Threads for training; the results are the same for any number"));
    form->addRow(tr("T&hreads"), m_threads);
    m_snapshotEvery = spin(QStringLiteral("trainSnapshotEvery"), 1, 1000000, d.snapshotEvery, m_form);
    m_snapshotEvery->setSuffix(tr(" batches"));
    m_snapshotEvery->setToolTip(tr("How often the watched sentence is decoded with the current weights "
                                   "(and always at the end of an epoch)"));
    form->addRow(tr("Snapshot every"), m_snapshotEvery);
    m_outPath = new QLineEdit(defaultOutputPath(), m_form);
    m_outPath->setObjectName(QStringLiteral("trainOutput"));
    m_outPath->setToolTip(tr("Where the trained model is saved (atomically); checkpoints go beside it as .ckpt"));
    auto *outBrowse = new QPushButton(tr("Browse…"), m_form);
    auto *outRow = new QHBoxLayout;
    outRow->addWidget(m_outPath, 1);
    outRow->addWidget(outBrowse);
    form->addRow(tr("Save to"), outRow);
    connect(outBrowse, &QPushButton::clicked, this, &TrainingPanel::browseOutput);
}

QWidget *TrainingPanel::createSetup()
{
    auto *box = new QWidget;
    auto *outer = new QVBoxLayout(box);
    m_form = new QWidget(box);
    auto *form = new QFormLayout(m_form);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    addModelRows(form);
    addRunRows(form);
    outer->addWidget(m_form);
    // Outside the form, which is disabled while training: the watched
    // sentence may change mid-run and the next snapshot decodes the new one.
    auto *watchForm = new QFormLayout;
    m_watched = new QLineEdit(TrainingSetup().watched, box);
    m_watched->setObjectName(QStringLiteral("trainWatched"));
    m_watched->setToolTip(tr("Any sentence; it may be changed while the model trains"));
    watchForm->addRow(tr("&Watch"), m_watched);
    outer->addLayout(watchForm);

    m_estimate = new QLabel(tr("Estimate: press Estimate to time a warm-up on this machine."), box);
    m_estimate->setObjectName(QStringLiteral("trainEstimate"));
    m_estimate->setWordWrap(true);
    outer->addWidget(m_estimate);
    auto *buttons = new QHBoxLayout;
    m_estimateButton = new QPushButton(tr("Estimate"), box);
    m_start = new QPushButton(tr("Start"), box);
    m_start->setObjectName(QStringLiteral("trainStart"));
    m_continue = new QPushButton(tr("Continue"), box);
    m_continue->setObjectName(QStringLiteral("trainContinue"));
    m_continue->setToolTip(tr("Go on from the checkpoint beside \"Save to\" (.ckpt) that a cancelled run left; "
                              "same task and model, up to the epochs set here"));
    m_pause = new QPushButton(tr("Pause"), box);
    m_pause->setObjectName(QStringLiteral("trainPause"));
    m_cancel = new QPushButton(tr("Cancel"), box);
    m_cancel->setObjectName(QStringLiteral("trainCancel"));
    for (QPushButton *b : {m_estimateButton, m_start, m_continue, m_pause, m_cancel})
        buttons->addWidget(b);
    outer->addLayout(buttons);
    outer->addStretch(1);

    connect(m_task, &QComboBox::currentIndexChanged, this, &TrainingPanel::onTaskChanged);
    connect(m_local, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_window->setEnabled(i > 0 && m_encoder->currentText() != QLatin1String("transformer"));
    });
    m_window->setEnabled(false);
    connect(m_encoder, &QComboBox::currentTextChanged, this, &TrainingPanel::onEncoderChanged);
    onEncoderChanged(m_encoder->currentText());
    connect(m_taskBrowse, &QPushButton::clicked, this, &TrainingPanel::browseCorpus);
    connect(m_watched, &QLineEdit::textChanged, m_controller, &TrainingController::setWatchedSentence);
    connect(m_estimateButton, &QPushButton::clicked, this, &TrainingPanel::estimate);
    connect(m_start, &QPushButton::clicked, this, &TrainingPanel::startTraining);
    connect(m_continue, &QPushButton::clicked, this, &TrainingPanel::continueTraining);
    connect(m_outPath, &QLineEdit::textChanged, this, &TrainingPanel::updateButtons);
    connect(m_pause, &QPushButton::clicked, this, &TrainingPanel::togglePause);
    connect(m_cancel, &QPushButton::clicked, this, &TrainingPanel::cancelTraining);
    return box;
}

QWidget *TrainingPanel::createLiveView()
{
    auto *live = new QSplitter(Qt::Vertical);
    auto *top = new QWidget(live);
    auto *topLayout = new QVBoxLayout(top);
    m_status = new QLabel(top);
    m_status->setObjectName(QStringLiteral("trainStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    topLayout->addWidget(m_status);
    auto *progressRow = new QHBoxLayout;
    m_progress = new QProgressBar(top);
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_rate = new QLabel(top);
    m_rate->setObjectName(QStringLiteral("trainRate"));
    m_setupToggle = new QToolButton(top);
    m_setupToggle->setObjectName(QStringLiteral("trainSetupToggle"));
    m_setupToggle->setCheckable(true);
    m_setupToggle->setChecked(true);
    m_setupToggle->setText(tr("Setup"));
    m_setupToggle->setToolTip(tr("Show or fold away the training form (it folds when a run starts)"));
    connect(m_setupToggle, &QToolButton::toggled, this, &TrainingPanel::setSetupVisible);
    progressRow->addWidget(m_setupToggle);
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_rate);
    topLayout->addLayout(progressRow);
    m_chart = new LossChart(top);
    m_chart->setMinimumHeight(180); // loss curves must stay readable beside a long form
    topLayout->addWidget(m_chart, 1);
    live->addWidget(top);

    auto *watch = new QWidget(live);
    auto *watchLayout = new QVBoxLayout(watch);
    m_watchStack = new QStackedWidget(watch);
    m_heatmap = new HeatmapView(m_snapshotTrace, m_watchStack);
    m_heatmap->setFitToView(true);
    m_heatmap->setMinimumHeight(200); // large enough to see the diagonal appear
    m_picture = new VisionView(m_snapshotTrace, m_watchStack); // an image task's watched scene
    m_picture->setObjectName(QStringLiteral("trainWatchedPicture"));
    m_watchStack->addWidget(m_heatmap);
    m_watchStack->addWidget(m_picture);
    watchLayout->addWidget(m_watchStack, 1);
    auto *timelineRow = new QHBoxLayout;
    m_timeline = new QSlider(Qt::Horizontal, watch);
    m_timeline->setObjectName(QStringLiteral("trainTimeline"));
    m_timeline->setRange(0, 0);
    m_timeline->setEnabled(false);
    m_timeline->setToolTip(tr("Scrub back through the snapshots of the watched sentence; at the right end the "
                              "heatmap follows training live"));
    m_snapshotLabel = new QLabel(tr("No snapshot yet"), watch);
    m_snapshotLabel->setObjectName(QStringLiteral("trainSnapshotLabel"));
    timelineRow->addWidget(m_timeline, 1);
    timelineRow->addWidget(m_snapshotLabel, 2);
    watchLayout->addLayout(timelineRow);
    live->addWidget(watch);

    m_metrics = new QTableWidget(0, 7, live);
    m_metrics->setObjectName(QStringLiteral("trainMetrics"));
    m_metrics->setHorizontalHeaderLabels({tr("Epoch"), tr("Train loss"), tr("Dev loss"), tr("BLEU"),
                                          tr("Exact match"), tr("AER"), tr("Tokens/s")});
    m_metrics->verticalHeader()->hide();
    m_metrics->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_metrics->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    live->addWidget(m_metrics);
    live->setStretchFactor(0, 2);
    live->setStretchFactor(1, 3);
    live->setStretchFactor(2, 1);

    connect(m_timeline, &QSlider::valueChanged, this, &TrainingPanel::showSnapshot);
    return live;
}

void TrainingPanel::connectController()
{
    connect(m_controller, &TrainingController::stateChanged, this, &TrainingPanel::updateButtons);
    connect(m_controller, &TrainingController::statusChanged, this, [this](const QString &t) { setStatus(t); });
    connect(m_controller, &TrainingController::estimated, this, &TrainingPanel::onEstimated);
    connect(m_controller, &TrainingController::progressed, this, &TrainingPanel::onProgress);
    connect(m_controller, &TrainingController::trainLoss, m_chart, &LossChart::addTrainLoss);
    connect(m_controller, &TrainingController::snapshotAdded, this, &TrainingPanel::onSnapshot);
    connect(m_controller, &TrainingController::finished, this, &TrainingPanel::onFinished);
    connect(m_controller, &TrainingController::failed, this, &TrainingPanel::onFailed);
}

void TrainingPanel::onEncoderChanged(const QString &encoder)
{
    const bool transformer = encoder == QLatin1String("transformer");
    for (QWidget *w : std::initializer_list<QWidget *>{m_decoder, m_scorer, m_local, m_embedding})
        w->setEnabled(!transformer);
    m_window->setEnabled(!transformer && m_local->currentIndex() > 0);
    m_layers->setEnabled(transformer);
    m_heads->setEnabled(transformer);
    m_hidden->setToolTip(transformer ? tr("The Transformer's width d_model (a multiple of the heads)")
                                     : tr("Hidden size of the encoder and decoder"));
    // Each family's usual peak rate, unless the user set another.
    const double rnnRate = TrainingSetup().learningRate, transformerRate = transformerTrainDefaults().learningRate;
    if (transformer && std::abs(m_lr->value() - rnnRate) < 1e-9)
        m_lr->setValue(transformerRate);
    else if (!transformer && std::abs(m_lr->value() - transformerRate) < 1e-9)
        m_lr->setValue(rnnRate);
}

TrainingSetup TrainingPanel::setup() const
{
    TrainingSetup s;
    s.task = TrainingSetup::Task(m_task->currentIndex());
    s.file = m_taskFile->text().trimmed();
    s.encoder = m_encoder->currentText();
    s.decoder = m_decoder->currentIndex() == 1 ? DecoderKind::Luong : DecoderKind::Bahdanau;
    s.scorer = kScorers[m_scorer->currentIndex()];
    s.local = LocalMode(m_local->currentIndex());
    s.window = m_window->value();
    s.epochs = m_epochs->value();
    s.batchSize = m_batch->value();
    s.learningRate = m_lr->value();
    s.hidden = m_hidden->value();
    s.embedding = m_embedding->value();
    s.layers = m_layers->value();
    s.heads = m_heads->value();
    s.trainSize = m_trainSize->value();
    s.threads = m_threads->value();
    s.snapshotEvery = m_snapshotEvery->value();
    s.watched = m_watched->text();
    s.outPath = m_outPath->text().trimmed();
    s.tokenizer = m_tokenizer->currentIndex() > 0 ? m_tokenizer->currentText() : QString();
    s.vocabSize = m_vocabSize->value();
    s.sharedVocab = m_sharedVocab->isChecked();
    return s;
}

void TrainingPanel::setSetup(const TrainingSetup &s)
{
    m_task->setCurrentIndex(int(s.task));
    m_taskFile->setText(s.file);
    m_encoder->setCurrentText(s.encoder);
    onEncoderChanged(m_encoder->currentText()); // before the rate below, which it may reset
    onTaskChanged(); // a scenes setup keeps the Transformer whatever encoder it names
    m_decoder->setCurrentIndex(s.decoder == DecoderKind::Luong ? 1 : 0);
    if (const auto *k = std::find(std::begin(kScorers), std::end(kScorers), s.scorer); k != std::end(kScorers))
        m_scorer->setCurrentIndex(int(k - std::begin(kScorers)));
    if (int(s.local) >= 0 && int(s.local) < m_local->count())
        m_local->setCurrentIndex(int(s.local));
    m_window->setValue(s.window);
    m_epochs->setValue(s.epochs);
    m_batch->setValue(s.batchSize);
    m_lr->setValue(s.learningRate);
    m_hidden->setValue(s.hidden);
    m_embedding->setValue(s.embedding);
    m_layers->setValue(s.layers);
    m_heads->setValue(s.heads);
    m_trainSize->setValue(s.trainSize);
    m_threads->setValue(s.threads);
    m_snapshotEvery->setValue(s.snapshotEvery);
    m_watched->setText(s.watched);
    m_outPath->setText(s.outPath);
    m_tokenizer->setCurrentIndex(std::max(0, m_tokenizer->findText(s.tokenizer)));
    m_vocabSize->setValue(s.vocabSize);
    m_sharedVocab->setChecked(s.sharedVocab);
}

void TrainingPanel::saveSettings(QSettings &settings) const
{
    const TrainingSetup s = setup();
    settings.beginGroup(QStringLiteral("training"));
    settings.setValue(QStringLiteral("task"), int(s.task));
    settings.setValue(QStringLiteral("file"), s.file);
    settings.setValue(QStringLiteral("encoder"), s.encoder);
    settings.setValue(QStringLiteral("decoder"), QString::fromStdString(toString(s.decoder)));
    settings.setValue(QStringLiteral("scorer"), QString::fromStdString(toString(s.scorer)));
    settings.setValue(QStringLiteral("local"), int(s.local));
    settings.setValue(QStringLiteral("window"), s.window);
    settings.setValue(QStringLiteral("epochs"), s.epochs);
    settings.setValue(QStringLiteral("batch"), s.batchSize);
    settings.setValue(QStringLiteral("learningRate"), s.learningRate);
    settings.setValue(QStringLiteral("hidden"), s.hidden);
    settings.setValue(QStringLiteral("embedding"), s.embedding);
    settings.setValue(QStringLiteral("layers"), s.layers);
    settings.setValue(QStringLiteral("heads"), s.heads);
    settings.setValue(QStringLiteral("trainSize"), s.trainSize);
    settings.setValue(QStringLiteral("threads"), s.threads);
    settings.setValue(QStringLiteral("snapshotEvery"), s.snapshotEvery);
    settings.setValue(QStringLiteral("watched"), s.watched);
    settings.setValue(QStringLiteral("outPath"), s.outPath);
    settings.setValue(QStringLiteral("tokenizer"), s.tokenizer);
    settings.setValue(QStringLiteral("vocabSize"), s.vocabSize);
    settings.setValue(QStringLiteral("sharedVocab"), s.sharedVocab);
    settings.endGroup();
}

void TrainingPanel::loadSettings(const QSettings &settings)
{
    TrainingSetup s = setup();
    auto value = [&](const char *key, const QVariant &fallback) {
        return settings.value(QStringLiteral("training/") + QLatin1String(key), fallback);
    };
    if (const int task = value("task", int(s.task)).toInt(); task >= 0 && task <= int(TrainingSetup::Task::SpeechFile))
        s.task = TrainingSetup::Task(task);
    s.file = value("file", s.file).toString();
    s.encoder = value("encoder", s.encoder).toString();
    if (auto decoder = parseDecoder(value("decoder", QString()).toString().toStdString()))
        s.decoder = decoder.value();
    if (auto scorer = parseScorer(value("scorer", QString()).toString().toStdString()))
        s.scorer = scorer.value();
    s.local = LocalMode(value("local", int(s.local)).toInt());
    s.window = value("window", s.window).toInt();
    s.epochs = value("epochs", s.epochs).toInt();
    s.batchSize = value("batch", s.batchSize).toInt();
    s.learningRate = value("learningRate", s.learningRate).toDouble();
    s.hidden = value("hidden", s.hidden).toInt();
    s.embedding = value("embedding", s.embedding).toInt();
    s.layers = value("layers", s.layers).toInt();
    s.heads = value("heads", s.heads).toInt();
    s.trainSize = value("trainSize", s.trainSize).toInt();
    s.threads = value("threads", s.threads).toInt();
    s.snapshotEvery = value("snapshotEvery", s.snapshotEvery).toInt();
    s.watched = value("watched", s.watched).toString();
    s.outPath = value("outPath", s.outPath).toString();
    s.tokenizer = value("tokenizer", s.tokenizer).toString();
    s.vocabSize = value("vocabSize", s.vocabSize).toInt();
    s.sharedVocab = value("sharedVocab", s.sharedVocab).toBool();
    setSetup(s);
}

QString TrainingPanel::statusText() const { return m_status->text(); }

QString TrainingPanel::estimateText() const { return m_estimate->text(); }

void TrainingPanel::startTraining()
{
    if (m_controller->isBusy())
        return;
    clearRun();
    if (m_controller->start(setup()))
        setSetupVisible(false);
}

void TrainingPanel::continueTraining()
{
    if (m_controller->isBusy() || !m_continue->isEnabled())
        return;
    clearRun();
    if (m_controller->continueFromCheckpoint(setup()))
        setSetupVisible(false);
}

bool TrainingPanel::setupVisible() const { return !m_setupArea->isHidden(); }

void TrainingPanel::setSetupVisible(bool visible)
{
    m_setupArea->setVisible(visible);
    QSignalBlocker block(m_setupToggle);
    m_setupToggle->setChecked(visible);
}

void TrainingPanel::clearRun()
{
    m_chart->clear();
    m_metrics->setRowCount(0);
    m_snapshotTrace->setTrace(nullptr);
    m_timeline->setRange(0, 0);
    m_timeline->setEnabled(false);
    m_snapshotLabel->setText(tr("No snapshot yet"));
    m_progress->setValue(0);
    m_rate->clear();
    m_haveEstimate = false;
}

void TrainingPanel::estimate()
{
    m_controller->estimate(setup());
}

void TrainingPanel::togglePause()
{
    if (m_controller->isPaused()) {
        m_controller->resume();
        setStatus(tr("Training…"));
    } else {
        m_controller->pause();
        setStatus(tr("Paused before the next batch; Resume goes on where it stopped."));
    }
}

void TrainingPanel::cancelTraining()
{
    m_controller->cancel();
    setStatus(tr("Cancelling after the current batch…"));
}

void TrainingPanel::updateButtons()
{
    const bool busy = m_controller->isBusy();
    m_form->setEnabled(!busy);
    m_start->setEnabled(!busy);
    const TrainingSetup s = setup();
    m_continue->setEnabled(!busy && !s.outPath.isEmpty() && QFileInfo::exists(s.checkpointPath()));
    m_estimateButton->setEnabled(!busy);
    m_pause->setEnabled(m_controller->isTraining());
    m_pause->setText(m_controller->isPaused() ? tr("Resume") : tr("Pause"));
    m_cancel->setEnabled(busy);
}

void TrainingPanel::onTaskChanged()
{
    const auto task = TrainingSetup::Task(m_task->currentIndex());
    TrainingSetup probe;
    probe.task = task;
    m_taskFile->setEnabled(probe.fromFile());
    m_taskBrowse->setEnabled(probe.fromFile());
    // Pictures and clips are read by a Transformer's image or audio encoder, and the first dev scene or clip is watched.
    const bool scenes = task == TrainingSetup::Task::Scenes, speech = task == TrainingSetup::Task::SpeechFile;
    if (scenes || speech)
        m_encoder->setCurrentText(QStringLiteral("transformer"));
    m_encoder->setEnabled(!scenes && !speech);
    m_watched->setEnabled(!scenes && !speech);
    m_watched->setToolTip(scenes   ? tr("A scenes model watches the first dev scene")
                          : speech ? tr("A speech model watches the first dev clip")
                                   : tr("Any sentence; it may be changed while the model trains"));
}

void TrainingPanel::browseCorpus()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Corpus to train on"), m_taskFile->text(),
                                                      tr("Corpora (*.tsv *.txt);;All files (*)"));
    if (!path.isEmpty())
        m_taskFile->setText(path);
}

void TrainingPanel::browseOutput()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the trained model as"), m_outPath->text(),
                                                      tr("Models (*.safetensors)"));
    if (!path.isEmpty())
        m_outPath->setText(path);
}

void TrainingPanel::onEstimated(const TrainingEstimate &e)
{
    m_lastEstimate = e;
    m_haveEstimate = true;
    m_estimate->setText(tr("Estimate: about %1 (measured here: %2).").arg(formatDuration(e.seconds), e.explanation()));
}

void TrainingPanel::onProgress(const TrainProgress &p)
{
    m_chart->setTotalSteps(p.totalSteps);
    m_progress->setValue(p.totalSteps > 0 ? int(1000 * p.step / p.totalSteps) : 0);
    m_progress->setFormat(tr("epoch %1/%2 · %p%").arg(p.epoch).arg(p.epochs));
    m_rate->setText(tr("%L1 tokens/s · ETA %2").arg(qRound64(p.tokensPerSecond)).arg(formatDuration(p.etaSeconds)));
    if (!p.epochEnd) {
        return;
    }
    m_chart->addDevLoss(p.step, p.dev.loss);
    const int row = m_metrics->rowCount();
    m_metrics->insertRow(row);
    const QStringList cells = {QString::number(p.epoch),
                               fixedText(p.loss, 3),
                               fixedText(p.dev.loss, 3),
                               fixedText(p.dev.bleu, 1),
                               tr("%1%").arg(fixedText(100.0 * p.dev.exactMatch, 1)),
                               p.dev.aer < 0 ? tr("n/a") : fixedText(p.dev.aer, 3),
                               QString::number(qRound64(p.tokensPerSecond))};
    for (int c = 0; c < cells.size(); ++c)
        m_metrics->setItem(row, c, new QTableWidgetItem(cells[c]));
    m_metrics->scrollToBottom();
}

void TrainingPanel::onSnapshot(int index)
{
    // At the right end the timeline follows training; scrubbed back, it stays.
    const bool following = !m_timeline->isEnabled() || m_timeline->value() == m_timeline->maximum();
    m_timeline->setEnabled(true);
    m_timeline->setRange(0, index);
    if (following) {
        m_timeline->setValue(index);
        showSnapshot(index); // setValue does not signal when the value stays
    }
}

void TrainingPanel::showSnapshot(int index)
{
    const auto &snapshots = m_controller->snapshots();
    if (index < 0 || index >= int(snapshots.size()))
        return;
    const TrainingSnapshot &s = snapshots[size_t(index)];
    m_snapshotTrace->setTrace(s.trace, 1 << 20); // the last step: every row shown
    m_watchStack->setCurrentWidget(s.trace->source.kind == SourceKind::Image ? static_cast<QWidget *>(m_picture)
                                                                             : m_heatmap);
    const QString text = QString::fromStdString(s.trace->translation(s.trace->bestPath()));
    const QString when = s.step == 0 ? tr("before training")
                                     : tr("epoch %1, step %2, loss %3").arg(s.epoch).arg(s.step).arg(fixedText(s.loss, 3));
    m_snapshotLabel->setText(tr("%1/%2 · %3 · → %4").arg(index + 1).arg(int(snapshots.size())).arg(when, text));
}

void TrainingPanel::onFinished(const QString &path, const TrainSummary &summary)
{
    m_progress->setValue(m_progress->maximum());
    QString text = tr("Finished: %n epoch(s) in %1", "", summary.epochsRun).arg(formatDuration(summary.seconds));
    if (m_haveEstimate)
        text += tr(" (estimated %1)").arg(formatDuration(m_lastEstimate.seconds));
    if (summary.stoppedEarly)
        text += tr(", stopped early as the dev loss stopped improving");
    text += tr(". Saved to %1 and added to the model picker.").arg(QDir::toNativeSeparators(path));
    setStatus(text);
    emit modelTrained(path);
}

void TrainingPanel::onFailed(const QString &message, bool cancelled, const QString &)
{
    // The curves, table and snapshots stay: they are what the run had.
    setStatus(message, !cancelled);
}

void TrainingPanel::setStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c0392b;") : QString());
}

} // namespace alignscope::ui
