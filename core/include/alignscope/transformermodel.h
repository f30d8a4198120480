#pragma once
// TransformerModel: a Transformer encoder–decoder (TransformerSpec) behind
// Seq2Seq. Every decoder step records each layer's and head's
// cross-attention and causal self-attention; the decoder keeps a key/value
// cache per hypothesis, and cross-attention's keys and values are computed
// once per source.

#include "alignscope/image.h"
#include "alignscope/logmel.h"
#include "alignscope/parameters.h"
#include "alignscope/safetensors.h"
#include "alignscope/seq2seq.h"
#include "alignscope/tokenizer.h"
#include "alignscope/transformer.h"
#include "alignscope/vocabulary.h"

#include <memory>
#include <optional>

namespace alignscope {

template <typename T>
class TransformerNetwork;
class HfTokenizer;
namespace kernels {
struct HalfMatrix;
}

class TransformerModel final : public Seq2Seq {
public:
    TransformerModel(TransformerSpec spec, Vocabulary source, Vocabulary target, ParameterSet<float> params,
                     TokenizerOptions sourceTokenizer = {}, TokenizerOptions targetTokenizer = {});
    ~TransformerModel() override;
    TransformerModel(TransformerModel &&) noexcept;
    /// A deep copy (weights, vocabularies and a network of its own).
    TransformerModel(const TransformerModel &other);

    /// Random weights of the spec's shapes (Xavier-uniform matrices, unit norms, zero biases).
    static TransformerModel initialise(const TransformerSpec &spec, Vocabulary source, Vocabulary target,
                                       unsigned seed, TokenizerOptions sourceTokenizer = {},
                                       TokenizerOptions targetTokenizer = {});

    /// Reads a Transformer model file; every failure names the file and what was wrong.
    static Result<TransformerModel> load(const std::string &path);
    /// Writes atomically (temporary file + rename).
    Result<void> save(const std::string &path) const;
    /// Writes the model plus extra tensors and metadata (training checkpoints).
    Result<void> save(const std::string &path, const std::map<std::string, FloatTensor> &extraTensors,
                      const std::map<std::string, std::string> &extraMetadata) const;

    const TransformerSpec &spec() const { return m_spec; }
    /// What the model file's alignscope.config says of this model.
    TransformerFileConfig fileConfig() const;
    const ParameterSet<float> &parameters() const { return m_params; }
    /// The weights to change (training, tests): drops any 16-bit copies
    /// (keepExactHalves), which would no longer match them.
    ParameterSet<float> &parameters()
    {
        m_halves.reset();
        return m_params;
    }
    /// Weights that came from a float16 or bfloat16 file: keeps an exact
    /// 16-bit copy of each large matrix a decoder step reads (its layers'
    /// projections and feed-forward, the output layer) whose values all
    /// survive the round trip, so one-row products stream half the bytes
    /// and give the same bits (kernels::HalfMatrix). Returns the bytes kept;
    /// 0 for float32 weights.
    std::size_t keepExactHalves();
    /// Bytes of the 16-bit copies kept (0: none).
    std::size_t halfBytes() const;
    /// Whether the weight `name` is read from a 16-bit copy by decoder steps.
    bool keepsHalf(const std::string &name) const;
    /// Queues the matrices a decoder step streams (their 16-bit copies where
    /// kept) for 2 MB pages when the program asked for them
    /// (alignscope/allocator.h); models opened from files do it themselves.
    void adviseLargePages() const;
    const Vocabulary &sourceVocab() const { return m_source; }
    /// The network the weights belong to (training and tests use it directly).
    const TransformerNetwork<float> &network() const { return *m_network; }

    // Seq2Seq
    const ModelDescription &description() const override { return m_description; }
    const Vocabulary &targetVocab() const override { return m_target; }
    const SpecialIds &targetSpecials() const override { return m_target.specials(); }
    Result<EncodedSource> prepareSource(const std::string &sentence) const override;
    /// Audio models (spec().melBins > 0): the clip's log-mel features over the
    /// whole window (padded or trimmed, as WhisperFeatureExtractor), one source
    /// column per encoder frame.
    Result<EncodedSource> prepareAudio(const std::vector<float> &samples16k) const override;
    /// Image models (spec().patchSize > 0): the picture through the image
    /// processor, one source column for [CLS] and one per patch (row-major).
    Result<EncodedSource> prepareImage(const RgbImage &image) const override;
    Result<std::vector<int>> decoderPrompt(const std::string &language, const std::string &task) const override;
    std::vector<int> prepareTarget(const std::string &text) const override;
    std::vector<int> prepareForcedTarget(const std::string &text,
                                         const std::optional<std::vector<int>> &prompt = {}) const override;
    std::function<std::string(const std::vector<std::string> &)> detokenizer() const override;
    std::function<std::string(const std::string &)> tokenDisplay() const override;
    std::shared_ptr<const EncodedMemory> encode(const EncodedSource &source) const override;
    DecoderStatePtr initialState(const EncodedMemory &memory) const override;
    using Seq2Seq::step;
    StepOutput step(const EncodedMemory &memory, const DecoderState &state, int previousToken, int t,
                    const Intervention &intervention) const override;

    /// Source tokens already split (a corpus pair) into ids, <eos> appended.
    EncodedSource sourceFromTokens(const std::vector<std::string> &tokens) const;

    /// Models opened from Hugging Face folders: text becomes ids through the
    /// folder's tokenizer (special tokens as it adds them) and back as its
    /// decode does, instead of AlignScope's word tokenizer.
    void setTokenizer(std::shared_ptr<const HfTokenizer> tokenizer);
    const HfTokenizer *tokenizer() const { return m_hfTokenizer.get(); }
    /// Generation settings (generation_config.json); unset: Seq2Seq's.
    void setGeneration(GenerationDefaults generation);
    /// Audio models: the front end (preprocessor_config.json) their clips go through.
    void setAudioFrontEnd(const WhisperFeatureConfig &config);
    /// The same with mel filters of its own, (mels, F) (a whisper.cpp file carries them).
    void setAudioFrontEnd(const WhisperFeatureConfig &config, Matrix melFilters);
    /// Image models: the image processor (preprocessor_config.json) their pictures go through.
    void setImageProcessor(const ImageProcessorConfig &config) { m_image = config; }
    /// What decoderPrompt() answers (a Whisper folder's lang_to_id / task_to_id); unset: none.
    using PromptChooser = std::function<Result<std::vector<int>>(const std::string &language, const std::string &task)>;
    void setPromptChooser(PromptChooser chooser) { m_promptChooser = std::move(chooser); }
    GenerationDefaults generation() const override;
    /// preprocessor_config.json's chunk_length; 0 for text models.
    double audioWindowSeconds() const override;
    /// Replaces the self-description (a Hugging Face folder names its family).
    void setDescription(ModelDescription description) { m_description = std::move(description); }

private:
    /// Whether a decoder step streams `name` (value W) through one-row products: the matrices
    /// kept in 16 bits when exact and moved to large pages.
    bool streamedByStep(const std::string &name, const Matrix &W) const;
    /// The 16-bit copy of `name` a step reads, or null.
    const kernels::HalfMatrix *halfOf(const std::string &name) const;

    TransformerSpec m_spec;
    Vocabulary m_source;
    Vocabulary m_target;
    ParameterSet<float> m_params;
    struct Halves;
    std::shared_ptr<const Halves> m_halves; ///< keepExactHalves' copies, shared by copies of the model
    TokenizerOptions m_sourceTokenizer;
    TokenizerOptions m_targetTokenizer;
    std::unique_ptr<TransformerNetwork<float>> m_network;
    ModelDescription m_description;
    std::shared_ptr<const HfTokenizer> m_hfTokenizer;
    std::optional<GenerationDefaults> m_generation;
    std::optional<WhisperFeatureConfig> m_audio;
    Matrix m_melFilters; ///< (mels, F) for m_audio
    std::optional<ImageProcessorConfig> m_image;
    PromptChooser m_promptChooser;
};

/// The self-description of a Transformer spec: its equations, layers × heads.
ModelDescription describeTransformer(const TransformerSpec &spec, long long parameters);

} // namespace alignscope
