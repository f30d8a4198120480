#pragma once
// Step-wise decoding behind one small interface, so the UI can drive greedy,
// beam and forced-prefix decoding one step at a time and read the trace.

#include "alignscope/seq2seq.h"
#include "alignscope/trace.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace alignscope {

struct DecodeOptions {
    int beamWidth = 1;              ///< 1 = greedy; 0 = the model's (GenerationDefaults::beams)
    std::vector<int> prefix;        ///< target ids forced before the model chooses
    int maxLength = -1;             ///< tokens at most; -1: the model's (GenerationDefaults), else 2n + 10, at most 1000
    int topK = 10;                  ///< candidates recorded per step
    /// Beam search as transformers runs it: each step ranks the best 2·width
    /// extensions; an <eos> among the first `width` finishes a hypothesis,
    /// the others continue until `width` beams are live; a finished
    /// hypothesis scores logP / len^lengthPenalty (len counts <eos>); the
    /// search ends when `width` are finished and (earlyStopping, or) none
    /// live can beat the worst of them, or at the length limit, where live
    /// beams finish too. Unset: the model's settings (GenerationDefaults).
    std::optional<double> lengthPenalty;
    std::optional<bool> earlyStopping;
    int noRepeatNgram = -1;         ///< no n-gram of this size twice in a hypothesis; -1: the model's (GenerationDefaults)
    /// Replaces the model's forced decoder prompt (Seq2Seq::decoderPrompt: Whisper's --language, --task).
    std::optional<std::vector<int>> forcedPrompt;
    /// Share large products with the decode partner thread (alignscope/partner.h)
    /// while run() runs: for a decode that has the machine to itself (the
    /// window's, the CLI's), not for decodes already run in parallel
    /// (evaluation, compare). Same results either way.
    bool partner = false;
    /// Attention edits, dropped source positions and ablated heads applied
    /// at every step (alignscope/intervention.h); the trace records them.
    Intervention intervention;
    /// Record the encoder's self-attention in the trace (DecodeTrace::encoderSelf,
    /// trace JSON's "encoder_self_attention"). Unset: recorded for text sources,
    /// not for images and audio, where it is large (ViT-base: 12 × 12 maps of
    /// 197 × 197, scores and weights, 44 MB a picture; a 10 s clip of the bundled
    /// speech model: 8 maps of 500 × 500) and asked for (--encoder-attention).
    /// An audio encoder keeps it only for clips of up to 512 encoder frames
    /// (Whisper's 30 s windows never).
    std::optional<bool> encoderSelfAttention;
    /// Whisper: predict timestamp tokens (<|1.24|>) as transformers'
    /// generate(return_timestamps=True) does: the forced prompt loses its
    /// closing <|notimestamps|>, timestamp tokens leave the suppressed list,
    /// and WhisperTimeStampLogitsProcessor's rules apply after every other
    /// mask (timestamps in pairs, never decreasing, the first one at most
    /// GenerationDefaults::maxInitialTimestamp, and a timestamp whenever their
    /// summed probability beats every text token's). No effect on a model
    /// without timestamp tokens (GenerationDefaults::noTimestamps < 0).
    bool timestamps = false;
};

/// Decodes one sentence one step at a time and records every step.
class DecodeSession {
public:
    DecodeSession(const Seq2Seq &model, EncodedSource source, DecodeOptions options);
    ~DecodeSession();
    DecodeSession(DecodeSession &&) noexcept;
    DecodeSession &operator=(DecodeSession &&) noexcept;

    /// Advances one step for every live hypothesis; false once finished.
    bool step();
    /// Steps until finished or `cancel` becomes true; Cancelled error then.
    Result<void> run(const std::atomic<bool> *cancel = nullptr);
    bool finished() const;
    const DecodeTrace &trace() const;
    DecodeTrace takeTrace();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// The forced prompt a decode of `model` with `options` starts with: the
/// chosen one (options.forcedPrompt) or the model's, without its closing
/// <|notimestamps|> when the decode predicts timestamps (DecodeOptions::timestamps
/// on a model that has them).
std::vector<int> forcedPromptOf(const Seq2Seq &model, const DecodeOptions &options);

/// Convenience: prepare + decode to the end.
Result<DecodeTrace> translate(const Seq2Seq &model, const std::string &sentence,
                              const DecodeOptions &options = {},
                              const std::atomic<bool> *cancel = nullptr);
/// The same for a source already prepared (Seq2Seq::prepareAudio's clip).
Result<DecodeTrace> translateSource(const Seq2Seq &model, EncodedSource source, const DecodeOptions &options = {},
                                    const std::atomic<bool> *cancel = nullptr);

/// Teacher-forces `targetText` (all tokens forced, then <eos>) so every
/// model yields a matrix of the same shape.
Result<DecodeTrace> forceDecode(const Seq2Seq &model, const std::string &sentence,
                                const std::string &targetText, const std::atomic<bool> *cancel = nullptr);
/// Teacher-forces target ids (then <eos> unless they end in it) under an
/// intervention: "how likely is this output when these heads are off".
Result<DecodeTrace> forceDecodeIds(const Seq2Seq &model, const std::string &sentence, std::vector<int> target,
                                   const Intervention &intervention = {},
                                   const std::atomic<bool> *cancel = nullptr);

/// forceDecode for a source already prepared (Seq2Seq::prepareImage's picture):
/// a caption the model is made to write, to read its attention along it.
Result<DecodeTrace> forceDecodeSource(const Seq2Seq &model, EncodedSource source, const std::string &targetText,
                                      const std::atomic<bool> *cancel = nullptr);

/// Decodes one sentence with several models concurrently (TBB task group).
std::vector<Result<DecodeTrace>> translateAll(const std::vector<const Seq2Seq *> &models,
                                              const std::string &sentence,
                                              const DecodeOptions &options = {});

/// Trace JSON of DESIGN.md (`translate --json`), with extra fields allowed:
/// every step's `weights`/`scores` are `selection`'s row, `cross_attention`
/// holds every layer and head.
std::string traceToJson(const DecodeTrace &trace, const std::vector<int> &path, bool pretty = true,
                        const HeadSelection &selection = {});

} // namespace alignscope
