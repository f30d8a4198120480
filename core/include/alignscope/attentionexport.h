#pragma once
// Data exports of a decode's attention: the full trace as JSON, the weight
// matrix as CSV, hard alignments in Pharaoh format and soft alignments in the
// Nematus / SoftAlignments text format. Needs no Qt, so the headless CLI
// writes them in every build. Shapes: T = steps along the path (the final
// <eos> step included), n = source tokens (<eos> included).

#include "alignscope/result.h"
#include "alignscope/trace.h"

#include <optional>
#include <string>
#include <vector>

namespace alignscope {

enum class AttentionFormat { Json, Csv, Pharaoh, Nematus };

/// "json", "csv", "pharaoh", "nematus"; nullopt for anything else.
std::optional<AttentionFormat> parseAttentionFormat(const std::string &name);
/// File extension (no dot): json, csv, align (Pharaoh), txt (Nematus).
std::string attentionFormatExtension(AttentionFormat format);

struct AttentionExportOptions {
    /// Pharaoh: < 0 takes the argmax source per target token; otherwise
    /// every pair with α_tj >= threshold.
    double threshold = -1.0;
    /// Nematus: sentence id written first in the header line.
    int sentenceId = 0;
    /// Which layer and head (or reduction) every format exports.
    HeadSelection selection;
};

/// (T, n) matrix as CSV (RFC 4180, CRLF): header row = empty cell then the
/// source tokens; each row = target token then its weights.
std::string attentionToCsv(const DecodeTrace &trace, const std::vector<int> &path,
                           const HeadSelection &selection = {});

/// Pharaoh `i-j` pairs (i = source, j = target position, 0-based), sorted by
/// j then i, space separated, one line. Special tokens (<eos>, ...) on
/// either side are never aligned; the argmax ranges over real source tokens.
std::string attentionToPharaoh(const DecodeTrace &trace, const std::vector<int> &path, double threshold = -1.0,
                               const HeadSelection &selection = {});

/// Nematus soft alignments: `id ||| target ||| score ||| source ||| n T`,
/// then T rows of n weights, then an empty line. target/source are the
/// tokens without the final <eos>; score is the path's log-probability.
std::string attentionToNematus(const DecodeTrace &trace, const std::vector<int> &path, int sentenceId = 0,
                               const HeadSelection &selection = {});

/// The text of `format` for the trace's path.
std::string exportAttention(AttentionFormat format, const DecodeTrace &trace, const std::vector<int> &path,
                            const AttentionExportOptions &options = {});

/// exportAttention() written atomically to `file`.
Result<void> writeAttention(const std::string &file, AttentionFormat format, const DecodeTrace &trace,
                            const std::vector<int> &path, const AttentionExportOptions &options = {});

} // namespace alignscope
