#pragma once
// PyTorch checkpoints: reading `torch.save(state_dict)` files (and the same
// state_dicts saved as safetensors), and importing the models of the PyTorch
// tutorials into AlignScope models.
//
// A .pt file is a zip archive with a pickle (data.pkl) and raw storages
// (data/<key>). The pickle is read by a restricted unpickler that only knows
// what a state_dict holds and refuses any other global; nothing is executed.

#include "alignscope/config.h"
#include "alignscope/rnnmodel.h"
#include "alignscope/result.h"
#include "alignscope/safetensors.h"

#include <memory>
#include <optional>
#include <utility>
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
    /// A chatbot checkpoint's vocabulary: voc_dict['index2word'] as a list
    /// (index = id), or why it cannot be read; unset when there is no voc_dict.
    const std::optional<Result<std::vector<std::string>>> &vocabulary() const;
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
    Tutorial,       ///< seq2seq_translation_tutorial (2023+): EncoderRNN + AttnDecoderRNN with BahdanauAttention
    TutorialLegacy, ///< the same tutorial before 2023: AttnDecoderRNN with attn + attn_combine over MAX_LENGTH slots
    Chatbot,        ///< chatbot_tutorial: bidirectional EncoderRNN + LuongAttnDecoderRNN (dot/general/concat)
};

/// "pytorch-tutorial", "pytorch-tutorial-legacy" or "pytorch-chatbot".
const char *architectureName(PyTorchArchitecture a);

struct PyTorchImportOptions {
    PyTorchArchitecture architecture = PyTorchArchitecture::Tutorial;
    /// Chatbot's attn_model (Dot, General or Concat); unset = as the checkpoint's tensors say.
    std::optional<ScorerKind> scorer;
    int layers = 0;                       ///< chatbot: 0 = as many as the checkpoint holds
    std::string checkpoint;               ///< one file with both modules ...
    std::string encoder, decoder;         ///< ... or one state_dict per module
    /// index = id (the tutorial's index2word). Both empty: the chatbot
    /// checkpoint's voc_dict is read (one vocabulary for both sides).
    std::vector<std::string> sourceTokens;
    std::vector<std::string> targetTokens;
};

/// Builds an AlignScope model from a tutorial's state_dicts. Errors name
/// the file and tensor (missing, or a shape the architecture does not
/// allow); a file of the other translation tutorial version names the
/// --arch to use.
///
/// Numbers match the tutorials' evaluate() (greedy tokens, attention
/// weights, log-probabilities; tests/interop/testpytorchimport.cpp).
/// - Text: the model's tokenizer is the tutorial's own normalizeString
///   (TokenizerMode::TutorialNormalize, LegacyTutorialNormalize or
///   ChatbotNormalize), so typed sentences become the tutorial's tokens.
/// - Length: the translation tutorial always runs MAX_LENGTH = 10 steps and
///   the chatbot max_length; AlignScope stops at EOS or its own limit.
/// - Legacy tutorial (DecoderKind::TutorialLegacy): MAX_LENGTH is attn's
///   row count; its softmax runs over all MAX_LENGTH slots, and the trace
///   keeps the n weights on the source positions without renormalising,
///   so a row sums to less than 1 (the rest fell on empty slots). Sentences
///   longer than MAX_LENGTH (with EOS) are refused. Import only: `train`
///   refuses this decoder.
Result<RnnModel> importPyTorch(const PyTorchImportOptions &options);

/// What one checkpoint file holds, told from its keys.
struct PyTorchContents {
    enum class Modules {
        Both,        ///< encoder and decoder (prefixes encoder./decoder., en./de., ..._state_dict.)
        EncoderOnly, ///< a lone encoder state_dict (embedding + gru, no out)
        DecoderOnly, ///< a lone decoder state_dict
        Unknown,     ///< none of the tutorials' modules
    };
    Modules modules = Modules::Unknown;
    /// From the decoder's keys (attention.Wa: Tutorial, attn_combine:
    /// TutorialLegacy, concat: Chatbot), or a lone encoder's bidirectional GRU (Chatbot).
    std::optional<PyTorchArchitecture> architecture;
};
PyTorchContents detectPyTorchContents(const PyTorchCheckpoint &checkpoint);

/// The pre-2023 tutorial decoder's MAX_LENGTH (attn.weight's rows) in a
/// file holding the decoder alone or both modules; unset when it has none.
std::optional<int> legacySlotCount(const PyTorchCheckpoint &checkpoint);

/// Where openPyTorchModel looks for vocabularies next to `checkpoint`:
/// `<dir>/<stem>.source-vocab.json` and `<dir>/<stem>.target-vocab.json`,
/// JSON arrays as `import --source-vocab/--target-vocab` take.
std::pair<std::string, std::string> sidecarVocabularyPaths(const std::string &checkpoint);

/// Opens a PyTorch checkpoint as a model without `import` (what RnnModel::load
/// does with a .pt/.pth file or a safetensors state_dict without
/// alignscope.config): one file with both modules, its architecture read
/// from the keys and the chatbot's scorer and layer count from its tensors.
/// Vocabularies: the checkpoint's voc_dict, else the two sidecar files
/// (sidecarVocabularyPaths). Errors are one line naming the file: no
/// vocabulary (which files to put where, or `alignscope-cli import`), a
/// lone encoder or decoder (two files need `import --encoder --decoder`),
/// or keys of no tutorial.
Result<RnnModel> openPyTorchModel(const std::string &path);

/// How the translation tutorial's prepareData reads eng-fra.txt.
struct TutorialPairsOptions {
    int maxLength = 10;  ///< filterPair: both sides fewer than this many words
    bool reverse = true; ///< the tutorial's prepareData('eng', 'fra', True): French -> English
    /// normalizeString of the tutorial version (TutorialNormalize or LegacyTutorialNormalize).
    TokenizerMode normalize = TokenizerMode::TutorialNormalize;
};

/// The vocabularies prepareData builds (Lang: SOS = 0, EOS = 1, then words
/// in first-seen order over the kept pairs).
struct TutorialVocabularies {
    std::vector<std::string> source, target;
    int pairsRead = 0, pairsKept = 0;
};

/// Rebuilds the tutorial's index2word from the user's pairs file (tab
/// separated, English first) exactly as readLangs + filterPairs + Lang do:
/// filterPair tests the second side of each pair (English after the
/// default reverse) against the tutorial's eng_prefixes. Errors name the
/// file and line; a file from which no pair survives is an error.
Result<TutorialVocabularies> readTutorialPairs(const std::string &path, const TutorialPairsOptions &options);

/// A vocabulary file for import: a JSON array of strings, index = id.
Result<std::vector<std::string>> readTokenListJson(const std::string &path);

} // namespace alignscope
