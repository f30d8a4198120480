// SubwordModel over Debian's libsentencepiece. Models are loaded from bytes
// (never from a path the library opens itself) so that a malformed blob is
// an error, and trained from an in-memory sentence iterator with the proto
// returned in memory, so training writes no file anywhere.

#include "alignscope/subword.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace alignscope {

struct SubwordModel::Impl {
    sentencepiece::SentencePieceProcessor sp;
};

SubwordModel::SubwordModel() : m_impl(std::make_unique<Impl>()) {}
SubwordModel::~SubwordModel() = default;

Result<std::shared_ptr<const SubwordModel>> SubwordModel::fromProto(std::string proto, const std::string &what)
{
    std::shared_ptr<SubwordModel> model(new SubwordModel());
    // libsentencepiece throws from inside its trie builder on some malformed models (found by fuzzing).
    try {
        if (const auto status = model->m_impl->sp.LoadFromSerializedProto(proto); !status.ok())
            return fileError(what + ": not a SentencePiece model (" + status.ToString() + ")");
    } catch (const std::exception &e) {
        return fileError(what + ": not a usable SentencePiece model (" + e.what() + ")");
    }
    if (model->m_impl->sp.GetPieceSize() <= 0)
        return fileError(what + ": the SentencePiece model has no pieces");
    model->m_proto = std::move(proto);
    return std::shared_ptr<const SubwordModel>(std::move(model));
}

namespace {

/// The training sentences, handed to the trainer one by one without copies.
class SentenceList final : public sentencepiece::SentenceIterator {
public:
    explicit SentenceList(const std::vector<std::string> &sentences) : m_sentences(sentences) {}
    bool done() const override { return m_next >= m_sentences.size(); }
    void Next() override { ++m_next; }
    const std::string &value() const override { return m_sentences[m_next]; }
    sentencepiece::util::Status status() const override { return {}; }

private:
    const std::vector<std::string> &m_sentences;
    size_t m_next = 0;
};

} // namespace

Result<std::shared_ptr<const SubwordModel>> SubwordModel::train(const std::vector<std::string> &sentences, Kind kind,
                                                                int vocabSize)
{
    // One thread and no sampling of the input: the pieces depend on the
    // sentences and the size only. The ids the model file uses are the
    // model's own vocabulary's, so SentencePiece gets no <s>/</s>/<pad>.
    const std::unordered_map<std::string, std::string> args = {
        {"model_type", kind == Kind::Bpe ? "bpe" : "unigram"},
        {"vocab_size", std::to_string(vocabSize)},
        {"character_coverage", "1.0"},
        {"normalization_rule_name", "identity"},
        {"num_threads", "1"},
        {"input_sentence_size", "0"},
        {"shuffle_input_sentence", "false"},
        {"hard_vocab_limit", "false"},
        {"unk_id", "0"},
        {"bos_id", "-1"},
        {"eos_id", "-1"},
        {"pad_id", "-1"},
        {"minloglevel", "2"}, // the trainer's INFO lines would flood stderr
    };
    static std::mutex trainerLock; // the library's log level and random seed are global
    std::lock_guard lock(trainerLock);
    sentencepiece::SetRandomGeneratorSeed(1);
    SentenceList list(sentences);
    std::string proto;
    try {
        const auto status = sentencepiece::SentencePieceTrainer::Train(args, &list, &proto);
        if (!status.ok())
            return usageError("cannot train a " + std::string(kind == Kind::Bpe ? "bpe" : "unigram") + " model of " +
                              std::to_string(vocabSize) + " pieces on this corpus (" + status.ToString() +
                              "); try another --vocab-size");
    } catch (const std::exception &e) {
        return usageError(std::string("SentencePiece training failed: ") + e.what());
    }
    return fromProto(std::move(proto), "the trained subword model");
}

std::vector<SubwordModel::Piece> SubwordModel::encode(std::string_view text) const
{
    std::vector<Piece> out;
    sentencepiece::ImmutableSentencePieceText spt;
    try { // as in fromProto(): a malformed model may throw
        if (!m_impl->sp.Encode(text, spt.mutable_proto()).ok())
            return out;
    } catch (const std::exception &) {
        return out;
    }
    for (const auto &p : spt.pieces()) {
        const size_t begin = std::min<size_t>(p.begin(), text.size());
        out.push_back({p.piece(), begin, std::clamp<size_t>(p.end(), begin, text.size())});
    }
    return out;
}

std::string SubwordModel::decode(const std::vector<std::string> &pieces) const
{
    std::string text;
    if (!m_impl->sp.Decode(pieces, &text).ok())
        return {};
    return text;
}

int SubwordModel::size() const
{
    return m_impl->sp.GetPieceSize();
}

std::string SubwordModel::piece(int id) const
{
    return id >= 0 && id < size() ? m_impl->sp.IdToPiece(id) : std::string();
}

int SubwordModel::id(const std::string &piece) const
{
    return m_impl->sp.PieceToId(piece);
}

bool SubwordModel::has(const std::string &piece) const
{
    const int i = id(piece);
    return i >= 0 && i < size() && m_impl->sp.IdToPiece(i) == piece;
}

std::vector<std::string> SubwordModel::pieces() const
{
    std::vector<std::string> out;
    for (int i = 0; i < size(); ++i)
        out.push_back(m_impl->sp.IdToPiece(i));
    return out;
}

} // namespace alignscope
