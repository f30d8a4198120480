#include "decode/decodecontroller.h"

#include "alignscope/rnnmodel.h"
#include "alignscope/tokenizer.h"

#include "decode/modeljobs.h"

namespace alignscope::ui {
namespace {

struct LoadResult {
    ModelPtr model;
    QString error;
};

LoadResult loadModelBlocking(const QString &nameOrPath)
{
    auto model = loadNamedModel(nameOrPath);
    if (!model)
        return {nullptr, QString::fromStdString(model.error().message)};
    return {model.value(), {}};
}

} // namespace

DecodeController::DecodeController(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<TracePtr>();
}

DecodeController::~DecodeController()
{
    // Running jobs hold their own shared pointers to the model and flag, so
    // raising the flag is all that is needed; nobody waits for them here.
    cancelRunning();
}

void DecodeController::loadModel(const QString &nameOrPath)
{
    const quint64 generation = ++m_modelGeneration;
    setBusy(true);
    runAsync<LoadResult>(this, [nameOrPath] { return loadModelBlocking(nameOrPath); },
                         [this, generation, nameOrPath](LoadResult r) {
                             if (generation != m_modelGeneration)
                                 return;
                             if (!r.model) {
                                 setBusy(false);
                                 emit errorOccurred(tr("Could not open model: %1").arg(r.error));
                                 return;
                             }
                             setModel(std::move(r.model), nameOrPath);
                         });
}

void DecodeController::setModel(ModelPtr model, const QString &source)
{
    ++m_modelGeneration; // a model installed directly overtakes pending loads
    m_model = std::move(model);
    m_modelSource = source;
    m_prefix.clear(); // forced ids belong to the old target vocabulary
    emit modelChanged(QString::fromStdString(m_model->name()));
    decode();
}

void DecodeController::setSentence(const QString &sentence)
{
    if (sentence == m_sentence && m_trace)
        return;
    m_sentence = sentence;
    m_prefix.clear();
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

void DecodeController::forcePrefix(const std::vector<int> &prefix, int focusStep)
{
    m_prefix = prefix;
    cancelRunning();
    const quint64 generation = ++m_generation;
    if (!m_model)
        return;
    setBusy(true);
    ModelPtr model = m_model;
    const std::string sentence = m_sentence.toStdString();
    DecodeOptions options;
    options.partner = true; // the window's one decode may use both cores
    options.beamWidth = m_beamWidth;
    options.prefix = m_prefix;
    auto cancel = m_cancel;
    runAsync<Result<DecodeTrace>>(
        this, [model, sentence, options, cancel] { return translate(*model, sentence, options, cancel.get()); },
        [this, generation, focusStep](Result<DecodeTrace> r) { finishDecode(generation, std::move(r), focusStep); });
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

void DecodeController::finishDecode(quint64 generation, Result<DecodeTrace> result, int focusStep)
{
    if (generation != m_generation)
        return; // overtaken by a newer request
    setBusy(false);
    if (!result) {
        if (result.error().kind != ErrorKind::Cancelled)
            emit decodeFailed(QString::fromStdString(result.error().message));
        return;
    }
    m_trace = std::make_shared<const DecodeTrace>(std::move(result).value());
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
