#include "training/trainingcontroller.h"

#include "alignscope/audio.h"
#include "alignscope/corpus.h"
#include "alignscope/decode.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QMetaObject>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>

namespace alignscope::ui {
namespace {

using Clock = std::chrono::steady_clock;

} // namespace

TrainOptions trainOptionsFor(const TrainingSetup &s)
{
    TrainOptions o = s.transformer() ? transformerTrainDefaults() : TrainOptions{};
    o.epochs = s.epochs;
    o.batchSize = s.batchSize;
    o.learningRate = static_cast<float>(s.learningRate);
    o.threads = s.threads;
    o.seed = s.seed;
    o.evalSentences = s.evalSentences;
    return o;
}

namespace {

/// The estimate `train` prints as well (core's estimateTraining).
template <typename Model>
TrainingEstimate measureWarmup(const Model &model, const PreparedTask &task, const TrainingSetup &s)
{
    TrainingEstimate e;
    static_cast<alignscope::TrainingEstimate &>(e) =
        estimateTraining(model, task.splits.train, task.splits.dev, trainOptionsFor(s));
    return e;
}

/// The loss of each batch, recovered from the trainer's running mean of the
/// epoch, smoothed with a bias-corrected exponential moving average: a curve
/// that does not jump when the running mean restarts at an epoch boundary.
class LossSmoother {
public:
    void add(const TrainProgress &p)
    {
        if (p.epoch != m_epoch) {
            m_epoch = p.epoch;
            m_epochStart = p.step - 1;
            m_mean = 0.0;
        }
        const double n = double(p.step - m_epochStart);
        const double batch = p.loss * n - m_mean * (n - 1.0);
        m_mean = p.loss;
        m_average = kDecay * m_average + (1.0 - kDecay) * batch;
        m_weight = kDecay * m_weight + (1.0 - kDecay);
    }
    double value() const { return m_weight > 0.0 ? m_average / m_weight : 0.0; }

private:
    static constexpr double kDecay = 0.9;
    int m_epoch = 0;
    long long m_epochStart = 0;
    double m_mean = 0.0;
    double m_average = 0.0;
    double m_weight = 0.0;
};

} // namespace

TaskRequest taskRequestFor(const TrainingSetup &s)
{
    TaskRequest r;
    r.seed = s.seed;
    r.trainSize = std::max(10, s.trainSize);
    switch (s.task) {
    case TrainingSetup::Task::EnFr: r.name = "en-fr"; break;
    case TrainingSetup::Task::Dates: r.name = "dates"; break;
    case TrainingSetup::Task::Scenes: r.name = "scenes"; break;
    case TrainingSetup::Task::TsvFile:
    case TrainingSetup::Task::EngFraFile:
    case TrainingSetup::Task::SpeechFile:
        r.name = s.file.toStdString();
        r.format = s.task == TrainingSetup::Task::TsvFile      ? "tsv"
                   : s.task == TrainingSetup::Task::SpeechFile ? "audio-tsv"
                                                               : "eng-fra";
        break;
    }
    // Dev loss is computed every epoch; a tenth of train (20..500) keeps it cheap.
    r.devSize = std::clamp(s.trainSize / 10, 20, 500);
    r.testSize = 1;
    return r;
}

Result<PreparedTask> prepareTask(const TrainingSetup &s)
{
    const bool file = s.fromFile();
    if (file && s.file.isEmpty())
        return usageError("choose a corpus file for the task");
    auto task = alignscope::prepareTask(taskRequestFor(s));
    if (task && file)
        task->name = QFileInfo(s.file).fileName().toStdString();
    if (task) // bpe / unigram: SentencePiece models trained on the training split
        if (auto r = applyTokenizer(task.value(), {s.tokenizer.toStdString(), s.vocabSize, s.sharedVocab}); !r)
            return r.error();
    return task;
}

Result<ModelConfig> modelConfigFor(const TrainingSetup &s, const PreparedTask &task)
{
    RnnRecipe r;
    r.encoder = s.encoder.toStdString();
    r.decoder = toString(s.decoder);
    r.scorer = toString(s.scorer);
    r.local = s.local == LocalMode::None ? std::string() : toString(s.local);
    r.window = s.window;
    r.embedding = s.embedding;
    r.hidden = s.hidden;
    return buildRnnConfig(r.forTask(task));
}

Result<TransformerSpec> transformerSpecFor(const TrainingSetup &s, const PreparedTask &task)
{
    TransformerRecipe r;
    r.layers = s.layers;
    r.heads = s.heads;
    r.dModel = s.hidden;
    if (!task.image && !task.audio) { // text: T5's choices; pictures and clips: learned positions, as ViT and Whisper
        r.normKind = "rms";
        r.positions = "relative";
    }
    auto spec = buildTransformerSpec(r);
    if (spec && task.image)
        return imageEncoderSpec(spec.value(), *task.image, s.patch);
    if (spec && task.audio)
        return audioEncoderSpec(spec.value(), *task.audio);
    return spec;
}

QString TrainingEstimate::explanation() const
{
    return QCoreApplication::translate("TrainingEstimate",
                                       "%1 warm-up batches (after one untimed pass) at %2 s × %3 batches × %4 epochs, plus %5 s of dev "
                                       "evaluation per epoch, on %6 threads")
        .arg(warmupBatches)
        .arg(batchSeconds, 0, 'f', 3)
        .arg(batchesPerEpoch)
        .arg(epochs)
        .arg(evalSeconds, 0, 'f', 1)
        .arg(threads);
}

// ---- the worker ------------------------------------------------------------

struct TrainingController::Run {
    quint64 id = 0;
    TrainingSetup setup;
    bool estimateOnly = false;
    bool resume = false;     // from setup.checkpointPath()
    std::atomic<bool> cancel{false};
    std::mutex mutex;
    std::condition_variable wake;
    bool paused = false;     // guarded by mutex
    std::string watched;     // guarded by mutex
    std::shared_ptr<const RgbImage> watchedImage; // an image task's watched picture, set before training
    std::shared_ptr<const std::vector<float>> watchedClip; // a speech task's watched clip (16 kHz), likewise
    std::atomic<bool> training{false};

    std::string watchedSentence()
    {
        std::lock_guard lock(mutex);
        return watched;
    }
    /// Parks the calling worker while paused; cancel wakes it.
    void waitWhilePaused()
    {
        std::unique_lock lock(mutex);
        wake.wait(lock, [this] { return !paused || cancel.load(); });
    }
};

TrainingController::TrainingController(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<TrainProgress>();
    qRegisterMetaType<TrainSummary>();
    qRegisterMetaType<TrainingEstimate>();
}

TrainingController::~TrainingController()
{
    cancel();
    if (m_thread.joinable())
        m_thread.join();
}

bool TrainingController::start(const TrainingSetup &setup) { return launch(setup, Mode::Train); }

bool TrainingController::continueFromCheckpoint(const TrainingSetup &setup) { return launch(setup, Mode::Continue); }

bool TrainingController::estimate(const TrainingSetup &setup) { return launch(setup, Mode::EstimateOnly); }

bool TrainingController::isTraining() const { return m_run && m_run->training; }

bool TrainingController::isPaused() const
{
    if (!m_run)
        return false;
    std::lock_guard lock(m_run->mutex);
    return m_run->paused;
}

bool TrainingController::launch(const TrainingSetup &setup, Mode mode)
{
    const bool estimateOnly = mode == Mode::EstimateOnly;
    if (m_run)
        return false;
    if (m_thread.joinable())
        m_thread.join(); // a finished worker that posted its last call
    auto run = std::make_shared<Run>();
    run->id = ++m_runId;
    run->setup = setup;
    run->estimateOnly = estimateOnly;
    run->resume = mode == Mode::Continue;
    run->watched = setup.watched.toStdString();
    m_run = run;
    if (!estimateOnly)
        m_snapshots.clear();
    m_thread = std::thread([this, run] { work(run); });
    emit stateChanged();
    return true;
}

void TrainingController::pause()
{
    if (!m_run)
        return;
    {
        std::lock_guard lock(m_run->mutex);
        m_run->paused = true;
    }
    emit stateChanged();
}

void TrainingController::resume()
{
    if (!m_run)
        return;
    {
        std::lock_guard lock(m_run->mutex);
        m_run->paused = false;
    }
    m_run->wake.notify_all();
    emit stateChanged();
}

void TrainingController::cancel()
{
    if (!m_run)
        return;
    {
        std::lock_guard lock(m_run->mutex);
        m_run->cancel = true;
    }
    m_run->wake.notify_all();
}

void TrainingController::setWatchedSentence(const QString &sentence)
{
    if (!m_run)
        return;
    std::lock_guard lock(m_run->mutex);
    m_run->watched = sentence.toStdString();
}

template <typename F> void TrainingController::post(quint64 id, F f)
{
    // Queued onto this object's thread; Qt drops the call if the object is
    // gone, and the destructor joins the worker before that anyway.
    QMetaObject::invokeMethod(
        this, [this, id, f = std::move(f)]() mutable {
            if (id == m_runId)
                f();
        },
        Qt::QueuedConnection);
}

void TrainingController::endRun(quint64 id)
{
    if (!m_run || m_run->id != id)
        return;
    m_run.reset();
    if (m_thread.joinable())
        m_thread.join(); // its last act was to post this call
    emit stateChanged();
}

void TrainingController::fail(quint64 id, const QString &message, bool cancelled, const QString &checkpoint)
{
    post(id, [this, id, message, cancelled, checkpoint] {
        endRun(id);
        emit failed(message, cancelled, checkpoint);
    });
}

void TrainingController::work(std::shared_ptr<Run> run)
{
    const quint64 id = run->id;
    // Nothing thrown on the worker may end the program or reach a slot.
    try {
        if (!run->estimateOnly && run->setup.outPath.isEmpty())
            return fail(id, tr("Choose where to save the model first."), false, {});
        post(id, [this] { emit statusChanged(tr("Building the task…")); });
        auto task = prepareTask(run->setup);
        if (!task)
            return fail(id, QString::fromStdString(task.error().message), false, {});
        const std::string name = QFileInfo(run->setup.outPath).completeBaseName().toStdString();
        if (task->image && !task->splits.dev.pairs.empty()) // pictures: the first dev scene is watched
            run->watchedImage = task->splits.dev.pairs.front().image;
        if (task->audio && !task->splits.dev.pairs.empty()) // speech: the first dev clip that can be read
            for (const SentencePair &p : task->splits.dev.pairs)
                if (auto clip = readAudio(p.audio)) {
                    run->watchedClip = std::make_shared<const std::vector<float>>(std::move(clip->samples));
                    break;
                }
        if (run->setup.transformer()) {
            auto spec = transformerSpecFor(run->setup, task.value());
            if (!spec)
                return fail(id, QString::fromStdString(spec.error().message), false, {});
            TransformerModel model = makeTransformerForCorpus(spec.value(), task->splits.train, run->setup.seed, 1, 0,
                                                               task->sourceTokenizer, task->targetTokenizer);
            if (task->image)
                model.setImageProcessor(*task->image);
            if (task->audio)
                model.setAudioFrontEnd(*task->audio);
            model.setName(name);
            return estimateAndTrain(run, model, task.value());
        }
        auto config = modelConfigFor(run->setup, task.value());
        if (!config)
            return fail(id, QString::fromStdString(config.error().message), false, {});
        RnnModel model = makeModelForCorpus({config.value(), 1, 0}, task->splits.train, run->setup.seed);
        model.setName(name);
        estimateAndTrain(run, model, task.value());
    } catch (const std::exception &e) {
        fail(id, tr("Training failed: %1").arg(QString::fromLocal8Bit(e.what())), false, {});
    }
}

template <typename Model>
void TrainingController::estimateAndTrain(const std::shared_ptr<Run> &run, Model &model, const PreparedTask &task)
{
    const quint64 id = run->id;
    post(id, [this] { emit statusChanged(tr("Measuring a warm-up…")); });
    const TrainingEstimate estimate = measureWarmup(model, task, run->setup);
    post(id, [this, estimate] { emit estimated(estimate); });
    if (run->estimateOnly) {
        post(id, [this, id] {
            endRun(id);
            emit statusChanged(QString());
        });
        return;
    }
    if (run->cancel)
        return fail(id, tr("Cancelled before training started; nothing was written."), true, {});
    post(id, [this] { emit statusChanged(tr("Training…")); });
    trainModel(run, model, task);
}

template <typename Model>
void TrainingController::trainModel(const std::shared_ptr<Run> &run, Model &model, const PreparedTask &task)
{
    const quint64 id = run->id;
    const TrainingSetup &s = run->setup;
    const QString checkpoint = s.checkpointPath();
    TrainOptions options = trainOptionsFor(s);
    options.checkpoint = checkpoint.toStdString();
    QDir().mkpath(QFileInfo(s.outPath).absolutePath());
    Trainer trainer(model, task.splits.train, task.splits.dev, options);
    if (run->resume) {
        if (auto resumed = trainer.resume(checkpoint.toStdString()); !resumed) {
            return fail(id, tr("Cannot continue: %1").arg(QString::fromStdString(resumed.error().message)), false,
                        QFileInfo::exists(checkpoint) ? checkpoint : QString());
        }
    }

    long long lastSnapshot = -1;
    auto snapshot = [&](long long step, int epoch, double loss) {
        const std::string sentence = run->watchedSentence();
        if ((sentence.empty() && !run->watchedImage && !run->watchedClip) || step == lastSnapshot)
            return;
        lastSnapshot = step;
        Result<DecodeTrace> trace = Error{ErrorKind::Internal, "not decoded"};
        if (run->watchedImage || run->watchedClip) {
            auto source = run->watchedImage ? model.prepareImage(*run->watchedImage) : model.prepareAudio(*run->watchedClip);
            trace = source ? translateSource(model, std::move(source).value(), {}, &run->cancel)
                           : Result<DecodeTrace>(source.error());
        } else {
            trace = translate(model, sentence, {}, &run->cancel);
        }
        if (!trace)
            return; // an undecodable sentence (all spaces) just shows nothing new
        TrainingSnapshot snap{std::make_shared<const DecodeTrace>(std::move(trace).value()), step, epoch, loss};
        post(id, [this, snap] {
            m_snapshots.push_back(snap);
            emit snapshotAdded(int(m_snapshots.size()) - 1);
        });
    };
    if (!run->resume)
        snapshot(0, 0, 0.0); // the untrained model: attention before anything was learnt

    int epochsEnded = 0;
    LossSmoother smoother;
    auto lastPost = Clock::now() - std::chrono::seconds(1);
    auto progress = [&](const TrainProgress &p) {
        if (!p.epochEnd)
            smoother.add(p);
        // At most ~20 progress updates a second reach the GUI, and every epoch end.
        if (p.epochEnd || p.step == p.totalSteps || Clock::now() - lastPost > std::chrono::milliseconds(50)) {
            lastPost = Clock::now();
            const double smoothed = smoother.value();
            post(id, [this, p, smoothed] {
                if (!p.epochEnd)
                    emit trainLoss(p.step, smoothed);
                emit progressed(p);
            });
        }
        epochsEnded += p.epochEnd ? 1 : 0;
        if (p.epochEnd || p.step % std::max(1, s.snapshotEvery) == 0)
            snapshot(p.step, p.epoch, p.loss);
        run->waitWhilePaused();
    };
    run->training = true;
    post(id, [this] { emit stateChanged(); });
    auto summary = trainer.run(progress, &run->cancel);
    run->training = false;
    finishRun(run, std::move(summary), model, epochsEnded);
}

template <typename Model>
void TrainingController::finishRun(const std::shared_ptr<Run> &run, Result<TrainSummary> summary,
                                   const Model &model, int epochsEnded)
{
    const quint64 id = run->id;
    const TrainingSetup &s = run->setup;
    const QString checkpoint = s.checkpointPath();
    if (!summary) {
        const bool cancelled = summary.error().kind == ErrorKind::Cancelled;
        // Only a checkpoint this run wrote (or continued from) counts; an older file may sit there.
        const bool ours = epochsEnded > 0 || run->resume;
        const QString kept = ours && QFileInfo::exists(checkpoint) ? checkpoint : QString();
        QString message = cancelled ? tr("Cancelled after %n epoch(s).", "", epochsEnded)
                                    : tr("Training failed: %1").arg(QString::fromStdString(summary.error().message));
        message += kept.isEmpty() ? tr(" No checkpoint was written yet.")
                                  : tr(" The checkpoint of the last finished epoch is kept: %1").arg(kept);
        return fail(id, message, cancelled, kept);
    }
    if (auto saved = model.save(s.outPath.toStdString()); !saved) {
        const QString message = tr("Training finished but the model could not be saved: %1")
                                    .arg(QString::fromStdString(saved.error().message));
        return fail(id, message, false, QFileInfo::exists(checkpoint) ? checkpoint : QString());
    }
    const TrainSummary done = summary.value();
    const QString path = s.outPath;
    post(id, [this, id, path, done] {
        endRun(id);
        emit finished(path, done);
    });
}

} // namespace alignscope::ui
