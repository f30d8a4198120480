#include "cli/tasks.h"

#include "common/random.h"

namespace alignscope::cli {

namespace {

Result<LoadedTask> fileTask(const std::string &path, const Args &a, unsigned seed)
{
    const std::string format = a.value("format").value_or("tsv");
    LoadedTask t;
    t.info.name = path;
    Result<Corpus> corpus = fileError("");
    if (format == "tsv") {
        corpus = readTsvCorpus(path);
    } else if (format == "eng-fra") {
        const std::string dir = a.value("direction").value_or("en-fr");
        if (dir != "en-fr" && dir != "fr-en")
            return usageError("--direction must be en-fr or fr-en");
        corpus = readEngFraCorpus(path, dir == "en-fr" ? EngFraDirection::EnglishToFrench
                                                       : EngFraDirection::FrenchToEnglish);
    } else {
        return usageError("--format must be tsv or eng-fra");
    }
    if (!corpus)
        return corpus.error();
    if (corpus->pairs.size() < 3)
        return fileError(path + ": " + corpus->summary() + "; training needs at least 3 valid pairs");
    std::vector<SentencePair> pairs = std::move(corpus->pairs);
    Rng rng(seed);
    for (size_t i = pairs.size(); i > 1; --i)
        std::swap(pairs[i - 1], pairs[rng.below(static_cast<std::uint32_t>(i))]);
    const size_t held = std::max<size_t>(1, pairs.size() / 20);
    t.splits.test.pairs.assign(pairs.end() - held, pairs.end());
    t.splits.dev.pairs.assign(pairs.end() - 2 * held, pairs.end() - held);
    t.splits.train.pairs.assign(pairs.begin(), pairs.end() - 2 * held);
    size_t longest = 0;
    for (const auto &p : t.splits.train.pairs)
        longest = std::max(longest, p.sourceTokens.size());
    t.info.maxSourceLength = static_cast<int>(longest) + 16;
    return t;
}

} // namespace

Result<LoadedTask> loadTask(const Args &a)
{
    const std::string name = a.value("task").value_or("en-fr");
    auto seed = a.integer("task-seed", 1, 0, 2147483647);
    auto trainSize = a.integer("train-size", -1, 10, 10000000);
    auto devSize = a.integer("dev-size", 500, 1, 1000000);
    auto testSize = a.integer("test-size", 500, 1, 1000000);
    for (const Result<int> *r : {&seed, &trainSize, &devSize, &testSize})
        if (!*r)
            return r->error();
    TaskOptions o;
    o.seed = static_cast<unsigned>(seed.value());
    o.devSize = devSize.value();
    o.testSize = testSize.value();
    LoadedTask t;
    t.info.name = name;
    if (name == "en-fr") {
        o.trainSize = trainSize.value() > 0 ? trainSize.value() : 30000;
        t.splits = makeEnFrTask(o);
        t.info.maxSourceLength = 32;
    } else if (name == "dates") {
        o.trainSize = trainSize.value() > 0 ? trainSize.value() : 20000;
        t.splits = makeDatesTask(o);
        t.info.sourceTokenizer.mode = TokenizerMode::Character;
        t.info.targetTokenizer.mode = TokenizerMode::Character;
        t.info.maxSourceLength = 48;
    } else {
        return fileTask(name, a, o.seed);
    }
    return t;
}

} // namespace alignscope::cli
