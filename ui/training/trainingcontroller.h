#pragma once
// TrainingController runs core's Trainer on a thread of its own for the
// training panel. The GUI thread never waits on it: the time estimate,
// progress, snapshots of the watched sentence and the end of the run come
// back as queued calls, and a run id drops whatever a newer run overtook.
//
// The Trainer calls its progress callback on the worker between batches,
// when the weights are not being changed; that is where the worker decodes
// the watched sentence with the current weights, and where pause parks it.
// Cancel stops it within one batch and keeps the checkpoint of the last
// finished epoch (OUT.ckpt, a model file RnnModel::load opens).

#include "decode/decodecontroller.h"

#include "alignscope/config.h"
#include "alignscope/recipes.h"
#include "alignscope/tasks.h"
#include "alignscope/train.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <memory>
#include <thread>
#include <vector>

namespace alignscope::ui {

/// Everything the panel's form sets.
struct TrainingSetup {
    /// Scenes: pictures the task draws, captioned by a Transformer with an image encoder (the encoder choice is ignored).
    /// SpeechFile: a speech corpus (clip<TAB>transcript), heard by a Transformer with an audio encoder.
    enum class Task { EnFr, Dates, TsvFile, EngFraFile, Scenes, SpeechFile };
    Task task = Task::EnFr;
    /// Whether the task reads a corpus file.
    bool fromFile() const { return task == Task::TsvFile || task == Task::EngFraFile || task == Task::SpeechFile; }
    /// Whether a Transformer is trained: the encoder says so, or the task is pictures or speech.
    bool transformer() const
    {
        return task == Task::Scenes || task == Task::SpeechFile || encoder == QLatin1String("transformer");
    }
    QString file;                  ///< TsvFile / EngFraFile: the corpus, split 90/5/5 by a seeded shuffle
    QString encoder = QStringLiteral("bigru"); ///< gru | bigru | lstm | bilstm | transformer
    int layers = 2;                ///< Transformer: encoder and decoder layers each
    int heads = 4;                 ///< Transformer: heads (`hidden` is its d_model)
    int patch = 4;                 ///< Scenes: the image encoder's patch side, pixels
    DecoderKind decoder = DecoderKind::Bahdanau;
    ScorerKind scorer = ScorerKind::Additive;
    LocalMode local = LocalMode::None;
    int window = 3;                ///< D of a local window
    int epochs = 5;
    int batchSize = 32;
    double learningRate = 5e-3;
    int hidden = 64;
    int embedding = 32;
    int trainSize = 5000;          ///< pairs trained on (a file gives at most its 90%)
    int threads = 0;               ///< 0 = every core
    unsigned seed = 1;
    QString outPath;               ///< the trained model; the checkpoint is checkpointPath()
    QString watched = QStringLiteral("The cat sat on the mat");
    int snapshotEvery = 20;        ///< batches between snapshots (plus one at every epoch end)
    int evalSentences = 100;       ///< dev sentences decoded per epoch for BLEU, exact match, AER
    QString tokenizer;             ///< "" (the task's own), word, char, bpe or unigram
    int vocabSize = 8000;          ///< bpe / unigram: pieces per SentencePiece model
    bool sharedVocab = false;      ///< bpe / unigram: one model for source and target

    /// Where the run keeps its checkpoint (and Continue reads it): OUT.ckpt.
    QString checkpointPath() const { return outPath + QStringLiteral(".ckpt"); }
};

/// How long a run should take, from a short warm-up measured on this machine
/// (core's estimateTraining, which `alignscope-cli train` prints too).
struct TrainingEstimate : alignscope::TrainingEstimate {
    /// "3 warm-up batches at 0.12 s × 157 batches × 5 epochs + 1.4 s dev evaluation per epoch".
    QString explanation() const;
};

/// The watched sentence decoded with the weights after `step` batches.
struct TrainingSnapshot {
    TracePtr trace;
    long long step = 0;
    int epoch = 0;                 ///< 1-based epoch the step belongs to (0: before training)
    double loss = 0.0;             ///< running train loss at that step
};

/// The core task request of the form's task (built-in tasks sized from
/// the form: dev a tenth of train within 20..500, one test pair).
TaskRequest taskRequestFor(const TrainingSetup &setup);
/// Builds the chosen task (blocking; built-in tasks of 30 000 pairs take a
/// second); a file task is named by its file name.
Result<PreparedTask> prepareTask(const TrainingSetup &setup);
/// The model configuration of a setup, built by core's buildRnnConfig as
/// the CLI's is.
Result<ModelConfig> modelConfigFor(const TrainingSetup &setup, const PreparedTask &task);
/// A Transformer setup's spec with the form's layers, heads and width: for
/// text T5-style (pre-norm RMSNorm, relative positions), as the bundled
/// `transformer`; for an image task (scenes) the recipe's defaults with an
/// image encoder of `setup.patch` pixel patches, as the bundled `scenes`.
Result<TransformerSpec> transformerSpecFor(const TrainingSetup &setup, const PreparedTask &task);
/// The trainer's options of a setup (a Transformer's start from its usual recipe).
TrainOptions trainOptionsFor(const TrainingSetup &setup);

class TrainingController : public QObject {
    Q_OBJECT
public:
    explicit TrainingController(QObject *parent = nullptr);
    /// Cancels a running worker and waits for it (at most one batch or one
    /// dev evaluation): it posts to this object, so it must end first.
    ~TrainingController() override;

    /// Prepares the task, measures the warm-up, emits estimated and trains.
    /// False (and nothing happens) while another run or estimate is going.
    bool start(const TrainingSetup &setup);
    /// Goes on from the checkpoint a cancelled run left
    /// (setup.checkpointPath()) with the same task and model options, up to setup.epochs
    /// (more than before to train longer); a checkpoint of another model
    /// fails with the reason.
    bool continueFromCheckpoint(const TrainingSetup &setup);
    /// Only prepares and measures the warm-up, then emits estimated.
    bool estimate(const TrainingSetup &setup);
    bool isBusy() const { return m_run != nullptr; }
    bool isTraining() const;
    bool isPaused() const;

    /// Snapshots of the current (or last) run, oldest first.
    const std::vector<TrainingSnapshot> &snapshots() const { return m_snapshots; }

public slots:
    /// Parks the worker before its next batch.
    void pause();
    void resume();
    /// Stops within one batch; the last checkpoint stays.
    void cancel();
    /// The sentence the next snapshots decode (empty: no snapshots).
    void setWatchedSentence(const QString &sentence);

signals:
    void stateChanged();
    /// One line for the panel while preparing ("building the task…").
    void statusChanged(const QString &text);
    void estimated(const alignscope::ui::TrainingEstimate &estimate);
    void progressed(const alignscope::TrainProgress &progress);
    /// Train loss of the recent batches (a moving average of per-batch
    /// losses) after `step` batches; sent with progressed, never at epoch ends.
    void trainLoss(long long step, double loss);
    /// snapshots()[index] is new.
    void snapshotAdded(int index);
    /// The model is saved at `path`.
    void finished(const QString &path, const alignscope::TrainSummary &summary);
    /// Nothing was saved: `message` says why; `checkpoint` is the last
    /// checkpoint kept on disk, empty when there is none.
    void failed(const QString &message, bool cancelled, const QString &checkpoint);

private:
    struct Run;
    enum class Mode { Train, Continue, EstimateOnly };
    bool launch(const TrainingSetup &setup, Mode mode);
    void work(std::shared_ptr<Run> run);
    /// Measures, then trains `model` (either family) on the run's worker.
    template <typename Model>
    void estimateAndTrain(const std::shared_ptr<Run> &run, Model &model, const PreparedTask &task);
    template <typename Model>
    void trainModel(const std::shared_ptr<Run> &run, Model &model, const PreparedTask &task);
    /// Ends run `id` on this object's thread with failed(...).
    void fail(quint64 id, const QString &message, bool cancelled, const QString &checkpoint);
    /// Saves the model of a finished run, or says why there is none.
    template <typename Model>
    void finishRun(const std::shared_ptr<Run> &run, Result<TrainSummary> summary, const Model &model,
                   int epochsEnded);
    /// Runs `f` on the GUI thread unless run `id` has been overtaken.
    template <typename F> void post(quint64 id, F f);
    void endRun(quint64 id);

    std::shared_ptr<Run> m_run;
    std::thread m_thread;
    quint64 m_runId = 0;
    std::vector<TrainingSnapshot> m_snapshots;
};

} // namespace alignscope::ui

Q_DECLARE_METATYPE(alignscope::TrainProgress)
Q_DECLARE_METATYPE(alignscope::TrainSummary)
Q_DECLARE_METATYPE(alignscope::ui::TrainingEstimate)
