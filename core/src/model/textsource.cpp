// Text sources shared by the model families.
#include "model/textsource_p.h"

namespace alignscope {

EncodedSource textSourceFromTokens(const std::vector<std::string> &tokens, const Vocabulary &vocab, bool appendEos)
{
    std::vector<int> oov;
    std::vector<int> ids = vocab.encode(tokens, &oov);
    for (int &id : ids)
        if (id < 0)
            id = vocab.specials().pad;
    EncodedSource out{SourceAxis::textSource({}, tokens, std::move(ids))};
    SourceAxis &axis = out.axis;
    if (appendEos) {
        axis.labels.push_back(vocab.token(vocab.specials().eos));
        axis.ids.push_back(vocab.specials().eos);
    }
    axis.flags.assign(axis.labels.size(), 0);
    for (int j : oov)
        axis.flags[size_t(j)] |= SourceAxis::Oov;
    for (int j = 0; j < axis.size(); ++j)
        if (vocab.isSpecial(axis.ids[size_t(j)]) && !axis.isOov(j))
            axis.flags[size_t(j)] |= SourceAxis::Special;
    return out;
}

Result<EncodedSource> prepareTextSource(const std::string &sentence, const TokenizerOptions &tokenizer,
                                        const Vocabulary &vocab, bool appendEos)
{
    auto tokens = tokenize(sentence, tokenizer);
    if (!tokens)
        return inputError("the sentence is not valid text: " + tokens.error().message);
    if (tokens->empty())
        return inputError("the sentence is empty: type at least one word");
    if (vocab.specials().unk < 0)
        for (const std::string &t : tokens.value())
            if (!vocab.contains(t))
                return inputError("\"" + t + "\" is not in the model's vocabulary and the model has no "
                                  "<unk> token; rephrase without it");
    EncodedSource source = textSourceFromTokens(tokens.value(), vocab, appendEos);
    source.axis.text = sentence;
    source.axis.spans = locateTokens(sentence, tokens.value(), tokenizer);
    source.axis.spans.resize(source.axis.labels.size()); // an appended <eos> was not typed
    if (isSubword(tokenizer.mode)) { // views merge a word's pieces; an appended <eos> is a word of its own
        source.axis.words = pieceWords(tokens.value());
        while (source.axis.words.size() < source.axis.labels.size())
            source.axis.words.push_back(source.axis.words.back() + 1);
    }
    return source;
}

std::vector<int> textTargetIds(const std::string &text, const TokenizerOptions &tokenizer, const Vocabulary &vocab)
{
    auto tokens = tokenize(text, tokenizer);
    return tokens ? vocab.encode(tokens.value()) : std::vector<int>{};
}

std::function<std::string(const std::vector<std::string> &)> textDetokenizer(const TokenizerOptions &tokenizer)
{
    return [tokenizer](const std::vector<std::string> &tokens) { return detokenize(tokens, tokenizer); };
}

} // namespace alignscope
