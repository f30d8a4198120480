#pragma once
// whisper.cpp model files (ggml, the ggml-*.bin files its users have), in
// float32, float16 and quantised (q4_0, q4_1, q5_0, q5_1, q8_0): the hyper-parameters, the mel filters and the
// vocabulary the file carries, and its tensors, renamed to transformers'
// and opened as the same TransformerModel a Hugging Face Whisper folder
// becomes. Every size the file states is checked against the file's length
// before anything is allocated.

#include "alignscope/result.h"
#include "alignscope/transformermodel.h"

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <vector>

namespace alignscope {

/// Whether `path` starts with the ggml magic (0x67676d6c, little-endian).
bool isGgmlFile(const std::string &path);

/// A whisper.cpp file's header, vocabulary and tensor index (not the tensors' data).
struct GgmlWhisperFile {
    int nVocab = 0, nAudioCtx = 0, nAudioState = 0, nAudioHead = 0, nAudioLayer = 0;
    int nTextCtx = 0, nTextState = 0, nTextHead = 0, nTextLayer = 0, nMels = 0, ftype = 0;
    int filterMels = 0, filterBins = 0;
    std::vector<float> filters;      ///< (filterMels, filterBins), row-major
    std::vector<std::string> tokens; ///< the vocabulary's bytes by id (fewer than nVocab: the rest are specials)
    struct Tensor {
        std::string name;                ///< whisper.cpp's: "encoder.blocks.0.attn.query.weight"
        int type = 0;                    ///< ggml's: 0 float32, 1 float16, 2 q4_0, 3 q4_1, 6 q5_0, 7 q5_1, 8 q8_0
        std::vector<std::int64_t> shape; ///< outermost first (ggml lists the innermost first)
        std::uint64_t offset = 0;        ///< of the data, from the file's start
    };
    std::vector<Tensor> tensors;
    /// whisper.cpp's special ids from nVocab (whisper_vocab): multilingual from 51865 rows.
    int eot() const;
    int sot() const;
    int languages() const;                ///< language tokens after <|startoftranscript|>
    int firstAfterLanguages() const;      ///< <|translate|>; then transcribe, startoflm, startofprev, nospeech, notimestamps, the first timestamp
};

/// ggml's tensor types AlignScope reads: float32, float16 and the quantised
/// blocks of 32 values whisper.cpp's quantize tool writes.
enum class GgmlType { F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8 };
/// "f32", "f16", "q4_0", ...; empty for a type AlignScope does not read.
std::string ggmlTypeName(int type);
/// Bytes `elements` values of ggml `type` take; 0 for a type AlignScope does
/// not read, or a quantised type whose rows (`rowLength` values) are not
/// whole blocks of 32.
std::uint64_t ggmlTensorBytes(int type, std::uint64_t elements, std::int64_t rowLength);
/// Widens `elements` values of ggml `type` (ggmlTensorBytes(...) bytes at
/// `data`) to float32 as ggml's dequantize_row_* functions do: a block's
/// float16 scale d (and minimum m) times its 4-, 5- or 8-bit values.
void ggmlToFloat(int type, const unsigned char *data, std::uint64_t elements, float *out);

/// Reads a whisper.cpp file's header from `in` (`size` bytes long). BadFile
/// errors start with `label` and say what was wrong: the magic, a size beyond
/// the file or beyond reason, a type it does not read, a truncated or repeated tensor.
Result<GgmlWhisperFile> parseGgmlWhisper(std::istream &in, std::uint64_t size, const std::string &label);

/// Opens a whisper.cpp file: f16 and quantised (q4_0, q4_1, q5_0, q5_1,
/// q8_0) tensors widen to float32 on reading (an f16 file's decoder also
/// keeps its matrices in 16 bits: TransformerModel::keepExactHalves); the
/// front end uses the file's mel filters; the tokenizer is the file's
/// vocabulary with whisper.cpp's special tokens; generation follows
/// whisper_full's defaults without timestamps (<|en|> <|transcribe|>
/// <|notimestamps|> on multilingual models; the task, language and timestamp
/// tokens suppressed; " " and <|endoftext|> not first). DecodeOptions::timestamps
/// lets it predict timestamp tokens, the first within 1 s as whisper_full's max_initial_ts.
Result<std::shared_ptr<TransformerModel>> openGgmlWhisperModel(const std::string &path);

} // namespace alignscope
