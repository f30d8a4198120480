// Step-wise greedy, beam and forced-prefix decoding with full traces.
#include "alignscope/decode.h"

#include "common/partner.h"

#include <tbb/task_group.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>

namespace alignscope {

namespace {

/// The default length guard (2n + 10) stops here: every step keeps n scores
/// and weights, so a 10,000-token sentence would otherwise hold 20,010 steps
/// (1.6 GB) of trace. An explicit maxLength is not capped.
constexpr int kDefaultLengthCap = 1000;

/// Indices of the k largest entries, largest first (ties: lower id first).
/// One pass keeping the best k in order: a step asks for k = 1 (greedy) and
/// k = 10 (the trace's top-k) out of the whole target vocabulary. Once k are
/// kept, a block of 16 entries none of which beats the k-th is skipped whole
/// (a later entry equal to it comes after it: not better), which is nearly
/// every block, in a few vector instructions.
std::vector<int> topIndices(const Vector &v, int k)
{
    const int n = static_cast<int>(v.size());
    k = std::clamp(k, 0, n);
    auto before = [&](int a, int b) { return v[a] > v[b] || (v[a] == v[b] && a < b); };
    std::vector<int> top;
    top.reserve(static_cast<size_t>(k) + 1);
    constexpr int kBlock = 16;
    for (int i = 0; i < n && k > 0;) {
        if (static_cast<int>(top.size()) == k && i + kBlock <= n &&
            !(v.segment<kBlock>(i).array() > v[top.back()]).any()) {
            i += kBlock;
            continue;
        }
        const int end = std::min(n, i + kBlock);
        for (; i < end; ++i) {
            if (static_cast<int>(top.size()) == k && !before(i, top.back()))
                continue;
            top.insert(std::upper_bound(top.begin(), top.end(), i, before), i);
            if (static_cast<int>(top.size()) > k)
                top.pop_back();
        }
    }
    return top;
}

/// The first timestamp token's id (the one after <|notimestamps|>), or −1 when the model has none.
int timestampBegin(const GenerationDefaults &g, int vocabulary)
{
    return g.noTimestamps >= 0 && g.noTimestamps + 1 < vocabulary ? g.noTimestamps + 1 : -1;
}

} // namespace

std::vector<int> forcedPromptOf(const Seq2Seq &model, const DecodeOptions &options)
{
    const GenerationDefaults g = model.generation();
    std::vector<int> prompt = options.forcedPrompt.value_or(g.forcedPrompt);
    // generate(return_timestamps=True): the prompt no longer closes with <|notimestamps|>.
    if (options.timestamps && timestampBegin(g, model.targetVocab().size()) >= 0 && !prompt.empty() &&
        prompt.back() == g.noTimestamps)
        prompt.pop_back();
    return prompt;
}

GenerationDefaults Seq2Seq::generation() const
{
    GenerationDefaults g;
    const SpecialIds &s = targetSpecials();
    for (int id : {s.pad, s.sos})
        if (id >= 0 && id != s.eos)
            g.suppressed.push_back(id);
    return g;
}

struct DecodeSession::Impl {
    /// A hypothesis still being extended.
    struct Live {
        int node = -1;           ///< last node, -1 before the first step
        DecoderStatePtr state;
        int previous = 0;        ///< token fed at the next step
        double logProb = 0.0;
    };
    /// A scored extension of a live hypothesis.
    struct Candidate {
        int live = 0;
        int token = 0;
        double logProb = 0.0;
    };

    const Seq2Seq *model;
    DecodeOptions options;
    GenerationDefaults generation;
    std::shared_ptr<const EncodedMemory> encoder;
    DecodeTrace trace;
    std::vector<Live> live;
    int t = 0;
    int maxLength = 0;
    double lengthPenalty = 1.0;
    bool earlyStopping = false;
    bool timestamps = false; ///< Whisper's timestamp rules apply (DecodeOptions::timestamps)

    Impl(const Seq2Seq &m, EncodedSource source, DecodeOptions o) : model(&m), options(std::move(o))
    {
        trace.model = m.name();
        trace.description = m.description();
        trace.scorer = trace.description.scorer;
        trace.eosId = m.targetSpecials().eos;
        trace.detokenizer = m.detokenizer();
        trace.displayToken = m.tokenDisplay();
        trace.intervention = options.intervention;
        {
            // The encoder's projections are shared with the partner too (alignscope/partner.h).
            std::optional<DecodePartner::Session> partner;
            if (options.partner)
                partner.emplace();
            source.keepSelfAttention = options.encoderSelfAttention.value_or(source.axis.kind == SourceKind::Text);
            encoder = m.encode(source);
        }
        trace.source = std::move(source.axis);
        trace.encoderStates = encoder->states;
        trace.encoderSelf = encoder->selfAttention;
        trace.crossKeys = encoder->crossKeys;
        trace.crossValues = encoder->crossValues;
        const int n = trace.sourceLength();
        generation = m.generation();
        if (options.noRepeatNgram >= 0)
            generation.noRepeatNgram = options.noRepeatNgram;
        generation.forcedPrompt = forcedPromptOf(m, options);
        trace.timestampBegin = timestampBegin(generation, m.targetVocab().size());
        timestamps = options.timestamps && trace.timestampBegin >= 0;
        if (timestamps) // generate(return_timestamps=True): the rules, not a suppressed list, govern the times
            std::erase_if(generation.suppressed,
                          [&](int id) { return id == generation.noTimestamps || id >= trace.timestampBegin; });
        maxLength = options.maxLength > 0    ? options.maxLength
                    : generation.maxLength > 0 ? generation.maxLength
                                               : std::min(2 * n + 10, kDefaultLengthCap);
        maxLength = std::max(maxLength, static_cast<int>(options.prefix.size()));
        options.beamWidth = std::max(1, options.beamWidth > 0 ? options.beamWidth : generation.beams);
        lengthPenalty = options.lengthPenalty.value_or(generation.lengthPenalty);
        earlyStopping = options.earlyStopping.value_or(generation.earlyStopping);
        live.push_back({-1, m.initialState(*encoder), m.targetSpecials().sos, 0.0});
    }

    double score(double logProb, int length) const
    {
        return logProb / std::pow(static_cast<double>(std::max(1, length)), lengthPenalty);
    }

    /// The token this step must take, or -1: the caller's prefix, else the
    /// model's forced prompt (Whisper's language and task), first (BOS) and
    /// last (EOS at the length limit) tokens.
    int forcedToken() const
    {
        if (t < static_cast<int>(options.prefix.size()))
            return options.prefix[t];
        if (t < static_cast<int>(generation.forcedPrompt.size()) && generation.forcedPrompt[t] >= 0)
            return generation.forcedPrompt[t];
        if (t == 0 && generation.forcedFirst >= 0)
            return generation.forcedFirst;
        if (t == maxLength - 1 && generation.forcedLast >= 0)
            return generation.forcedLast;
        return -1;
    }

    std::vector<Candidate> candidates(const std::vector<StepOutput> &outs) const
    {
        std::vector<Candidate> c;
        const int forced = forcedToken();
        // As transformers' forced BOS/EOS: the forced token adds nothing to a
        // hypothesis' score; a caller's prefix adds its log-probability.
        const bool byGeneration = forced >= 0 && t >= static_cast<int>(options.prefix.size());
        for (size_t i = 0; i < outs.size(); ++i) {
            if (forced >= 0) {
                const double gain = byGeneration ? 0.0 : outs[i].logProbs[forced];
                c.push_back({static_cast<int>(i), forced, live[i].logProb + gain});
                continue;
            }
            for (int tok : topIndices(outs[i].logProbs, 2 * options.beamWidth))
                c.push_back({static_cast<int>(i), tok, live[i].logProb + outs[i].logProbs[tok]});
        }
        // Rank by cumulative log-probability; stable for equal scores.
        std::stable_sort(c.begin(), c.end(), [](const Candidate &a, const Candidate &b) { return a.logProb > b.logProb; });
        return c;
    }

    int addNode(const Candidate &c, const StepOutput &out)
    {
        const Vocabulary &vocab = model->targetVocab();
        DecodeNode node;
        node.step = t;
        node.parent = live[c.live].node;
        node.tokenId = c.token;
        node.token = vocab.token(c.token);
        node.forced = forcedToken() >= 0;
        node.logProb = out.logProbs[c.token];
        node.cumulativeLogProb = c.logProb;
        node.query = out.query;
        node.cross = out.cross;
        node.self = out.self;
        node.context = out.context;
        node.crossQueries = out.crossQueries;
        node.crossOutputs = out.crossOutputs;
        for (int id : topIndices(out.logProbs, options.topK))
            node.topk.push_back({id, vocab.token(id), std::exp(out.logProbs[id])});
        node.finished = c.token == model->targetSpecials().eos || t + 1 >= maxLength;
        node.edited = options.intervention.reshapesStep(t);
        trace.nodes.push_back(std::move(node));
        return static_cast<int>(trace.nodes.size()) - 1;
    }

    void finish(int node)
    {
        const DecodeNode &n = trace.nodes[node];
        trace.hypotheses.push_back({node, n.cumulativeLogProb, score(n.cumulativeLogProb, n.step + 1)});
    }

    /// Suppressed tokens (AlignScope's <pad> and <sos>) get no probability
    /// mass to choose from; nor does a token that would repeat an n-gram of
    /// the hypothesis (no_repeat_ngram_size; the n-grams include the start token, as in transformers).
    void maskUnemittable(StepOutput &out, const Live &h) const
    {
        constexpr float never = -std::numeric_limits<float>::infinity();
        // A forced token keeps its log-probability even when suppressed (Whisper forces
        // <|transcribe|>, which its suppress_tokens list): the trace shows what the model gave it.
        const int forced = forcedToken();
        for (int id : generation.suppressed)
            if (id >= 0 && id < out.logProbs.size() && id != forced)
                out.logProbs[id] = never;
        // begin_suppress_tokens: at the first step after the forced prompt (transformers' begin_index).
        if (t == static_cast<int>(generation.forcedPrompt.size()))
            for (int id : generation.beginSuppressed)
                if (id >= 0 && id < out.logProbs.size())
                    out.logProbs[id] = never;
        const int eos = model->targetSpecials().eos;
        if (t < generation.minLength && eos >= 0 && eos < out.logProbs.size())
            out.logProbs[eos] = never;
        const int n = generation.noRepeatNgram;
        if (n <= 0 && generation.badWords.empty())
            return;
        std::vector<int> seq; // the start token, then the hypothesis' tokens
        for (int node = h.node; node >= 0; node = trace.nodes[node].parent)
            seq.push_back(trace.nodes[node].tokenId);
        seq.push_back(model->targetSpecials().sos);
        std::reverse(seq.begin(), seq.end());
        const int len = static_cast<int>(seq.size());
        for (const std::vector<int> &bad : generation.badWords) {
            const int prefix = static_cast<int>(bad.size()) - 1;
            if (prefix >= 0 && prefix <= len && std::equal(bad.begin(), bad.end() - 1, seq.end() - prefix) &&
                bad.back() >= 0 && bad.back() < out.logProbs.size())
                out.logProbs[bad.back()] = never;
        }
        if (n <= 0)
            return;
        if (len + 1 < n)
            return;
        // Ban every token that followed an earlier occurrence of the last n − 1 tokens.
        for (int start = 0; start + n <= len; ++start)
            if (std::equal(seq.begin() + start, seq.begin() + start + n - 1, seq.end() - (n - 1))) {
                const int banned = seq[start + n - 1];
                if (banned >= 0 && banned < out.logProbs.size())
                    out.logProbs[banned] = never;
            }
    }

    /// Whisper's timestamp rules, after every other mask (transformers 4.36's
    /// WhisperTimeStampLogitsProcessor runs last): ids from trace.timestampBegin
    /// on are times; <eos> and the ids below it are text.
    void maskTimestamps(StepOutput &out, const Live &h) const
    {
        constexpr float never = -std::numeric_limits<float>::infinity();
        Vector &p = out.logProbs;                          // (V)
        const int begin = trace.timestampBegin, vocabulary = static_cast<int>(p.size());
        const int eos = model->targetSpecials().eos;
        if (begin >= vocabulary)
            return;
        p[generation.noTimestamps] = never;
        // The tokens chosen since the forced prompt (its begin_index).
        const int first = static_cast<int>(generation.forcedPrompt.size());
        std::vector<int> chosen;
        for (int node = h.node; node >= 0 && trace.nodes[node].step >= first; node = trace.nodes[node].parent)
            chosen.push_back(trace.nodes[node].tokenId);
        std::reverse(chosen.begin(), chosen.end());
        const auto isTime = [&](int id) { return id >= begin; };
        const size_t k = chosen.size();
        const bool lastWasTime = k >= 1 && isTime(chosen[k - 1]);
        const bool penultimateWasTime = k < 2 || isTime(chosen[k - 2]);
        if (lastWasTime) {
            if (penultimateWasTime) // a pair just closed (or the first time): text comes next
                p.tail(vocabulary - begin).setConstant(never);
            else if (eos > 0) // an open pair: its closing time or <eos>, no text
                p.head(std::min(eos, vocabulary)).setConstant(never);
        }
        // Times never go back, and an opening time does not repeat the last one.
        const auto lastTime = std::find_if(chosen.rbegin(), chosen.rend(), isTime);
        if (lastTime != chosen.rend()) {
            const int upTo = lastWasTime && !penultimateWasTime ? *lastTime : *lastTime + 1;
            p.segment(begin, std::min(upTo, vocabulary) - begin).setConstant(never);
        }
        if (t == first) { // the first choice is a time, at most maxInitialTimestamp in
            p.head(begin).setConstant(never);
            if (generation.maxInitialTimestamp >= 0 && begin + generation.maxInitialTimestamp + 1 < vocabulary)
                p.tail(vocabulary - (begin + generation.maxInitialTimestamp + 1)).setConstant(never);
        }
        // A time whenever the times together are likelier than any one text token.
        const float maxText = p.head(begin).maxCoeff();
        const float maxTime = p.tail(vocabulary - begin).maxCoeff();
        if (maxTime == never)
            return;
        double sum = 0.0;
        for (int id = begin; id < vocabulary; ++id)
            sum += std::exp(double(p[id]) - double(maxTime));
        if (double(maxTime) + std::log(sum) > double(maxText))
            p.head(begin).setConstant(never);
    }

    /// Whether `width` hypotheses have finished and none live can beat the
    /// worst of the best `width` (transformers' is_done with the cumulative
    /// log-probability of this step's best extension).
    bool searchDone(double bestCumulative) const
    {
        const size_t width = static_cast<size_t>(options.beamWidth);
        if (trace.hypotheses.size() < width)
            return false;
        if (earlyStopping)
            return true;
        std::vector<double> scores;
        for (const Hypothesis &h : trace.hypotheses)
            scores.push_back(h.score);
        std::nth_element(scores.begin(), scores.begin() + std::ptrdiff_t(width - 1), scores.end(), std::greater<>());
        return scores[width - 1] >= score(bestCumulative, t + 1);
    }

    bool step()
    {
        if (trace.complete)
            return false;
        std::vector<StepOutput> outs;
        outs.reserve(live.size());
        for (const Live &h : live) {
            outs.push_back(model->step(*encoder, *h.state, h.previous, t, options.intervention));
            maskUnemittable(outs.back(), h);
            if (timestamps)
                maskTimestamps(outs.back(), h);
        }
        // transformers' beam step (BeamSearchScorer.process); width 1 is greedy.
        const size_t width = static_cast<size_t>(options.beamWidth);
        const bool atLimit = t + 1 >= maxLength;
        const std::vector<Candidate> ranked = candidates(outs);
        const int eos = model->targetSpecials().eos;
        std::vector<Candidate> continuing;
        for (size_t r = 0; r < ranked.size() && r < 2 * width && continuing.size() < width; ++r) {
            const Candidate &c = ranked[r];
            if (c.token != eos)
                continuing.push_back(c);
            else if (r < width) // an <eos> outside the best `width` is dropped
                finish(addNode(c, outs[c.live]));
        }
        // Beams go on (or, at the length limit, finish) unless the search is done.
        const bool done = searchDone(ranked.empty() ? -std::numeric_limits<double>::infinity() : ranked.front().logProb);
        std::vector<Live> next;
        for (const Candidate &c : done ? std::vector<Candidate>{} : continuing) {
            const int node = addNode(c, outs[c.live]);
            if (atLimit)
                finish(node);
            else
                next.push_back({node, outs[c.live].next, c.token, c.logProb});
        }
        live = std::move(next);
        ++t;
        if (done || atLimit || live.empty()) {
            // The best `width` finished hypotheses, best first (transformers keeps no more).
            std::stable_sort(trace.hypotheses.begin(), trace.hypotheses.end(),
                             [](const Hypothesis &a, const Hypothesis &b) { return a.score > b.score; });
            if (trace.hypotheses.size() > width)
                trace.hypotheses.resize(width);
            trace.complete = true;
        }
        return !trace.complete;
    }
};

DecodeSession::DecodeSession(const Seq2Seq &model, EncodedSource source, DecodeOptions options)
    : m_impl(std::make_unique<Impl>(model, std::move(source), std::move(options)))
{
}
DecodeSession::~DecodeSession() = default;
DecodeSession::DecodeSession(DecodeSession &&) noexcept = default;
DecodeSession &DecodeSession::operator=(DecodeSession &&) noexcept = default;

bool DecodeSession::step() { return m_impl->step(); }
bool DecodeSession::finished() const { return m_impl->trace.complete; }
const DecodeTrace &DecodeSession::trace() const { return m_impl->trace; }
DecodeTrace DecodeSession::takeTrace() { return std::move(m_impl->trace); }

Result<void> DecodeSession::run(const std::atomic<bool> *cancel)
{
    // The second core, for this decode only (when asked).
    std::optional<DecodePartner::Session> partner;
    if (m_impl->options.partner)
        partner.emplace();
    while (!finished()) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            return Error{ErrorKind::Cancelled, "decoding cancelled"};
        step();
    }
    return {};
}

Result<DecodeTrace> translate(const Seq2Seq &model, const std::string &sentence, const DecodeOptions &options,
                              const std::atomic<bool> *cancel)
{
    auto source = model.prepareSource(sentence);
    if (!source)
        return source.error();
    return translateSource(model, std::move(source.value()), options, cancel);
}

Result<DecodeTrace> translateSource(const Seq2Seq &model, EncodedSource source, const DecodeOptions &options,
                                    const std::atomic<bool> *cancel)
{
    const ModelDescription &d = model.description();
    if (auto fits = options.intervention.check(source.axis.size(), d.layers, d.heads); !fits)
        return fits.error();
    DecodeSession session(model, std::move(source), options);
    auto done = session.run(cancel);
    if (!done)
        return done.error();
    return session.takeTrace();
}

Result<DecodeTrace> forceDecode(const Seq2Seq &model, const std::string &sentence, const std::string &targetText,
                                const std::atomic<bool> *cancel)
{
    return forceDecodeIds(model, sentence, model.prepareTarget(targetText), {}, cancel);
}

namespace {

/// Every step forced: the target's ids, then <eos> unless they end in it.
DecodeOptions forcedOptions(const Seq2Seq &model, std::vector<int> target, const Intervention &intervention)
{
    DecodeOptions options;
    options.prefix = std::move(target);
    const int eos = model.targetSpecials().eos;
    if (options.prefix.empty() || options.prefix.back() != eos)
        options.prefix.push_back(eos);
    options.maxLength = static_cast<int>(options.prefix.size());
    options.intervention = intervention;
    return options;
}

} // namespace

Result<DecodeTrace> forceDecodeIds(const Seq2Seq &model, const std::string &sentence, std::vector<int> target,
                                   const Intervention &intervention, const std::atomic<bool> *cancel)
{
    return translate(model, sentence, forcedOptions(model, std::move(target), intervention), cancel);
}

Result<DecodeTrace> forceDecodeSource(const Seq2Seq &model, EncodedSource source, const std::string &targetText,
                                      const std::atomic<bool> *cancel)
{
    // A clip's transcript follows the model's prompt (Whisper: language, task, no timestamps).
    return translateSource(model, std::move(source), forcedOptions(model, model.prepareForcedTarget(targetText), {}),
                           cancel);
}

std::vector<Result<DecodeTrace>> translateAll(const std::vector<const Seq2Seq *> &models, const std::string &sentence,
                                              const DecodeOptions &options)
{
    std::vector<Result<DecodeTrace>> results(models.size(), Error{ErrorKind::Internal, "not decoded"});
    tbb::task_group group;
    // One task per model: models are independent and read-only here.
    for (size_t i = 0; i < models.size(); ++i)
        group.run([&, i] { results[i] = translate(*models[i], sentence, options); });
    group.wait();
    return results;
}

} // namespace alignscope
