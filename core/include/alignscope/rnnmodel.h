#pragma once
// RnnModel: the RNN family (GRU/LSTM encoders, Bahdanau and Luong decoders,
// every scorer; PyTorch tutorial checkpoints open as one): configuration,
// vocabularies and weights, and the Seq2Seq interface over the shared
// Network code. Everything that switches on the decoder kind lives behind
// this class.

#include "alignscope/config.h"
#include "alignscope/parameters.h"
#include "alignscope/result.h"
#include "alignscope/safetensors.h"
#include "alignscope/seq2seq.h"
#include "alignscope/tensor.h"
#include "alignscope/vocabulary.h"

#include <memory>
#include <string>
#include <vector>

namespace alignscope {

template <typename T>
class Network;

/// The RNN family's encoder output: H, the scorer's keys and the decoder's
/// first state, computed once per sentence.
struct RnnMemory final : EncodedMemory {
    Matrix keys;                      ///< (n, k) scorer keys
    std::vector<Vector> initialState; ///< decoder state per layer (h; for LSTM h then c)
};

/// The RNN family's decoder state of one hypothesis.
struct RnnState final : DecoderState {
    std::vector<Vector> layers;       ///< per layer h (and c for LSTM, after all h)
    Vector feed;                      ///< Luong input feeding h̃_{t-1}; empty otherwise
};

class RnnModel final : public Seq2Seq {
public:
    RnnModel(ModelConfig config, Vocabulary source, Vocabulary target, ParameterSet<float> params);

    /// Loads a model file; every failure names the file and what was wrong.
    /// PyTorch checkpoints open too (openPyTorchModel in pytorch.h): a
    /// torch.save zip (.pt, .pth, .tar) or a safetensors state_dict with no
    /// alignscope.* metadata.
    static Result<RnnModel> load(const std::string &path);
    /// Whether load() reads `path` as an AlignScope model file (a safetensors
    /// file with alignscope.* metadata, possibly damaged) rather than as a
    /// PyTorch checkpoint; false for unreadable files.
    static bool isModelFile(const std::string &path);
    /// Writes atomically (temporary file + rename).
    Result<void> save(const std::string &path) const;
    /// Writes the model plus extra tensors and metadata (training checkpoints).
    Result<void> save(const std::string &path, const std::map<std::string, FloatTensor> &extraTensors,
                      const std::map<std::string, std::string> &extraMetadata) const;
    /// A randomly initialised model with every tensor the config needs.
    static RnnModel initialise(ModelConfig config, Vocabulary source, Vocabulary target, unsigned seed);
    /// Random values for every parameter of `config` (the trainer's starting point).
    static ParameterSet<float> initialParameters(const ModelConfig &config, int sourceVocab, int targetVocab,
                                                 unsigned seed);

    const ModelConfig &config() const { return m_config; }
    const Vocabulary &sourceVocab() const { return m_source; }
    const ParameterSet<float> &parameters() const { return m_params; }
    ParameterSet<float> &parameters() { return m_params; }
    /// Whether the trainer can train this model (the tutorial-legacy
    /// decoder is import-only), and the reason when it cannot.
    Result<void> trainable() const;
    /// Sentences per batch for teacher-forced evaluation (1 where the
    /// decoder has no padding masks).
    int evaluationBatch() const;

    // Seq2Seq
    const ModelDescription &description() const override { return m_description; }
    const Vocabulary &targetVocab() const override { return m_target; }
    const SpecialIds &targetSpecials() const override { return m_config.targetSpecials; }
    /// A PyTorch tutorial's model (its tokenizer is a tutorial's; opened or
    /// imported) suppresses nothing: it decodes as the tutorial's evaluate /
    /// GreedySearchDecoder, where SOS and PAD may win. Others: Seq2Seq's.
    GenerationDefaults generation() const override;
    /// Tokenises a sentence as this model expects; BadInput when it is empty.
    Result<EncodedSource> prepareSource(const std::string &sentence) const override;
    /// Tokenises a target text into ids (no <sos>/<eos>).
    std::vector<int> prepareTarget(const std::string &text) const override;
    std::function<std::string(const std::vector<std::string> &)> detokenizer() const override;
    std::shared_ptr<const EncodedMemory> encode(const EncodedSource &source) const override;
    DecoderStatePtr initialState(const EncodedMemory &memory) const override;
    using Seq2Seq::step;
    StepOutput step(const EncodedMemory &memory, const DecoderState &state, int previousToken, int t,
                    const Intervention &intervention) const override;

    /// Source tokens already split (a corpus pair) into ids, <eos> appended as configured.
    EncodedSource sourceFromTokens(const std::vector<std::string> &tokens) const;
    /// The RNN encoder on ids (what encode() runs on a prepared source).
    std::shared_ptr<const RnnMemory> encodeIds(const std::vector<int> &sourceIds) const;

private:
    ModelConfig m_config;
    Vocabulary m_source;
    Vocabulary m_target;
    ParameterSet<float> m_params;
    std::shared_ptr<const Network<float>> m_network;
    ModelDescription m_description;
};

/// The self-description of an RNN config: summary, sizes and the equations
/// with the query its decoder kind uses.
ModelDescription describeRnn(const ModelConfig &config, long long parameters);

} // namespace alignscope
