#pragma once
// SourceAxis: what the n columns of attention are, set by whoever made them
// (a tokenizer, an audio front end, an image processor), with what a view
// needs to draw the source. No view guesses from a label's spelling.

#include "alignscope/tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace alignscope {

enum class SourceKind { Text, Audio, Image };

/// "text", "audio", "image".
std::string toString(SourceKind kind);

/// Byte range [begin, end) of a token in the typed text; begin < 0 when the
/// token was not typed (an appended <eos>, a token the tokenizer made up).
struct TextSpan {
    int begin = -1;
    int end = -1;
    bool typed() const { return begin >= 0; }
};

/// Pixel rectangle of one image patch in the picture the model saw.
struct PixelBox {
    int x = 0, y = 0, width = 0, height = 0;
};

/// An 8-bit RGB picture, row-major, 3 bytes per pixel (core has no Qt Gui).
struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels; ///< (height, width, 3)
};

struct SourceAxis {
    /// Per-column flags, set by the tokenizer / front end.
    enum Flag : std::uint8_t {
        Special = 1, ///< a marker such as <eos>, <pad>, </s>, a language tag
        Oov = 2,     ///< a word the vocabulary does not have (decoded as <unk>)
        Extra = 4,   ///< image: a token that is not a patch (CLS, distillation)
    };

    SourceKind kind = SourceKind::Text;
    std::vector<std::string> labels;  ///< (n) token, "1.24 s", "patch 3,4", "[CLS]"
    std::vector<std::uint8_t> flags;  ///< (n) Flag bits

    // Text: the typed text, token ids and where each token came from.
    std::string text;
    std::vector<int> ids;             ///< (n) token ids
    std::vector<TextSpan> spans;      ///< (n) into `text`; empty when unknown
    /// Subword tokenizers: (n) the word each column belongs to (0, 0, 1, 2, 2, ...),
    /// for views that merge a word's pieces; empty when every column is its own word.
    std::vector<int> words;

    // Audio: column j covers [frameStart(j), frameStart(j) + hopSeconds).
    double hopSeconds = 0.0;
    double firstFrameSeconds = 0.0;   ///< clip time of column 0 (a long clip's window starts later)
    /// The columns that hold the clip (transformers' num_frames // 2); those after
    /// them are the window's padding. 0: unknown, every column.
    int audioColumns = 0;
    Matrix spectrogram;               ///< (mels, frames) what the speech view draws

    // Image: `extraBefore` extra tokens, then a gridRows × gridColumns grid, row-major.
    int gridRows = 0;
    int gridColumns = 0;
    int extraBefore = 0;
    std::vector<PixelBox> boxes;      ///< (n) a patch's box; zero-sized for extra tokens
    RgbImage image;                   ///< the picture as the model saw it

    int size() const { return static_cast<int>(labels.size()); }
    bool has(int j, Flag f) const { return j >= 0 && j < static_cast<int>(flags.size()) && (flags[j] & f); }
    bool isSpecial(int j) const { return has(j, Special); }
    bool isOov(int j) const { return has(j, Oov); }
    /// Positions flagged OOV, ascending.
    std::vector<int> oovPositions() const;
    double frameStart(int j) const { return firstFrameSeconds + j * hopSeconds; }
    /// Audio: column 0 starts `seconds` into the clip (a long clip's later
    /// window); labels read clip time ("31.24 s").
    void startAudioAt(double seconds);
    /// Grid row and column of column j of an image source, {-1, -1} for extra tokens.
    std::pair<int, int> patchCell(int j) const;
    /// Image: `row`'s weights (n) on the patches, as the (gridRows, gridColumns)
    /// grid; empty for other sources or a row shorter than the axis.
    Matrix patchGrid(const Vector &row) const;
    /// Image: the sum of `row` over the columns that are not patches (CLS,
    /// distillation tokens): the weight the picture's grid does not show.
    double extraWeight(const Vector &row) const;

    /// A text source: labels, ids, flags and spans from a tokenizer.
    static SourceAxis textSource(std::string text, std::vector<std::string> tokens, std::vector<int> ids,
                                 std::vector<TextSpan> spans = {});
};

} // namespace alignscope
