#pragma once
// Model: configuration, vocabularies and weights of one encoder–decoder with
// attention, plus single-sentence inference used by decoding.

#include "alignscope/config.h"
#include "alignscope/parameters.h"
#include "alignscope/result.h"
#include "alignscope/safetensors.h"
#include "alignscope/tensor.h"
#include "alignscope/vocabulary.h"

#include <memory>
#include <string>
#include <vector>

namespace alignscope {

template <typename T>
class Network;

/// Source sentence prepared for the encoder.
struct EncodedSource {
    std::vector<std::string> tokens; ///< includes <eos> when the model appends it
    std::vector<int> ids;
    std::vector<int> oovPositions;   ///< positions whose token is not in the vocabulary
};

/// Encoder output for one sentence.
struct EncoderOutput {
    Matrix states;                    ///< (n, d) H
    Matrix keys;                      ///< (n, k) scorer keys precomputed once per sentence
    std::vector<Vector> initialState; ///< decoder state per layer (h; for LSTM h then c)
};

/// Decoder recurrent state of one hypothesis.
struct DecoderState {
    std::vector<Vector> layers;       ///< per layer h (and c for LSTM, after all h)
    Vector feed;                      ///< Luong input feeding h̃_{t-1}; empty otherwise
};

/// What one decoder step computed.
struct StepOutput {
    DecoderState next;
    Vector query;                     ///< (q)
    Vector scores;                    ///< (n) e_t
    Vector weights;                   ///< (n) α_t
    Vector context;                   ///< (d) c_t
    Vector logProbs;                  ///< (V_tgt) log p(y_t | ...)
};

class Model {
public:
    Model(ModelConfig config, Vocabulary source, Vocabulary target, ParameterSet<float> params);

    /// Loads a model file; every failure names the file and what was wrong.
    /// PyTorch checkpoints open too (openPyTorchModel in pytorch.h): a
    /// torch.save zip (.pt, .pth, .tar) or a safetensors state_dict with no
    /// alignscope.* metadata.
    static Result<Model> load(const std::string &path);
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
    static Model initialise(ModelConfig config, Vocabulary source, Vocabulary target, unsigned seed);
    /// Random values for every parameter of `config` (the trainer's starting point).
    static ParameterSet<float> initialParameters(const ModelConfig &config, int sourceVocab, int targetVocab,
                                                 unsigned seed);

    const ModelConfig &config() const { return m_config; }
    const Vocabulary &sourceVocab() const { return m_source; }
    const Vocabulary &targetVocab() const { return m_target; }
    const ParameterSet<float> &parameters() const { return m_params; }
    ParameterSet<float> &parameters() { return m_params; }
    const std::string &name() const { return m_name; }
    void setName(std::string name) { m_name = std::move(name); }

    /// Tokenises a sentence as this model expects; BadInput when it is empty.
    Result<EncodedSource> prepareSource(const std::string &sentence) const;
    /// Source tokens already split (a corpus pair) into ids, <eos> appended as configured.
    EncodedSource sourceFromTokens(const std::vector<std::string> &tokens) const;
    /// Tokenises a target text into ids (no <sos>/<eos>).
    std::vector<int> prepareTarget(const std::string &text) const;
    /// Joins target tokens back into text.
    std::string detokenize(const std::vector<std::string> &tokens) const;

    EncoderOutput encode(const std::vector<int> &sourceIds) const;
    DecoderState initialState(const EncoderOutput &enc) const;
    /// One decoder step from `state` after emitting `previousToken` (t = step index).
    StepOutput step(const EncoderOutput &enc, const DecoderState &state, int previousToken, int t) const;

private:
    ModelConfig m_config;
    Vocabulary m_source;
    Vocabulary m_target;
    ParameterSet<float> m_params;
    std::shared_ptr<const Network<float>> m_network;
    std::string m_name;
};

/// Resolves `--model` arguments: a bundled model's name (e.g. "additive")
/// or a path. Returns the path to open.
Result<std::string> resolveModelPath(const std::string &nameOrPath);
/// Names of the bundled models found on this installation.
std::vector<std::string> bundledModelNames();
/// Directory holding the bundled models, empty when none is found.
std::string bundledModelsDir();

} // namespace alignscope
