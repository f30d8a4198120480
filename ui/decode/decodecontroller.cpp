#include "decode/decodecontroller.h"

#include "alignscope/audio.h"
#include "alignscope/rnnmodel.h"
#include "alignscope/tokenizer.h"

#include "decode/modeljobs.h"

#include <QFileInfo>
#include <QTimer>

#include <optional>

namespace alignscope::ui {

// The worker writes progress here and reads the flag; the GUI thread polls
// the progress on a timer, so nothing is posted to a controller that may be gone.
struct DecodeController::Load {
    std::atomic<double> progress{0.0};
    std::atomic<bool> cancel{false};
};

// A decode's result, and the decode without the intervention when it was
// asked for (the first decode of an intervention).
struct DecodeController::Decoded {
    Result<DecodeTrace> trace = Error{ErrorKind::Internal, "not decoded"};
    std::optional<Result<DecodeTrace>> original;
};

namespace {

constexpr int kProgressPollMs = 100;

struct LoadResult {
    ModelPtr model;
    QString error;
    bool cancelled = false;
};

/// The typed sentence, the picture when there is one, or the clip at `audio`
/// (read and prepared here, on the worker: a long MP3 takes a while to
/// decode, a large photo a while to resize).
Result<DecodeTrace> decodeSource(const Seq2Seq &model, const std::string &sentence, const std::string &audio,
                                 const std::shared_ptr<const RgbImage> &picture, const DecodeOptions &options,
                                 const std::atomic<bool> *cancel)
{
    if (picture) {
        auto source = model.prepareImage(*picture);
        if (!source)
            return source.error();
        return translateSource(model, std::move(source).value(), options, cancel);
    }
    if (audio.empty())
        return translate(model, sentence, options, cancel);
    auto clip = readAudio(audio);
    if (!clip)
        return clip.error();
    auto source = model.prepareAudio(clip->samples);
    if (!source)
        return source.error();
    return translateSource(model, std::move(source).value(), options, cancel);
}

LoadResult loadModelBlocking(const QString &nameOrPath, const HuggingFaceOpenOptions &options)
{
    auto model = loadNamedModel(nameOrPath, options);
    if (!model)
        return {nullptr, QString::fromStdString(model.error().message), model.error().kind == ErrorKind::Cancelled};
    return {model.value(), {}};
}

} // namespace

DecodeController::DecodeController(QObject *parent) : QObject(parent), m_progressTimer(new QTimer(this))
{
    qRegisterMetaType<TracePtr>();
    m_progressTimer->setInterval(kProgressPollMs);
    connect(m_progressTimer, &QTimer::timeout, this, [this] {
        if (!m_load || m_load->progress.load() == m_shownProgress)
            return;
        m_shownProgress = m_load->progress.load();
        emit loadProgress(m_loadingSource, m_shownProgress);
    });
}

DecodeController::~DecodeController()
{
    // Running jobs hold their own shared pointers to the model and flag, so
    // raising the flag is all that is needed; nobody waits for them here.
    cancelRunning();
    if (m_load)
        m_load->cancel.store(true);
}

void DecodeController::loadModel(const QString &nameOrPath)
{
    const quint64 generation = ++m_modelGeneration;
    if (m_load)
        m_load->cancel.store(true); // overtaken: stop reading its weights
    auto load = m_load = std::make_shared<Load>();
    m_loadingSource = nameOrPath;
    setBusy(true);
    HuggingFaceOpenOptions options;
    options.progress = [load](double fraction) { load->progress.store(fraction); };
    options.cancel = &load->cancel; // `load` outlives the job: the lambda below holds it
    if (QFileInfo(nameOrPath).isDir()) {
        m_shownProgress = 0;
        emit loadProgress(nameOrPath, 0.0);
        m_progressTimer->start();
    }
    runAsync<LoadResult>(this, [nameOrPath, options, load] { return loadModelBlocking(nameOrPath, options); },
                         [this, generation, nameOrPath](LoadResult r) {
                             if (generation != m_modelGeneration)
                                 return; // overtaken or cancelled
                             endLoad();
                             if (!r.model) {
                                 setBusy(false);
                                 if (!r.cancelled)
                                     emit errorOccurred(r.error);
                                 return;
                             }
                             setModel(std::move(r.model), nameOrPath);
                         });
}

void DecodeController::cancelLoad()
{
    if (!m_load)
        return;
    m_load->cancel.store(true);
    ++m_modelGeneration; // its result, if it still comes, is dropped
    const QString source = m_loadingSource;
    endLoad();
    setBusy(false);
    emit loadCancelled(source);
}

void DecodeController::endLoad()
{
    m_progressTimer->stop();
    m_load.reset();
    m_loadingSource.clear();
    m_shownProgress = -1;
    emit loadEnded();
}

void DecodeController::setModel(ModelPtr model, const QString &source)
{
    ++m_modelGeneration; // a model installed directly overtakes pending loads
    if (m_load) {
        m_load->cancel.store(true);
        endLoad();
    }
    m_model = std::move(model);
    m_modelSource = source;
    m_prefix.clear(); // forced ids belong to the old target vocabulary
    if (m_model->description().sourceKind != SourceKind::Audio)
        m_audioPath.clear(); // back to the sentence
    if (m_model->description().sourceKind != SourceKind::Image)
        clearImage();
    dropIntervention(); // so do its heads and positions
    emit modelChanged(QString::fromStdString(m_model->name()));
    decode();
}

void DecodeController::setSentence(const QString &sentence)
{
    if (sentence == m_sentence && m_trace && m_audioPath.isEmpty() && !m_image)
        return;
    m_sentence = sentence;
    m_audioPath.clear();
    clearImage();
    m_prefix.clear();
    dropIntervention(); // its source positions belong to the old sentence
    decode();
}

void DecodeController::setImage(const RgbImage &image, const QString &label)
{
    m_image = std::make_shared<const RgbImage>(image);
    m_imageLabel = label;
    m_audioPath.clear();
    m_prefix.clear();
    dropIntervention(); // its source positions belong to the old source
    decode();
}

void DecodeController::clearImage()
{
    m_image.reset();
    m_imageLabel.clear();
}

void DecodeController::setAudio(const QString &path)
{
    clearImage();
    m_audioPath = path;
    m_prefix.clear();
    dropIntervention(); // its source positions belong to the old source
    decode();
}

void DecodeController::setBeamWidth(int width)
{
    width = std::max(1, width);
    if (width == m_beamWidth)
        return;
    m_beamWidth = width;
    decode();
}

void DecodeController::setTimestamps(bool on)
{
    if (on == m_timestamps)
        return;
    m_timestamps = on;
    decode();
}

void DecodeController::forcePrefix(const std::vector<int> &prefix, int focusStep)
{
    m_prefix = prefix;
    m_original.reset(); // another input: the decode without the intervention is stale
    run(focusStep);
}

void DecodeController::run(int focusStep)
{
    cancelRunning();
    const quint64 generation = ++m_generation;
    if (!m_model)
        return;
    const std::string audio = m_audioPath.toStdString();
    if (audio.empty() && m_model->description().sourceKind == SourceKind::Audio) {
        setBusy(false); // the decode this one overtook is dropped
        emit decodeFailed(tr("%1 transcribes speech: open a clip with File ▸ Open audio… or drop a WAV, FLAC, Ogg "
                             "or MP3 file on the window")
                              .arg(QString::fromStdString(m_model->name())));
        return;
    }
    if (!m_image && m_model->description().sourceKind == SourceKind::Image) {
        setBusy(false);
        emit decodeFailed(tr("%1 captions pictures: open one with File ▸ Open image…, drop an image file on the "
                             "window or paste one (Edit ▸ Paste image)")
                              .arg(QString::fromStdString(m_model->name())));
        return;
    }
    setBusy(true);
    ModelPtr model = m_model;
    std::shared_ptr<const RgbImage> picture = m_image;
    const std::string sentence = m_sentence.toStdString();
    DecodeOptions options;
    options.partner = true; // the window's one decode may use both cores
    options.beamWidth = m_beamWidth;
    options.prefix = m_prefix;
    options.timestamps = m_timestamps;
    options.intervention = m_intervention;
    // The Self-attention panel shows a clip's encoder attention (a speech model
    // trained here keeps it for clips of up to 10 s); a picture's is left out.
    options.encoderSelfAttention = !picture;
    const bool withOriginal = !m_intervention.empty() && !m_original;
    auto cancel = m_cancel;
    runAsync<Decoded>(
        this,
        [model, sentence, audio, picture, options, cancel, withOriginal] {
            Decoded d;
            d.trace = decodeSource(*model, sentence, audio, picture, options, cancel.get());
            if (withOriginal && d.trace) {
                DecodeOptions plain = options;
                plain.intervention = {};
                d.original = decodeSource(*model, sentence, audio, picture, plain, cancel.get());
            }
            return d;
        },
        [this, generation, focusStep](Decoded r) { finishDecode(generation, std::move(r), focusStep); });
}

void DecodeController::setIntervention(const Intervention &intervention, int focusStep)
{
    if (intervention == m_intervention)
        return;
    m_interventionHistory.push_back(m_intervention);
    m_intervention = intervention;
    emit interventionChanged();
    run(focusStep);
}

void DecodeController::restoreIntervention(const Intervention &intervention, const std::vector<Intervention> &history,
                                           int focusStep)
{
    if (intervention == m_intervention && history == m_interventionHistory)
        return;
    m_interventionHistory = history;
    m_intervention = intervention;
    emit interventionChanged();
    run(focusStep);
}

void DecodeController::undoIntervention(int focusStep)
{
    if (m_interventionHistory.empty())
        return;
    m_intervention = m_interventionHistory.back();
    m_interventionHistory.pop_back();
    emit interventionChanged();
    run(focusStep);
}

void DecodeController::clearIntervention(int focusStep)
{
    if (m_intervention.empty() && m_interventionHistory.empty())
        return;
    m_interventionHistory.clear();
    m_intervention = {};
    emit interventionChanged();
    run(focusStep);
}

void DecodeController::dropIntervention()
{
    m_original.reset();
    if (m_intervention.empty() && m_interventionHistory.empty())
        return;
    m_interventionHistory.clear();
    m_intervention = {};
    emit interventionChanged();
}

void DecodeController::clearPrefix()
{
    if (m_prefix.empty())
        return;
    m_prefix.clear();
    decode();
}

void DecodeController::decode()
{
    forcePrefix(m_prefix, 0);
}

void DecodeController::cancelRunning()
{
    if (m_cancel)
        m_cancel->store(true);
    m_cancel = std::make_shared<std::atomic<bool>>(false);
}

void DecodeController::finishDecode(quint64 generation, Decoded decoded, int focusStep)
{
    if (generation != m_generation)
        return; // overtaken by a newer request
    setBusy(false);
    Result<DecodeTrace> &result = decoded.trace;
    if (decoded.original && !*decoded.original)
        result = decoded.original->error();
    if (!result) {
        if (result.error().kind != ErrorKind::Cancelled)
            emit decodeFailed(QString::fromStdString(result.error().message));
        return;
    }
    m_trace = std::make_shared<const DecodeTrace>(std::move(result).value());
    if (decoded.original)
        m_original = std::make_shared<const DecodeTrace>(std::move(*decoded.original).value());
    else if (m_trace->intervention.empty())
        m_original = m_trace; // the next intervention compares with this one
    emit traceReady(m_trace, focusStep);
}

void DecodeController::setBusy(bool busy)
{
    if (busy == m_busy)
        return;
    m_busy = busy;
    emit busyChanged(busy);
}

ModelPtr makeRandomModel()
{
    const TokenizerOptions tok;
    auto words = [&](const char *text) { return tokenize(text, tok).value(); };
    const Vocabulary source = Vocabulary::build({words("The cat sat on the mat . a dog")});
    const Vocabulary target = Vocabulary::build({words("Le chat s'est assis sur le tapis . un chien")});
    ModelConfig config;
    config.encoder.embedding = config.decoder.embedding = 16;
    config.encoder.hidden = config.decoder.hidden = config.attention.dimension = 32;
    auto model = std::make_shared<RnnModel>(RnnModel::initialise(config, source, target, 7));
    model->setName("random (untrained)");
    return model;
}

} // namespace alignscope::ui
