// TransformerModel: the Transformer family behind Seq2Seq, over the shared
// TransformerNetwork code with recording off.
#include "alignscope/transformermodel.h"

#include "alignscope/hftokenizer.h"
#include "common/largepages.h"
#include "common/random.h"
#include "model/textsource_p.h"
#include "transformer/network.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace alignscope {

namespace {

/// The encoder's output as decoding needs it: the states a view shows, and
/// per decoder layer the cross-attention keys and values (n, d).
struct TransformerMemory final : EncodedMemory {
    /// crossKeys / crossValues laid out head after head ((H·n, dk) per layer,
    /// Graph::external's byHead): what decoder steps read.
    std::vector<Matrix> keysByHead, valuesByHead;
};

/// (n, H·dk) -> (H·n, dk): head h's columns become rows h·n.. (the same values).
Matrix byHead(const Matrix &m, int heads)
{
    const Eigen::Index n = m.rows(), dk = m.cols() / heads;
    Matrix out(heads * n, dk);
    for (int h = 0; h < heads; ++h)
        out.middleRows(h * n, n) = m.middleCols(h * dk, dk);
    return out;
}

/// One hypothesis: the self-attention cache of every decoder layer.
struct TransformerState final : DecoderState {
    std::vector<TransformerNetwork<float>::LayerCache> cache;
};

/// A (L*H, columns) stack from per-layer, per-head (1, columns) rows.
AttentionStack stackOf(const Graph<float> &g, const std::vector<TransformerNetwork<float>::AttentionRecord> &layers)
{
    AttentionStack s;
    s.layers = int(layers.size());
    s.heads = int(layers.front().weights.size());
    const Eigen::Index columns = g.value(layers.front().weights.front()).cols();
    s.scores.resize(s.layers * s.heads, columns);
    s.weights.resize(s.layers * s.heads, columns);
    for (int l = 0; l < s.layers; ++l)
        for (int h = 0; h < s.heads; ++h) {
            s.scores.row(s.rowOf(l, h)) = g.value(layers[size_t(l)].scores[size_t(h)]).row(0);
            s.weights.row(s.rowOf(l, h)) = g.value(layers[size_t(l)].weights[size_t(h)]).row(0);
        }
    return s;
}

} // namespace

ModelDescription describeTransformer(const TransformerSpec &spec, long long parameters)
{
    ModelDescription d;
    d.architecture = "transformer";
    d.scorer = spec.scaledAttention ? "scaled-dot" : "dot";
    d.layers = spec.decoderLayers;
    d.heads = spec.heads;
    d.selfAttention = true;
    d.parameters = parameters;
    if (spec.patchSize > 0)
        d.sourceKind = SourceKind::Image;
    else if (spec.melBins > 0)
        d.sourceKind = SourceKind::Audio;
    const std::string bias = spec.positions == TransformerSpec::Positions::Relative ? " + b_{h}(j − t)" : "";
    AttentionDescription &a = d.attention;
    a.title = std::string(spec.scaledAttention ? "scaled dot product" : "dot product (T5, unscaled)") +
              ", head h of layer l";
    a.query = "q_t = W_q^{(h)} x_t";
    a.key = "k_j = W_k^{(h)} h_j";
    a.score = "e_{tj} = q_t^⊤ k_j" + std::string(spec.scaledAttention ? " / √d_k" : "") + bias;
    a.context = "o_t = W_o [Σ_j α^{(1)}_{tj} v_j ; … ; Σ_j α^{(H)}_{tj} v_j],  v_j = W_v^{(h)} h_j";
    a.note = "each of the " + std::to_string(spec.heads) + " heads has its own W_q, W_k, W_v";
    a.contextOfStates = false;
    d.summary = std::to_string(spec.encoderLayers) + " + " + std::to_string(spec.decoderLayers) + " layer Transformer, " +
                std::to_string(spec.heads) + " heads, d " + std::to_string(spec.dModel) + ", " +
                (spec.preNorm ? "pre-" : "post-") + toString(spec.norm) + " norm, " + toString(spec.positions) +
                " positions";
    return d;
}

TransformerModel::TransformerModel(TransformerSpec spec, Vocabulary source, Vocabulary target,
                                   ParameterSet<float> params, TokenizerOptions sourceTokenizer,
                                   TokenizerOptions targetTokenizer)
    : m_spec(spec), m_source(std::move(source)), m_target(std::move(target)), m_params(std::move(params)),
      m_sourceTokenizer(sourceTokenizer), m_targetTokenizer(targetTokenizer),
      m_network(std::make_unique<TransformerNetwork<float>>(m_spec, m_source.size(), m_target.size())),
      m_description(describeTransformer(m_spec, parameterCount(m_params)))
{
    setName("transformer");
}

struct TransformerModel::Halves {
    std::map<std::string, kernels::HalfMatrix> byName;
};

TransformerModel::~TransformerModel() = default;
TransformerModel::TransformerModel(TransformerModel &&) noexcept = default;

TransformerModel::TransformerModel(const TransformerModel &other)
    : TransformerModel(other.m_spec, other.m_source, other.m_target, other.m_params, other.m_sourceTokenizer,
                       other.m_targetTokenizer)
{
    setName(other.name());
    m_description = other.m_description;
    m_hfTokenizer = other.m_hfTokenizer;
    m_generation = other.m_generation;
    m_audio = other.m_audio;
    m_melFilters = other.m_melFilters;
    m_image = other.m_image;
    m_promptChooser = other.m_promptChooser;
    m_halves = other.m_halves; // equal weights: the same copies hold
}

std::size_t TransformerModel::keepExactHalves()
{
    auto halves = std::make_shared<Halves>();
    std::size_t bytes = 0;
    for (const auto &[name, W] : m_params) {
        if (!streamedByStep(name, W))
            continue;
        auto half = kernels::exactHalf(W);
        if (!half)
            return 0; // float32 values: keep nothing
        bytes += half->bits.size() * sizeof(std::uint16_t);
        halves->byName.emplace(name, std::move(*half));
    }
    if (halves->byName.empty())
        return 0;
    m_halves = std::move(halves);
    return bytes;
}

void TransformerModel::adviseLargePages() const
{
    if (!largepages::enabled())
        return;
    std::vector<largepages::Span> spans;
    for (const auto &[name, W] : m_params) {
        if (!streamedByStep(name, W))
            continue;
        if (const kernels::HalfMatrix *half = halfOf(name)) // streamed from the 16-bit copy
            spans.push_back({half->bits.data(), half->bits.size() * sizeof(std::uint16_t)});
        else
            spans.push_back({W.data(), std::size_t(W.size()) * sizeof(float)});
    }
    largepages::advise(spans);
}

bool TransformerModel::keepsHalf(const std::string &name) const { return halfOf(name) != nullptr; }

bool TransformerModel::streamedByStep(const std::string &name, const Matrix &W) const
{
    // The matrices a decoder step streams through one-row products (not vectors, nor small ones).
    return m_spec.readEveryStep(name) && W.rows() > 1 && W.size() >= kernels::kPartnerMinimum;
}

const kernels::HalfMatrix *TransformerModel::halfOf(const std::string &name) const
{
    if (!m_halves)
        return nullptr;
    const auto h = m_halves->byName.find(name);
    return h == m_halves->byName.end() ? nullptr : &h->second;
}

std::size_t TransformerModel::halfBytes() const
{
    std::size_t bytes = 0;
    if (m_halves)
        for (const auto &[name, h] : m_halves->byName)
            bytes += h.bits.size() * sizeof(std::uint16_t);
    return bytes;
}

void TransformerModel::setTokenizer(std::shared_ptr<const HfTokenizer> tokenizer) { m_hfTokenizer = std::move(tokenizer); }

void TransformerModel::setGeneration(GenerationDefaults generation) { m_generation = std::move(generation); }

GenerationDefaults TransformerModel::generation() const
{
    if (m_generation)
        return *m_generation;
    GenerationDefaults g = Seq2Seq::generation();
    // A learned decoder position table ends: no longer output than it has rows
    // (a clip's 2n + 10 would run far past it).
    if (m_spec.positions == TransformerSpec::Positions::Learned && m_spec.melBins > 0)
        g.maxLength = m_spec.maxPositions;
    return g;
}

TransformerModel TransformerModel::initialise(const TransformerSpec &spec, Vocabulary source, Vocabulary target,
                                              unsigned seed, TokenizerOptions sourceTokenizer,
                                              TokenizerOptions targetTokenizer)
{
    const TransformerNetwork<float> net(spec, source.size(), target.size());
    Rng rng(seed);
    ParameterSet<float> params;
    for (const auto &[name, shape] : net.shapes()) {
        Matrix m(shape.first, shape.second);
        const bool bias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
        const bool normWeight = name.find("norm.weight") != std::string::npos;
        if (bias || normWeight) {
            m.setConstant(normWeight ? 1.0f : 0.0f);
        } else {
            // Xavier-uniform for projections; embeddings and biases tables alike, by their own shape.
            const float bound = std::sqrt(6.0f / float(shape.first + shape.second));
            for (Eigen::Index i = 0; i < m.size(); ++i)
                m.data()[i] = rng.uniform(-bound, bound);
        }
        params.emplace(name, std::move(m));
    }
    return TransformerModel(spec, std::move(source), std::move(target), std::move(params), sourceTokenizer,
                            targetTokenizer);
}

void TransformerModel::setAudioFrontEnd(const WhisperFeatureConfig &config)
{
    m_audio = config;
    m_melFilters = melFilterBank(config);
}

void TransformerModel::setAudioFrontEnd(const WhisperFeatureConfig &config, Matrix melFilters)
{
    m_audio = config;
    m_melFilters = std::move(melFilters);
}

Result<std::vector<int>> TransformerModel::decoderPrompt(const std::string &language, const std::string &task) const
{
    return m_promptChooser ? m_promptChooser(language, task) : Seq2Seq::decoderPrompt(language, task);
}

double TransformerModel::audioWindowSeconds() const
{
    return m_spec.melBins > 0 && m_audio ? double(m_audio->chunkLength) : 0.0;
}

Result<EncodedSource> TransformerModel::prepareAudio(const std::vector<float> &samples16k) const
{
    if (m_spec.melBins == 0 || !m_audio)
        return Seq2Seq::prepareAudio(samples16k);
    const WhisperFeatureConfig &c = *m_audio;
    EncodedSource source;
    source.features = logMelSpectrogram(samples16k, c, m_melFilters); // (mels, frames)
    // The second convolution halves the frames: column j covers mel frames 2j and 2j + 1.
    const int columns = int((source.features.cols() + 1) / 2);
    if (source.features.rows() != m_spec.melBins || columns > m_spec.encoderPositions() ||
        (c.padToChunk && columns != m_spec.encoderPositions()))
        return fileError("preprocessor_config.json gives " + std::to_string(source.features.rows()) + " mels x " +
                         std::to_string(source.features.cols()) + " frames, but the encoder reads " +
                         std::to_string(m_spec.melBins) + " x " + std::to_string(2 * m_spec.encoderPositions()));
    SourceAxis &axis = source.axis;
    axis.kind = SourceKind::Audio;
    axis.hopSeconds = 2.0 * c.hopLength / c.samplingRate;
    // transformers' num_frames // 2: the columns the clip fills (word timestamps read no further).
    const std::int64_t heard = std::min<std::int64_t>(std::int64_t(samples16k.size()), c.nSamples());
    axis.audioColumns = std::clamp(int(heard / c.hopLength / 2), 1, columns);
    axis.flags.assign(size_t(columns), 0);
    axis.labels.resize(size_t(columns));
    axis.startAudioAt(0.0); // labels "1.24 s"
    axis.spectrogram = source.features;
    return source;
}

namespace {

/// Pixel values (3, H·W) cut into p × p patches: (patches, 3·p²), patch
/// (r, c) in row r·columns + c, its values in (channel, y, x) order.
Matrix patchesOf(const Matrix &values, int height, int width, int p)
{
    const int rows = height / p, columns = width / p;
    Matrix out(rows * columns, 3 * p * p);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < columns; ++c)
            for (int ch = 0; ch < 3; ++ch)
                for (int y = 0; y < p; ++y)
                    out.row(r * columns + c).segment((ch * p + y) * p, p) =
                        values.row(ch).segment(Eigen::Index(r * p + y) * width + c * p, p);
    return out;
}

} // namespace

Result<EncodedSource> TransformerModel::prepareImage(const RgbImage &image) const
{
    if (m_spec.patchSize == 0 || !m_image)
        return Seq2Seq::prepareImage(image);
    if (image.width <= 0 || image.height <= 0 || image.pixels.size() != size_t(image.width) * size_t(image.height) * 3)
        return Error{ErrorKind::BadInput, "the picture has no pixels (or not 3 bytes for each)"};
    PixelValues pv = pixelValues(image, *m_image);
    const int p = m_spec.patchSize;
    if (pv.seen.width != m_spec.imageWidth || pv.seen.height != m_spec.imageHeight)
        return Error{ErrorKind::BadInput, "the picture is " + std::to_string(pv.seen.width) + " x " +
                                              std::to_string(pv.seen.height) + " and the image processor does not resize; " +
                                              name() + " reads " + std::to_string(m_spec.imageWidth) + " x " +
                                              std::to_string(m_spec.imageHeight)};
    EncodedSource source;
    source.features = patchesOf(pv.values, pv.seen.height, pv.seen.width, p);
    SourceAxis &axis = source.axis;
    axis.kind = SourceKind::Image;
    axis.gridRows = m_spec.patchRows();
    axis.gridColumns = m_spec.patchColumns();
    axis.extraBefore = 1;
    axis.labels.push_back("[CLS]");
    axis.flags.push_back(SourceAxis::Extra);
    axis.boxes.push_back({});
    for (int r = 0; r < axis.gridRows; ++r)
        for (int c = 0; c < axis.gridColumns; ++c) {
            axis.labels.push_back("patch " + std::to_string(r) + "," + std::to_string(c));
            axis.flags.push_back(0);
            axis.boxes.push_back({c * p, r * p, p, p});
        }
    axis.image = std::move(pv.seen);
    return source;
}

Result<EncodedSource> TransformerModel::prepareSource(const std::string &sentence) const
{
    if (m_spec.melBins > 0)
        return usageError(name() + " transcribes audio, not text; give it --audio FILE instead of a sentence");
    if (m_spec.patchSize > 0)
        return usageError(name() + " describes pictures, not text; give it --image FILE instead of a sentence");
    if (!m_hfTokenizer)
        return prepareTextSource(sentence, m_sourceTokenizer, m_source, true);
    auto coded = m_hfTokenizer->encode(sentence);
    if (!coded)
        return coded.error();
    TokenizedText &t = coded.value();
    if (t.ids.empty())
        return Error{ErrorKind::BadInput, "the sentence gives no tokens; type some text"};
    for (int id : t.ids)
        if (id < 0 || id >= m_source.size())
            return Error{ErrorKind::BadInput, "the tokenizer gives id " + std::to_string(id) +
                                                  ", outside the model's vocabulary of " + std::to_string(m_source.size()) +
                                                  "; the folder's tokenizer does not belong to its model"};
    EncodedSource source;
    source.axis = SourceAxis::textSource(sentence, t.pieces, t.ids, t.spans);
    source.axis.words = t.words;
    for (size_t j = 0; j < t.special.size() && j < source.axis.flags.size(); ++j)
        if (t.special[j])
            source.axis.flags[j] |= SourceAxis::Special;
    return source;
}

EncodedSource TransformerModel::sourceFromTokens(const std::vector<std::string> &tokens) const
{
    return textSourceFromTokens(tokens, m_source, true);
}

std::vector<int> TransformerModel::prepareTarget(const std::string &text) const
{
    if (!m_hfTokenizer)
        return textTargetIds(text, m_targetTokenizer, m_target);
    // The labels transformers' tokenizer makes of the text, less the final
    // </s> that a forced decode appends itself (BART keeps its leading <s>).
    auto coded = m_hfTokenizer->encodeTarget(text);
    if (!coded)
        return {};
    std::vector<int> ids = coded->ids;
    if (!ids.empty() && ids.back() == m_target.specials().eos)
        ids.pop_back();
    for (int id : ids)
        if (id < 0 || id >= m_target.size())
            return {};
    return ids;
}

std::vector<int> TransformerModel::prepareForcedTarget(const std::string &text,
                                                      const std::optional<std::vector<int>> &prompt) const
{
    std::vector<int> ids = prepareTarget(text);
    std::vector<int> forced = prompt.value_or(generation().forcedPrompt);
    if (forced.empty())
        return ids;
    // The tokenizer starts a text with its own prompt (<|startoftranscript|> …): the text alone follows the model's.
    auto first = ids.begin();
    while (m_hfTokenizer && first != ids.end() && m_hfTokenizer->isSpecial(*first))
        ++first;
    forced.insert(forced.end(), first, ids.end());
    return forced;
}

std::function<std::string(const std::vector<std::string> &)> TransformerModel::detokenizer() const
{
    if (!m_hfTokenizer)
        return textDetokenizer(m_targetTokenizer);
    // Pieces back to ids (the views hold pieces), then the tokenizer's decode.
    return [tokenizer = m_hfTokenizer](const std::vector<std::string> &pieces) {
        std::vector<int> ids;
        ids.reserve(pieces.size());
        for (const std::string &p : pieces)
            ids.push_back(tokenizer->id(p));
        return tokenizer->decode(ids, true);
    };
}

std::function<std::string(const std::string &)> TransformerModel::tokenDisplay() const
{
    if (!m_hfTokenizer)
        return {};
    return [tokenizer = m_hfTokenizer](const std::string &piece) {
        const int id = tokenizer->id(piece);
        if (tokenizer->piece(id) != piece) // not in the vocabulary (a "<id N>" filler)
            return piece;
        const HfTokenizer::Display d = tokenizer->display(id);
        return d.wordStart && !tokenizer->isSpecial(id) && d.text != "\u2581" && d.text != "\u0120" ? "\u2581" + d.text : d.text;
    };
}

std::shared_ptr<const EncodedMemory> TransformerModel::encode(const EncodedSource &source) const
{
    Graph<float> g(false);
    ParamBinder<float> p(g, m_params);
    // An audio model reads the (frames, mels) features; a text model the ids.
    const Matrix frames = m_spec.melBins > 0 ? Matrix(source.features.transpose()) : Matrix();
    const auto enc = m_spec.patchSize > 0 ? m_network->encodeImage(p, source.features)
                     : m_spec.melBins > 0 ? m_network->encodeAudio(p, frames, &m_params)
                                          : m_network->encode(p, source.axis.ids);
    auto out = std::make_shared<TransformerMemory>();
    out->states = g.value(enc.states);
    if (source.keepSelfAttention) {
        out->selfAttention.layers = int(enc.self.size());
        // An image encoder may have heads of its own (ViT's num_attention_heads).
        out->selfAttention.heads = enc.self.empty() ? m_spec.heads : int(enc.self.front().weights.size());
        for (const auto &layer : enc.self)
            for (int h = 0; h < out->selfAttention.heads; ++h) {
                out->selfAttention.scores.push_back(g.value(layer.scores[size_t(h)]));
                out->selfAttention.weights.push_back(g.value(layer.weights[size_t(h)]));
            }
    }
    for (size_t l = 0; l < enc.crossKeys.size(); ++l) {
        out->crossKeys.push_back(g.value(enc.crossKeys[l]));
        out->crossValues.push_back(g.value(enc.crossValues[l]));
        out->keysByHead.push_back(byHead(out->crossKeys.back(), m_spec.heads));
        out->valuesByHead.push_back(byHead(out->crossValues.back(), m_spec.heads));
    }
    return out;
}

DecoderStatePtr TransformerModel::initialState(const EncodedMemory &) const
{
    auto s = std::make_shared<TransformerState>();
    s->cache.resize(size_t(m_spec.decoderLayers)); // empty: no store until the first step
    return s;
}

StepOutput TransformerModel::step(const EncodedMemory &memory, const DecoderState &state, int previousToken, int t,
                                  const Intervention &intervention) const
{
    // Only this family's own encode() and initialState() make these.
    const auto &m = static_cast<const TransformerMemory &>(memory);
    const auto &s = static_cast<const TransformerState &>(state);
    Graph<float> g(false);
    ParamBinder<float> p(g, m_params, nullptr, m_halves ? &m_halves->byName : nullptr);
    TransformerNetwork<float>::Encoded enc;
    enc.states = g.external(m.states);
    enc.spans = {{0, int(m.states.rows())}};
    for (size_t l = 0; l < m.crossKeys.size(); ++l) {
        enc.crossKeys.push_back(g.external(m.crossKeys[l], nullptr, nullptr, &m.keysByHead[l]));
        enc.crossValues.push_back(g.external(m.crossValues[l], nullptr, nullptr, &m.valuesByHead[l]));
    }
    auto decoded = m_network->decodeStep(p, enc, s.cache, previousToken, t, &intervention);
    auto next = std::make_shared<TransformerState>();
    next->cache = std::move(decoded.cache);
    StepOutput out;
    out.next = std::move(next);
    out.cross = stackOf(g, decoded.cross);
    out.self = stackOf(g, decoded.self);
    // Each head's query and output, one row per (layer, head) as in `cross`.
    const int H = m_spec.heads, dk = m_spec.headSize();
    out.crossQueries.resize(out.cross.layers * H, dk);
    out.crossOutputs.resize(out.cross.layers * H, dk);
    for (int l = 0; l < out.cross.layers; ++l)
        for (int h = 0; h < H; ++h) {
            out.crossQueries.row(out.cross.rowOf(l, h)) = g.value(decoded.cross[size_t(l)].query).row(0).segment(h * dk, dk);
            out.crossOutputs.row(out.cross.rowOf(l, h)) = g.value(decoded.cross[size_t(l)].output).row(0).segment(h * dk, dk);
        }
    out.logProbs = ops::logSoftmaxRows<float>(g.value(decoded.logits)).row(0).transpose(); // (V)
    return out;
}

} // namespace alignscope
