#pragma once
// PyTorch checkpoints: reading `torch.save(state_dict)` files (and the same
// state_dicts saved as safetensors), and importing the models of the PyTorch
// tutorials into AlignScope models.
//
// A .pt file is a zip archive with a pickle (data.pkl) and raw storages
// (data/<key>). The pickle is read by a restricted unpickler that only knows
// what a state_dict holds and refuses any other global; nothing is executed.

#include "alignscope/config.h"
#include "alignscope/model.h"
#include "alignscope/result.h"
#include "alignscope/safetensors.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace alignscope {

/// A tensor's description in a checkpoint.
struct CheckpointTensorInfo {
    std::string name;                 ///< keys joined by '.', e.g. "en.gru.weight_ih_l0"
    std::string dtype;                ///< "float32", "float64", "float16", "bfloat16", "int64"
    std::vector<std::int64_t> shape;
};

/// The tensors of a PyTorch checkpoint (zip .pt or safetensors), validated.
class PyTorchCheckpoint {
public:
    ~PyTorchCheckpoint();
    PyTorchCheckpoint(PyTorchCheckpoint &&) noexcept;
    PyTorchCheckpoint &operator=(PyTorchCheckpoint &&) noexcept;

    /// Opens either format (told apart by content); every failure names the file.
    static Result<PyTorchCheckpoint> open(const std::string &path);
    /// The same from bytes in memory (fuzzing); errors start with `label`.
    static Result<PyTorchCheckpoint> fromBytes(std::vector<std::uint8_t> bytes, const std::string &label);

    const std::string &path() const;
    /// Every tensor, sorted by name. Nested dicts ({'encoder': sd, ...}) flatten to "encoder.<key>".
    const std::vector<CheckpointTensorInfo> &tensors() const;
    const CheckpointTensorInfo *find(const std::string &name) const;
    /// The tensor as row-major float; rejects NaN/Inf naming the tensor.
    Result<FloatTensor> read(const std::string &name) const;

private:
    PyTorchCheckpoint();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Architectures `alignscope-cli import` knows.
enum class PyTorchArchitecture {
    Tutorial, ///< seq2seq_translation_tutorial (2023+): EncoderRNN + AttnDecoderRNN with BahdanauAttention
    Chatbot,  ///< chatbot_tutorial: bidirectional EncoderRNN + LuongAttnDecoderRNN (dot/general/concat)
};

struct PyTorchImportOptions {
    PyTorchArchitecture architecture = PyTorchArchitecture::Tutorial;
    /// Chatbot's attn_model (Dot, General or Concat); unset = as the checkpoint's tensors say.
    std::optional<ScorerKind> scorer;
    int layers = 0;                       ///< chatbot: 0 = as many as the checkpoint holds
    std::string checkpoint;               ///< one file with both modules ...
    std::string encoder, decoder;         ///< ... or one state_dict per module
    std::vector<std::string> sourceTokens; ///< index = id (the tutorial's index2word)
    std::vector<std::string> targetTokens;
};

/// Builds an AlignScope model from a tutorial's state_dicts. Errors name
/// the file and tensor (missing, or a shape the architecture does not allow).
///
/// Numbers match the tutorials' evaluate() (greedy tokens, attention
/// weights, log-probabilities; tests/interop/testpytorchimport.cpp). Known
/// differences, none of which change the network's numbers:
/// - Text: the tutorials' normalizeString (strip accents, keep [a-zA-Z.!?])
///   is not ours (NFC, lowercase, punctuation and elisions split), so a
///   sentence must use the tutorial's token forms (e.g. "j ai", not "j'ai").
/// - Length: the translation tutorial always runs MAX_LENGTH = 10 steps and
///   the chatbot max_length; AlignScope stops at EOS or its own limit.
/// - The chatbot's voc_dict in the checkpoint is not read; pass the
///   vocabulary (index2word) as a JSON file.
/// - The legacy (pre-2023) translation tutorial's decoder (attention over
///   MAX_LENGTH fixed slots from [embedding; hidden], attn_combine + ReLU)
///   has no AlignScope equivalent and is refused with a message.
Result<Model> importPyTorch(const PyTorchImportOptions &options);

/// A vocabulary file for import: a JSON array of strings, index = id.
Result<std::vector<std::string>> readTokenListJson(const std::string &path);

} // namespace alignscope
