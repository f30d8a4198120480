#include "compare/comparecontroller.h"

#include "decode/modeljobs.h"

#include <algorithm>
#include <utility>

namespace alignscope::ui {

using ModelResultPtr = std::shared_ptr<const Result<ModelPtr>>;

// Models loaded so far, by source. Jobs on the pool read and fill it, so it
// outlives the controller through a shared pointer.
struct CompareController::Cache {
    std::mutex mutex;
    std::map<QString, ModelResultPtr> models;

    ModelResultPtr get(const QString &source)
    {
        {
            std::lock_guard lock(mutex);
            if (auto it = models.find(source); it != models.end())
                return it->second;
        }
        // Loaded without the lock so models load in parallel; two jobs
        // racing on one source both load it and the first one wins.
        auto loaded = std::make_shared<Result<ModelPtr>>(loadNamedModel(source));
        std::lock_guard lock(mutex);
        return models.emplace(source, std::move(loaded)).first->second;
    }

};

namespace {

// What the first phase of a run works out before the models decode.
struct Preparation {
    std::optional<SentencePair> gold;
    std::optional<std::string> target;
    QString problem; // why the requested target could not be used
};

CompareResult decodeOne(const ModelResultPtr &model, const QString &source, const CompareRequest &request)
{
    std::vector<CompareEntry> entries = compareModels({model.get()}, request);
    CompareResult r;
    r.source = source;
    r.row = std::move(entries.front().row);
    if (entries.front().trace)
        r.trace = std::make_shared<const DecodeTrace>(std::move(entries.front().trace).value());
    if (r.row.model.empty())
        r.row.model = displayNameOf(source);
    return r;
}

} // namespace

CompareController::CompareController(QObject *parent) : QObject(parent), m_cache(std::make_shared<Cache>())
{
    qRegisterMetaType<CompareTarget>();
}

CompareController::~CompareController()
{
    if (m_cancel)
        m_cancel->store(true); // jobs on the pool stop instead of finishing for nobody
}

void CompareController::setModels(const QStringList &sources)
{
    m_sources = sources.mid(0, kMaxModels);
    run();
}

void CompareController::setSentence(const QString &sentence)
{
    if (sentence == m_sentence && !m_image)
        return;
    m_sentence = sentence;
    m_image.reset();
    m_imageLabel.clear();
    run();
}

void CompareController::setImage(std::shared_ptr<const RgbImage> image, const QString &label)
{
    if (image == m_image)
        return;
    m_image = std::move(image);
    m_imageLabel = label;
    run();
}

void CompareController::setTarget(CompareTarget kind, const QString &typed, int modelIndex)
{
    m_targetKind = kind;
    m_typedTarget = typed;
    m_targetModel = modelIndex;
    run();
}

void CompareController::cancel()
{
    if (!busy())
        return;
    m_cancel->store(true);
    ++m_generation; // results still on their way are dropped
    m_pending = 0;
    for (int i = 0; i < m_results.size(); ++i) {
        CompareResult &r = m_results[i];
        if (r.trace || !r.row.error.empty())
            continue;
        r.stopped = true;
        r.row.model = displayNameOf(r.source);
        r.row.error = "stopped before it finished";
        emit resultReady(i);
    }
    emit finished();
}

void CompareController::run()
{
    if (m_cancel)
        m_cancel->store(true); // the previous run's decodes stop early
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    const quint64 generation = ++m_generation;
    m_results.clear();
    for (const QString &s : std::as_const(m_sources))
        m_results.append(CompareResult{s, nullptr, {}});
    m_pending = int(m_sources.size()) + 1; // + the preparation phase
    emit started(int(m_sources.size()));
    if (m_sources.isEmpty() || (!m_image && m_sentence.trimmed().isEmpty())) {
        m_pending = 0;
        emit finished();
        return;
    }
    const std::string sentence = m_sentence.toStdString();
    const CompareTarget kind = m_targetKind;
    const std::string typed = m_typedTarget.trimmed().toStdString();
    const int index = std::clamp(m_targetModel, 0, int(m_sources.size()) - 1);
    const QString reference = m_sources.value(index);
    auto cache = m_cache;
    const std::shared_ptr<const RgbImage> image = m_image;
    auto prepare = [=] {
        Preparation p;
        if (!image)
            p.gold = goldPairFor(sentence);
        switch (kind) {
        case CompareTarget::None: break;
        case CompareTarget::Reference:
            if (p.gold)
                p.target = p.gold->target;
            else if (image) // a picture is in no corpus
                p.problem = tr("A picture has no reference caption: type the caption to force, or force one "
                               "model's; each model captions on its own.");
            else
                p.problem = tr("“%1” is not in the built-in corpus, so there is no reference to force; "
                               "each model decodes on its own.").arg(QString::fromStdString(sentence));
            break;
        case CompareTarget::Typed:
            if (!typed.empty())
                p.target = typed;
            else
                p.problem = tr("Type a target to force every model on it; until then each model decodes on its own.");
            break;
        case CompareTarget::ModelOutput: { // that model's own caption or translation, forced on all
            const ModelResultPtr model = cache->get(reference);
            const auto decode = [&]() -> Result<DecodeTrace> {
                if (!model->ok())
                    return model->error();
                if (!image)
                    return translate(*model->value(), sentence);
                auto source = model->value()->prepareImage(*image);
                if (!source)
                    return source.error();
                return translateSource(*model->value(), std::move(source).value());
            };
            if (auto trace = decode())
                p.target = trace->translation(trace->bestPath());
            else
                p.problem = (image ? tr("%1 could not caption the picture: %2")
                                   : tr("%1 could not translate the sentence: %2"))
                                .arg(reference, QString::fromStdString(trace.error().message));
            break;
        }
        }
        return p;
    };
    runAsync<Preparation>(this, prepare, [this, generation](Preparation p) {
        if (generation != m_generation)
            return;
        --m_pending;
        m_gold = std::move(p.gold);
        m_resolvedTarget = p.target ? QString::fromStdString(*p.target) : QString();
        if (!p.problem.isEmpty())
            emit targetUnavailable(p.problem);
        launch(generation, std::move(p.target));
    });
}

void CompareController::launch(quint64 generation, std::optional<std::string> target)
{
    CompareRequest request;
    request.image = m_image;
    if (!m_image)
        request.sentence = m_sentence.toStdString();
    request.target = std::move(target);
    request.gold = m_gold;
    for (int i = 0; i < int(m_sources.size()); ++i) {
        auto cache = m_cache;
        auto cancel = m_cancel; // kept alive by the job, read through request.cancel
        const QString source = m_sources[i];
        runAsync<CompareResult>(
            this,
            [cache, cancel, source, request]() mutable {
                request.cancel = cancel.get();
                return decodeOne(cache->get(source), source, request);
            },
            [this, generation, i](CompareResult r) { deliver(generation, i, std::move(r)); });
    }
}

void CompareController::deliver(quint64 generation, int index, CompareResult result)
{
    if (generation != m_generation)
        return; // a newer sentence, target or model list overtook this run
    m_results[index] = std::move(result);
    emit resultReady(index);
    if (--m_pending == 0)
        emit finished();
}

} // namespace alignscope::ui
