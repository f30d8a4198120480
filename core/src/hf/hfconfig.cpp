// config.json / generation_config.json of T5, BART, Marian and Whisper folders.
#include "hf/hfconfig_p.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <optional>

namespace alignscope::hf {

namespace {

using nlohmann::json;
using Spec = TransformerSpec;

/// Reads fields of one JSON object, recording the first problem; never throws.
class Fields {
public:
    Fields(const json &j, std::string file) : m_j(j), m_file(std::move(file)) {}

    bool has(const char *key) const { return m_j.is_object() && m_j.contains(key) && !m_j.at(key).is_null(); }
    bool isString(const char *key) const { return has(key) && m_j.at(key).is_string(); }

    /// An integer in [lo, hi], or `fallback` when absent (null counts as absent, as in Python).
    int size(const char *key, int fallback, long long lo, long long hi)
    {
        if (!has(key))
            return fallback;
        const json &v = m_j.at(key);
        if (!v.is_number_integer()) {
            fail(std::string(key) + " must be an integer");
            return fallback;
        }
        const bool negative = v.is_number_integer() && !v.is_number_unsigned() && v.get<long long>() < 0;
        const long long x = negative ? v.get<long long>()
                                     : (v.get<unsigned long long>() > (unsigned long long)hi ? hi + 1 : v.get<long long>());
        if (x < lo || x > hi) {
            fail(std::string(key) + " is " + v.dump() + "; AlignScope opens " + std::to_string(lo) + ".." +
                 std::to_string(hi));
            return fallback;
        }
        return int(x);
    }
    /// A token id (≥ 0), `fallback` when absent; a list takes its first id (eos_token_id may be a list).
    int token(const char *key, int fallback = -1)
    {
        if (!has(key))
            return fallback;
        const json &v = m_j.at(key).is_array() && !m_j.at(key).empty() ? m_j.at(key).front() : m_j.at(key);
        if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > std::numeric_limits<int>::max()) {
            fail(std::string(key) + " must be a token id");
            return fallback;
        }
        return v.get<int>();
    }
    /// A list of token-id lists (bad_words_ids).
    std::vector<std::vector<int>> tokenLists(const char *key)
    {
        std::vector<std::vector<int>> out;
        if (!has(key))
            return out;
        const json &v = m_j.at(key);
        if (!v.is_array() || v.size() > 100'000) {
            fail(std::string(key) + " must be a list of token-id lists");
            return out;
        }
        for (const json &list : v) {
            const json wrapped = {{"ids", list}};
            Fields inner(wrapped, m_file);
            out.push_back(inner.tokens("ids"));
            if (!inner.bad().empty() || out.back().empty() || out.back().size() > 1000) {
                fail(std::string(key) + " must be a list of token-id lists");
                return {};
            }
        }
        return out;
    }
    double number(const char *key, double fallback)
    {
        if (!has(key))
            return fallback;
        if (!m_j.at(key).is_number()) {
            fail(std::string(key) + " must be a number");
            return fallback;
        }
        return m_j.at(key).get<double>();
    }
    bool flag(const char *key, bool fallback)
    {
        if (!has(key))
            return fallback;
        if (!m_j.at(key).is_boolean()) {
            fail(std::string(key) + " must be true or false");
            return fallback;
        }
        return m_j.at(key).get<bool>();
    }
    std::string text(const char *key, const std::string &fallback)
    {
        if (!has(key))
            return fallback;
        if (!m_j.at(key).is_string()) {
            fail(std::string(key) + " must be a string");
            return fallback;
        }
        return m_j.at(key).get<std::string>();
    }
    std::vector<int> tokens(const char *key)
    {
        std::vector<int> out;
        if (!has(key))
            return out;
        const json &v = m_j.at(key);
        if (!v.is_array() || v.size() > 1'000'000) {
            fail(std::string(key) + " must be a list of token ids");
            return out;
        }
        for (const json &x : v) {
            if (!x.is_number_integer() || x.get<long long>() < 0 || x.get<long long>() > std::numeric_limits<int>::max()) {
                fail(std::string(key) + " must be a list of token ids");
                return {};
            }
            out.push_back(x.get<int>());
        }
        return out;
    }

    /// forced_decoder_ids: [[index, id or null], ...] -> the id forced at step index − 1 (−1: none).
    std::vector<int> forcedIds(const char *key)
    {
        std::vector<int> out;
        if (!has(key))
            return out;
        const json &v = m_j.at(key);
        const char *what = " must be a list of [position, token id or null] pairs (positions 1..4096)";
        if (!v.is_array() || v.size() > 4096)
            return fail(std::string(key) + what), out;
        for (const json &pair : v) {
            if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_integer() || pair[0].get<long long>() < 1 ||
                pair[0].get<long long>() > 4096 ||
                !(pair[1].is_null() || (pair[1].is_number_integer() && pair[1].get<long long>() >= 0 &&
                                        pair[1].get<long long>() <= std::numeric_limits<int>::max())))
                return fail(std::string(key) + what), std::vector<int>{};
            const size_t step = size_t(pair[0].get<long long>() - 1);
            if (out.size() <= step)
                out.resize(step + 1, -1);
            out[step] = pair[1].is_null() ? -1 : pair[1].get<int>();
        }
        return out;
    }
    /// A JSON object of name -> token id (lang_to_id, task_to_id).
    std::map<std::string, int> tokenMap(const char *key)
    {
        std::map<std::string, int> out;
        if (!has(key))
            return out;
        const json &v = m_j.at(key);
        if (!v.is_object() || v.size() > 10'000)
            return fail(std::string(key) + " must be an object of name -> token id"), out;
        for (const auto &[name, id] : v.items()) {
            if (!id.is_number_integer() || id.get<long long>() < 0 || id.get<long long>() > std::numeric_limits<int>::max())
                return fail(std::string(key) + " must be an object of name -> token id"), std::map<std::string, int>{};
            out[name] = id.get<int>();
        }
        return out;
    }

    void fail(const std::string &what)
    {
        if (m_bad.empty())
            m_bad = m_file + ": " + what;
    }
    const std::string &bad() const { return m_bad; }

private:
    const json &m_j;
    std::string m_file;
    std::string m_bad;
};

/// transformers' activation names, as far as AlignScope has them.
std::optional<Spec::Activation> activationOf(const std::string &name)
{
    if (name == "relu")
        return Spec::Activation::Relu;
    if (name == "gelu")
        return Spec::Activation::GeluErf;
    if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
        return Spec::Activation::GeluTanh;
    if (name == "silu" || name == "swish")
        return Spec::Activation::Silu;
    return std::nullopt;
}

constexpr int kMaxVocab = 1 << 22;  // 4M entries (real ones: 32k–256k)
constexpr int kMaxWidth = 16384;    // d_model
constexpr int kMaxFfn = 65536;      // t5-11b's d_ff
constexpr int kMaxLayers = 64;   // what TransformerSpec allows
constexpr int kMaxHeads = 256;

void readT5(Fields &f, ModelConfig &c)
{
    Spec &s = c.spec;
    s.norm = Spec::Norm::Rms;
    s.preNorm = true;
    s.positions = Spec::Positions::Relative;
    s.bias = false;
    s.scaledAttention = false;
    s.sharedEmbedding = true;
    s.rescaleTiedOutput = true;
    s.dModel = f.size("d_model", 512, 1, kMaxWidth);
    s.headDim = f.size("d_kv", 64, 1, 4096);
    s.ffn = f.size("d_ff", 2048, 1, kMaxFfn);
    s.encoderLayers = f.size("num_layers", 6, 1, kMaxLayers);
    s.decoderLayers = f.size("num_decoder_layers", s.encoderLayers, 1, kMaxLayers);
    s.heads = f.size("num_heads", 8, 1, kMaxHeads);
    s.relativeBuckets = f.size("relative_attention_num_buckets", 32, 4, 4096);
    s.relativeMaxDistance = f.size("relative_attention_max_distance", 128, 1, 1 << 20);
    s.eps = f.number("layer_norm_epsilon", 1e-6);
    // feed_forward_proj: "ACT" or "gated-ACT"; "gated-gelu" means the tanh form (gelu_new).
    const std::string proj = f.text("feed_forward_proj", "relu");
    std::string act = proj;
    if (proj.rfind("gated-", 0) == 0) {
        s.gatedFeedForward = true;
        act = proj == "gated-gelu" ? "gelu_new" : proj.substr(6);
    }
    if (auto a = activationOf(act); a && act.find('-') == std::string::npos)
        s.activation = *a;
    else
        f.fail("feed_forward_proj \"" + proj + "\" is not one AlignScope has (relu, gelu, gelu_new, silu, or gated-)");
    c.sourceVocab = c.targetVocab = f.size("vocab_size", 32128, 1, kMaxVocab);
    c.pad = f.token("pad_token_id", 0);
    c.eos = f.token("eos_token_id", 1);
    c.decoderStart = f.token("decoder_start_token_id", c.pad);
}

/// The sizes and activation of the fairseq-style configs (BART, Marian, Whisper): one
/// head count and one feed-forward width for both stacks, as AlignScope's layers need.
void readFairseqSizes(Fields &f, Spec &s, int d, int layers, int heads, int ffn)
{
    s.dModel = f.size("d_model", d, 1, kMaxWidth);
    s.encoderLayers = f.size("encoder_layers", layers, 1, kMaxLayers);
    s.decoderLayers = f.size("decoder_layers", layers, 1, kMaxLayers);
    s.heads = f.size("encoder_attention_heads", heads, 1, kMaxHeads);
    if (f.size("decoder_attention_heads", s.heads, 1, kMaxHeads) != s.heads)
        f.fail("decoder_attention_heads differs from encoder_attention_heads; AlignScope needs them equal");
    s.ffn = f.size("encoder_ffn_dim", ffn, 1, kMaxFfn);
    if (f.size("decoder_ffn_dim", s.ffn, 1, kMaxFfn) != s.ffn)
        f.fail("decoder_ffn_dim differs from encoder_ffn_dim; AlignScope needs them equal");
    const std::string act = f.text("activation_function", "gelu");
    if (auto a = activationOf(act))
        s.activation = *a;
    else
        f.fail("activation_function \"" + act + "\" is not one AlignScope has (relu, gelu, gelu_new, silu, swish)");
}

/// BART and Marian share the layer layout (fairseq's); they differ in positions and defaults.
void readBartLike(Fields &f, ModelConfig &c)
{
    Spec &s = c.spec;
    const bool bart = c.family == Family::Bart;
    s.norm = Spec::Norm::Layer;
    s.preNorm = false;
    s.bias = true;
    s.scaledAttention = true;
    s.eps = 1e-5;
    readFairseqSizes(f, s, 1024, 12, 16, 4096);
    s.maxPositions = f.size("max_position_embeddings", 1024, 1, 1 << 20);
    s.scaleEmbedding = f.flag("scale_embedding", false);
    if (bart) {
        s.positions = Spec::Positions::Learned;
        s.positionOffset = 2; // BartLearnedPositionalEmbedding
        s.embeddingNorm = true;
        s.sharedEmbedding = true;
        c.sourceVocab = c.targetVocab = f.size("vocab_size", 50265, 1, kMaxVocab);
        c.pad = f.token("pad_token_id", 1);
        c.bos = f.token("bos_token_id", 0);
        c.eos = f.token("eos_token_id", 2);
        c.decoderStart = f.token("decoder_start_token_id", 2);
    } else {
        s.positions = Spec::Positions::Sinusoidal;
        s.sinusoidalLayout = Spec::SinusoidalLayout::Halves;
        s.sharedEmbedding = f.flag("share_encoder_decoder_embeddings", true);
        c.sourceVocab = f.size("vocab_size", 58101, 1, kMaxVocab);
        c.targetVocab = f.size("decoder_vocab_size", c.sourceVocab, 1, kMaxVocab);
        if (s.sharedEmbedding && c.targetVocab != c.sourceVocab)
            f.fail("decoder_vocab_size differs from vocab_size while the embeddings are shared");
        c.pad = f.token("pad_token_id", 58100);
        c.eos = f.token("eos_token_id", 0);
        c.decoderStart = f.token("decoder_start_token_id", 58100);
    }
}

/// WhisperConfig: fairseq-like layers in pre-norm, two convolutions over the
/// log-mel frames, stored (sinusoidal) encoder positions and learned decoder
/// positions, k_proj without bias, the output tied to the token embedding.
void readWhisper(Fields &f, ModelConfig &c)
{
    Spec &s = c.spec;
    s.norm = Spec::Norm::Layer;
    s.preNorm = true;
    s.bias = true;
    s.keyBias = false;
    s.outputBias = false;
    s.scaledAttention = true;
    s.eps = 1e-5;
    s.positions = Spec::Positions::Learned;
    s.sharedEmbedding = false;
    readFairseqSizes(f, s, 384, 4, 6, 1536); // whisper-tiny's defaults
    s.melBins = f.size("num_mel_bins", 80, 1, 1024);
    s.sourcePositions = f.size("max_source_positions", 1500, 1, 1 << 16);
    s.maxPositions = f.size("max_target_positions", 448, 1, 1 << 16);
    s.scaleEmbedding = false; // WhisperDecoder computes embed_scale but never applies it
    c.sourceVocab = c.targetVocab = f.size("vocab_size", 51865, 1, kMaxVocab);
    c.pad = f.token("pad_token_id", 50256);
    c.bos = f.token("bos_token_id", 50256);
    c.eos = f.token("eos_token_id", 50256);
    c.decoderStart = f.token("decoder_start_token_id", 50257);
    // config.json's forced ids win over generation_config.json's in generate().
    c.whisper.forcedPrompt = f.forcedIds("forced_decoder_ids");
    c.whisper.beginSuppressed = f.tokens("begin_suppress_tokens");
}

/// VisionEncoderDecoderConfig: a ViT encoder (pre-norm, exact GELU, its own
/// width, heads and epsilon) and a GPT-2 decoder with cross-attention
/// (pre-norm, gelu_new, learned positions, the output tied to wte), each
/// from its nested config; special ids from the top level, else the decoder's.
void readVisionEncoderDecoder(Fields &top, const json &j, ModelConfig &c)
{
    const json none = json::object();
    const json &ej = j.contains("encoder") && j.at("encoder").is_object() ? j.at("encoder") : none;
    const json &dj = j.contains("decoder") && j.at("decoder").is_object() ? j.at("decoder") : none;
    Fields e(ej, "encoder"), d(dj, "decoder");
    if (e.text("model_type", "") != "vit" || d.text("model_type", "") != "gpt2")
        return top.fail("encoder " + e.text("model_type", "?") + " with decoder " + d.text("model_type", "?") +
                        " is not a pair AlignScope opens (vit with gpt2)");
    if (!d.flag("add_cross_attention", false))
        return top.fail("the decoder has no cross-attention (add_cross_attention is false)");
    Spec &s = c.spec;
    s.norm = Spec::Norm::Layer;
    s.preNorm = true;
    s.bias = true;
    s.outputBias = false;
    s.scaledAttention = true;
    s.positions = Spec::Positions::Learned;
    s.sharedEmbedding = false;
    // GPT-2 (GPT2Config's defaults).
    s.dModel = d.size("n_embd", 768, 1, kMaxWidth);
    s.decoderLayers = d.size("n_layer", 12, 1, kMaxLayers);
    s.heads = d.size("n_head", 12, 1, kMaxHeads);
    s.ffn = d.size("n_inner", 4 * s.dModel, 1, kMaxFfn);
    s.eps = d.number("layer_norm_epsilon", 1e-5);
    s.maxPositions = d.size("n_positions", 1024, 1, 1 << 20);
    s.tiedOutput = d.flag("tie_word_embeddings", true);
    const std::string act = d.text("activation_function", "gelu_new");
    if (auto a = activationOf(act))
        s.activation = *a;
    else
        d.fail("activation_function \"" + act + "\" is not one AlignScope has (relu, gelu, gelu_new, silu)");
    if (!d.flag("scale_attn_weights", true) || d.flag("scale_attn_by_inverse_layer_idx", false))
        d.fail("scale_attn_weights false or scale_attn_by_inverse_layer_idx true: attention AlignScope does not compute");
    c.sourceVocab = c.targetVocab = d.size("vocab_size", 50257, 1, kMaxVocab);
    // ViT (ViTConfig's defaults).
    s.encoderLayers = e.size("num_hidden_layers", 12, 1, kMaxLayers);
    s.encoderDModel = e.size("hidden_size", 768, 1, kMaxWidth);
    s.encoderHeads = e.size("num_attention_heads", 12, 1, kMaxHeads);
    s.encoderFfn = e.size("intermediate_size", 3072, 1, kMaxFfn);
    s.encoderEps = e.number("layer_norm_eps", 1e-12);
    const std::string encAct = e.text("hidden_act", "gelu");
    if (auto a = activationOf(encAct))
        s.encoderActivation = *a;
    else
        e.fail("hidden_act \"" + encAct + "\" is not one AlignScope has (relu, gelu, gelu_new, silu)");
    s.imageHeight = s.imageWidth = e.size("image_size", 224, 1, 8192);
    s.patchSize = e.size("patch_size", 16, 1, 1024);
    if (e.size("num_channels", 3, 1, 64) != 3 || !e.flag("qkv_bias", true))
        e.fail("num_channels other than 3 or qkv_bias false: a ViT AlignScope does not compute");
    s.sourcePositions = 1 + s.patches();
    const int bos = top.token("bos_token_id", d.token("bos_token_id", 50256));
    c.bos = bos;
    c.eos = top.token("eos_token_id", d.token("eos_token_id", 50256));
    c.pad = top.token("pad_token_id", d.token("pad_token_id", -1));
    c.decoderStart = top.token("decoder_start_token_id", d.token("decoder_start_token_id", bos));
    c.tokenizerType = "gpt2";
    for (Fields *part : {&e, &d})
        if (!part->bad().empty())
            top.fail(part->bad()); // "config.json: decoder: ..."
}

/// generation_config.json's Whisper fields (or config.json's, read the same way).
void readWhisperGeneration(Fields &f, ModelConfig &c, bool fromModelConfig)
{
    WhisperGeneration &w = c.whisper;
    if (!fromModelConfig) {
        if (w.forcedPrompt.empty())
            w.forcedPrompt = f.forcedIds("forced_decoder_ids");
        w.beginSuppressed = f.tokens("begin_suppress_tokens");
    }
    w.languages = f.tokenMap("lang_to_id");
    w.tasks = f.tokenMap("task_to_id");
    w.noTimestamps = f.token("no_timestamps_token_id", -1);
    c.generation.noTimestamps = w.noTimestamps;
    c.generation.maxInitialTimestamp =
        f.has("max_initial_timestamp_index") ? f.size("max_initial_timestamp_index", 0, 0, 1 << 20) : -1;
    w.language = f.text("language", "");
    w.task = f.text("task", "");
    w.alignmentHeads.clear();
    for (const std::vector<int> &pair : f.tokenLists("alignment_heads")) {
        if (pair.size() != 2)
            return f.fail("alignment_heads must be [layer, head] pairs");
        w.alignmentHeads.emplace_back(pair[0], pair[1]);
    }
}

/// transformers' generation settings: generation_config.json when there is
/// one (its absent fields take GenerationConfig's defaults), else the same
/// keys of config.json.
void readGeneration(Fields &f, ModelConfig &c, bool fromModelConfig)
{
    GenerationDefaults &g = c.generation;
    // Ids the generation config leaves out fall back to config.json's.
    c.decoderStart = f.token("decoder_start_token_id", c.decoderStart);
    c.eos = f.token("eos_token_id", c.eos);
    c.pad = f.token("pad_token_id", c.pad);
    c.bos = f.token("bos_token_id", c.bos);
    const int defaultForcedEos = fromModelConfig ? g.forcedLast : -1;
    g.forcedFirst = f.token("forced_bos_token_id", fromModelConfig ? g.forcedFirst : -1);
    g.forcedLast = f.token("forced_eos_token_id", defaultForcedEos);
    // max_length counts the decoder's start token; max_new_tokens does not.
    const int maxLength = f.size("max_length", 20, 1, 1 << 20);
    g.maxLength = f.has("max_new_tokens") ? f.size("max_new_tokens", 20, 1, 1 << 20) : std::max(1, maxLength - 1);
    g.beams = f.size("num_beams", 1, 1, 256);
    g.lengthPenalty = f.number("length_penalty", 1.0);
    // early_stopping: true, false, or "never" (a stricter false).
    g.earlyStopping = f.isString("early_stopping") ? false : f.flag("early_stopping", false);
    g.noRepeatNgram = f.size("no_repeat_ngram_size", 0, 0, 1024);
    g.suppressed = f.tokens("suppress_tokens");
    // min_length counts the start token, as max_length does; min_new_tokens does not.
    g.minLength = f.has("min_new_tokens") ? f.size("min_new_tokens", 0, 0, 1 << 20)
                                          : std::max(0, f.size("min_length", 0, 0, 1 << 20) - 1);
    g.badWords = f.tokenLists("bad_words_ids");
}

Result<json> parseObject(const std::string &text, const char *file)
{
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return fileError(std::string(file) + " is not a JSON object; the folder's config is damaged");
    return j;
}

} // namespace

Result<ModelConfig> parseConfig(const std::string &configJson, const std::string &generationJson)
{
    auto parsed = parseObject(configJson, "config.json");
    if (!parsed)
        return parsed.error();
    const json &j = parsed.value();
    Fields f(j, "config.json");
    ModelConfig c;
    c.modelType = f.text("model_type", "");
    if (f.has("architectures") && j.at("architectures").is_array() && !j.at("architectures").empty() &&
        j.at("architectures").front().is_string())
        c.architecture = j.at("architectures").front().get<std::string>();
    if (c.modelType == "t5" || c.modelType == "mt5") {
        c.family = Family::T5;
        readT5(f, c);
    } else if (c.modelType == "bart" || c.modelType == "marian") {
        c.family = c.modelType == "bart" ? Family::Bart : Family::Marian;
        readBartLike(f, c);
    } else if (c.modelType == "whisper") {
        c.family = Family::Whisper;
        readWhisper(f, c);
    } else if (c.modelType == "vision-encoder-decoder") {
        c.family = Family::VisionEncoderDecoder;
        readVisionEncoderDecoder(f, j, c);
    } else {
        return fileError("config.json: model_type \"" + c.modelType + "\"" +
                         (c.architecture.empty() ? "" : " (" + c.architecture + ")") +
                         " is not one AlignScope opens (t5, bart, marian, whisper, vision-encoder-decoder)");
    }
    if (c.tokenizerType.empty())
        c.tokenizerType = c.modelType;
    // VisionEncoderDecoder's top-level tie_word_embeddings ties encoder to decoder; its decoder's ties the output.
    if (c.family != Family::VisionEncoderDecoder)
        c.spec.tiedOutput = f.flag("tie_word_embeddings", true);
    if (!c.architecture.empty() && c.architecture.find("ForConditionalGeneration") == std::string::npos &&
        c.architecture != "MarianMTModel" && c.architecture != "VisionEncoderDecoderModel")
        return fileError("config.json: architecture " + c.architecture +
                         " has no language-model head; AlignScope opens the *ForConditionalGeneration and MarianMTModel classes");
    // BART and Marian configs carry their forced EOS (and BART's forced BOS) as model defaults.
    if (c.family == Family::Bart || c.family == Family::Marian) {
        c.generation.forcedLast = f.token("forced_eos_token_id", c.family == Family::Bart ? 2 : 0);
        c.generation.forcedFirst = f.token("forced_bos_token_id", -1);
    }
    if (generationJson.empty()) {
        readGeneration(f, c, true);
        if (c.family == Family::Whisper)
            readWhisperGeneration(f, c, true);
    } else {
        auto gen = parseObject(generationJson, "generation_config.json");
        if (!gen)
            return gen.error();
        Fields g(gen.value(), "generation_config.json");
        readGeneration(g, c, false);
        if (c.family == Family::Whisper)
            readWhisperGeneration(g, c, false);
        if (!g.bad().empty())
            return fileError(g.bad());
    }
    if (!f.bad().empty())
        return fileError(f.bad());
    for (int id : {c.pad, c.eos, c.decoderStart})
        if (id >= c.targetVocab)
            return fileError("config.json: special token id " + std::to_string(id) + " is outside the vocabulary of " +
                             std::to_string(c.targetVocab));
    std::vector<int> whisperIds = c.whisper.forcedPrompt;
    for (const auto &table : {c.whisper.languages, c.whisper.tasks})
        for (const auto &[name, id] : table)
            whisperIds.push_back(id);
    whisperIds.push_back(c.whisper.noTimestamps);
    for (int id : whisperIds)
        if (id >= c.targetVocab)
            return fileError("generation_config.json: Whisper's token id " + std::to_string(id) +
                             " (forced_decoder_ids, lang_to_id, task_to_id or no_timestamps_token_id) is outside the "
                             "vocabulary of " + std::to_string(c.targetVocab));
    if (c.decoderStart < 0)
        return fileError("config.json: no decoder_start_token_id; the decoder cannot start");
    if (auto valid = validateSpec(c.spec); !valid)
        return fileError("config.json: " + valid.error().message);
    // Weights beyond reason are refused here, before anything is allocated.
    const double d = c.spec.dModel, layers = c.spec.encoderLayers + c.spec.decoderLayers;
    const double parameters = (double(c.sourceVocab) + c.targetVocab) * d +
                              layers * (4.0 * d * c.spec.attentionWidth() * 2 + 3.0 * d * c.spec.ffn) +
                              3.0 * d * (c.spec.melBins + d) + double(c.spec.encoderPositions() + c.spec.maxPositions) * d +
                              double(c.spec.encoderWidth()) * (3.0 * c.spec.patchSize * c.spec.patchSize +
                                                               c.spec.encoderLayers * (4.0 * c.spec.encoderWidth() + 2.0 * c.spec.encoderFfn));
    if (parameters > 2e10)
        return fileError("config.json describes about " + std::to_string(static_cast<long long>(parameters / 1e9)) +
                         " billion parameters; AlignScope opens models up to 20 billion");
    return c;
}

} // namespace alignscope::hf
