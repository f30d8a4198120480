// The training adapters of the two families: RnnModel over Network,
// TransformerModel over TransformerNetwork.
#include "train/trainable_p.h"

#include "model/network.h"
#include "transformer/network.h"

#include "alignscope/audio.h"

#include <tbb/parallel_for.h>

#include <cassert>

namespace alignscope {

std::vector<Example> TrainingAdapter::examples(const Corpus &corpus) const
{
    // Clips are decoded and turned into features once, in parallel; one that
    // cannot be read (damaged since the manifest was read) is left out.
    std::vector<std::shared_ptr<const Matrix>> frames(corpus.pairs.size());
    tbb::parallel_for(std::size_t(0), corpus.pairs.size(), [&](std::size_t i) {
        if (corpus.pairs[i].audio.empty())
            return;
        if (const EncodedSource s = source(corpus.pairs[i]); s.features.size() > 0)
            frames[i] = std::make_shared<const Matrix>(s.features.transpose()); // (frames, mels)
    });
    std::vector<Example> out;
    out.reserve(corpus.pairs.size());
    const SpecialIds &specials = model().targetSpecials();
    for (std::size_t i = 0; i < corpus.pairs.size(); ++i) {
        const SentencePair &p = corpus.pairs[i];
        if (!p.audio.empty() && !frames[i])
            continue;
        Example e;
        if (p.audio.empty())
            e.source = source(p).axis.ids;
        e.frames = std::move(frames[i]);
        e.image = p.image;
        e.target = model().targetVocab().encode(p.targetTokens);
        for (int &id : e.target)
            if (id < 0)
                id = specials.pad;
        e.target.push_back(specials.eos);
        out.push_back(std::move(e));
    }
    return out;
}

namespace {

/// A batch's source and target ids.
std::pair<std::vector<std::vector<int>>, std::vector<std::vector<int>>> idsOf(std::span<const Example> batch)
{
    std::vector<std::vector<int>> sources, targets;
    for (const Example &e : batch) {
        sources.push_back(e.source);
        targets.push_back(e.target);
    }
    return {std::move(sources), std::move(targets)};
}

/// What both adapters share: the model, mutable when the trainer owns it.
template <typename Model>
class AdapterBase : public TrainingAdapter {
public:
    explicit AdapterBase(const Model &model, Model *mutableModel = nullptr) : m_model(model), m_mutable(mutableModel) {}

    const Seq2Seq &model() const override { return m_model; }
    const ParameterSet<float> &parameters() const override { return m_model.parameters(); }
    ParameterSet<float> &mutableParameters() override
    {
        assert(m_mutable && "an evaluation adapter has no mutable weights");
        return m_mutable->parameters();
    }
    EncodedSource source(const SentencePair &pair) const override { return m_model.sourceFromTokens(pair.sourceTokens); }
    Result<void> save(const std::string &path, const std::map<std::string, FloatTensor> &tensors,
                      const std::map<std::string, std::string> &meta) const override
    {
        return m_model.save(path, tensors, meta);
    }

protected:
    /// The weights of `loaded` when it is this model; `configOf` gives what must agree.
    template <typename ConfigOf>
    Result<ParameterSet<float>> sameModel(const std::string &path, Result<Model> loaded, ConfigOf configOf) const
    {
        if (!loaded)
            return loaded.error();
        if (configOf(loaded.value()) != configOf(m_model) ||
            loaded->sourceVocab().tokens() != m_model.sourceVocab().tokens() ||
            loaded->targetVocab().tokens() != m_model.targetVocab().tokens())
            return fileError(path + ": the checkpoint's model differs from this run's (config or vocabulary); "
                                    "resume with the same task and options");
        return std::move(loaded->parameters());
    }

    const Model &m_model;
    Model *m_mutable;
};

class RnnAdapter final : public AdapterBase<RnnModel> {
public:
    RnnAdapter(const RnnModel &model, RnnModel *mutableModel)
        : AdapterBase(model, mutableModel),
          m_network(model.config(), model.sourceVocab().size(), model.targetVocab().size())
    {
    }

    Result<void> trainable() const override { return m_model.trainable(); }
    std::pair<TokenizerOptions, TokenizerOptions> tokenizers() const override
    {
        return {m_model.config().sourceTokenizer, m_model.config().targetTokenizer};
    }
    int evaluationBatch() const override { return m_model.evaluationBatch(); }
    int loss(ParamBinder<float> &p, std::span<const Example> batch, const LossNoise &noise,
             int normaliser) const override
    {
        const auto [sources, targets] = idsOf(batch);
        return m_network.loss(p, sources, targets, noise.teacherForcing,
                              {noise.dropout, noise.rng, noise.labelSmoothing}, normaliser);
    }
    Result<ParameterSet<float>> weightsOf(const std::string &path) const override
    {
        return sameModel(path, RnnModel::load(path), [](const RnnModel &m) { return configToJson(m.config()); });
    }

private:
    Network<float> m_network;
};

class TransformerAdapter final : public AdapterBase<TransformerModel> {
public:
    using AdapterBase::AdapterBase;

    std::pair<TokenizerOptions, TokenizerOptions> tokenizers() const override
    {
        const TransformerFileConfig c = m_model.fileConfig();
        return {c.sourceTokenizer, c.targetTokenizer};
    }

    /// A pair with a picture goes through the model's image processor (the
    /// one translate --image uses); without one, a picture's source is empty.
    /// A clip goes through the model's log-mel front end (as translate
    /// --audio's); a clip that cannot be read gives an empty source.
    EncodedSource source(const SentencePair &pair) const override
    {
        if (!pair.audio.empty()) {
            auto clip = readAudio(pair.audio);
            if (!clip)
                return {};
            auto prepared = m_model.prepareAudio(clip->samples);
            return prepared ? std::move(prepared).value() : EncodedSource{};
        }
        if (!pair.image)
            return AdapterBase::source(pair);
        auto prepared = m_model.prepareImage(*pair.image);
        return prepared ? std::move(prepared).value() : EncodedSource{};
    }

    int loss(ParamBinder<float> &p, std::span<const Example> batch, const LossNoise &noise,
             int normaliser) const override
    {
        const TransformerNetwork<float>::Noise n{noise.dropout, noise.rng, noise.labelSmoothing};
        const int sos = m_model.targetSpecials().sos;
        auto [sources, targets] = idsOf(batch);
        if (!batch.empty() && batch.front().frames) {
            std::vector<const Matrix *> clips; // the examples' own features: they outlive the batch's graph
            for (const Example &e : batch)
                clips.push_back(e.frames.get());
            return m_model.network().audioLoss(p, clips, targets, sos, n, normaliser);
        }
        if (batch.empty() || !batch.front().image)
            return m_model.network().loss(p, sources, targets, sos, n, normaliser);
        // Pictures are cut into patches here, per batch, rather than kept as features for the whole split.
        std::vector<Matrix> patches;
        for (const Example &e : batch) {
            SentencePair pair;
            pair.image = e.image;
            patches.push_back(source(pair).features);
        }
        return m_model.network().imageLoss(p, patches, targets, sos, n, normaliser);
    }
    Result<ParameterSet<float>> weightsOf(const std::string &path) const override
    {
        return sameModel(path, TransformerModel::load(path),
                         [](const TransformerModel &m) { return transformerConfigToJson(m.fileConfig()); });
    }
};

} // namespace

std::unique_ptr<TrainingAdapter> trainingAdapter(RnnModel &model)
{
    return std::make_unique<RnnAdapter>(model, &model);
}

std::unique_ptr<TrainingAdapter> trainingAdapter(TransformerModel &model)
{
    return std::make_unique<TransformerAdapter>(model, &model);
}

std::unique_ptr<const TrainingAdapter> evaluationAdapter(const Seq2Seq &model)
{
    if (const auto *rnn = dynamic_cast<const RnnModel *>(&model))
        return std::make_unique<RnnAdapter>(*rnn, nullptr);
    if (const auto *t = dynamic_cast<const TransformerModel *>(&model))
        return std::make_unique<TransformerAdapter>(*t);
    return nullptr;
}

std::vector<Example> makeExamples(const RnnModel &model, const Corpus &corpus)
{
    return evaluationAdapter(model)->examples(corpus);
}

std::vector<Example> makeExamples(const TransformerModel &model, const Corpus &corpus)
{
    return evaluationAdapter(model)->examples(corpus);
}

} // namespace alignscope
