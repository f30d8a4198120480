#pragma once
// SubwordModel: a SentencePiece model (Debian's libsentencepiece) held in
// memory: loaded from its serialized proto (a Hugging Face folder's
// spiece.model, or the blob a model file stores), or trained from sentences
// in memory (`train --tokenizer bpe|unigram`). The one wrapper around the
// library's processor; thread-safe for const use.

#include "alignscope/result.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace alignscope {

class SubwordModel {
public:
    enum class Kind { Bpe, Unigram };

    /// One piece of encode(): the piece and the bytes of the input it covers
    /// (begin == end for the "▁" SentencePiece puts before the first word).
    struct Piece {
        std::string piece;
        size_t begin = 0;
        size_t end = 0;
    };

    ~SubwordModel();
    SubwordModel(const SubwordModel &) = delete;
    SubwordModel &operator=(const SubwordModel &) = delete;

    /// A model from its serialized ModelProto; BadFile "`what`: not a
    /// SentencePiece model (...)" for anything the library refuses or that
    /// has no pieces. Never aborts on malformed bytes.
    static Result<std::shared_ptr<const SubwordModel>> fromProto(std::string proto, const std::string &what);

    /// Trains a `kind` (Bpe or Unigram) model of at most `vocabSize` pieces
    /// on `sentences`, in memory (no files written), deterministically: the
    /// same sentences and size give the same pieces. Pieces come from the
    /// text as given (identity normalisation; callers normalise first).
    /// Usage error when the sentences cannot give that many pieces.
    static Result<std::shared_ptr<const SubwordModel>> train(const std::vector<std::string> &sentences, Kind kind,
                                                             int vocabSize);

    /// sp.encode(text, out_type=str) with each piece's byte range; empty on failure.
    std::vector<Piece> encode(std::string_view text) const;
    /// sp.decode(pieces); pieces the model lacks read as its unknown mark.
    std::string decode(const std::vector<std::string> &pieces) const;

    int size() const;
    /// The piece of `id`, "" outside the model.
    std::string piece(int id) const;
    /// piece_to_id: the unknown id for pieces the model lacks.
    int id(const std::string &piece) const;
    bool has(const std::string &piece) const;
    std::vector<std::string> pieces() const;
    /// The serialized ModelProto (what a model file stores).
    const std::string &proto() const { return m_proto; }

private:
    SubwordModel();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::string m_proto;
};

} // namespace alignscope
