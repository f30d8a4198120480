// Opening whisper.cpp model files: the tensors renamed to transformers'
// names and whisper.cpp's conventions (special tokens from n_vocab, whisper_full's
// suppressions and prompt) written as a config, so that hf::buildModel makes the
// same model a Whisper folder makes.
#include "alignscope/ggml.h"

#include "hf/ggml_p.h"
#include "hf/hfbuild_p.h"
#include "io/halffloat_p.h"
#include "text/hfmodels_p.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

namespace alignscope {

namespace {

namespace fs = std::filesystem;

/// openai/whisper's language codes in token order (tokenizer.py's LANGUAGES).
constexpr std::array<const char *, 100> kLanguages = {
    "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id",
    "hi", "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg",
    "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br",
    "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw", "gl", "mr", "pa", "si", "km", "sn", "yo", "so",
    "af", "oc", "ka", "be", "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt",
    "sa", "lb", "my", "bo", "tl", "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su", "yue"};

/// whisper.cpp's tensor name -> transformers' ("encoder.blocks.0.attn.query.weight" ->
/// "model.encoder.layers.0.self_attn.q_proj.weight"); empty for a name it does not have.
std::string transformersName(const std::string &name)
{
    static const std::map<std::string, std::string> wide = {
        {"encoder.conv1.weight", "model.encoder.conv1.weight"},
        {"encoder.conv1.bias", "model.encoder.conv1.bias"},
        {"encoder.conv2.weight", "model.encoder.conv2.weight"},
        {"encoder.conv2.bias", "model.encoder.conv2.bias"},
        {"encoder.positional_embedding", "model.encoder.embed_positions.weight"},
        {"encoder.ln_post.weight", "model.encoder.layer_norm.weight"},
        {"encoder.ln_post.bias", "model.encoder.layer_norm.bias"},
        {"decoder.positional_embedding", "model.decoder.embed_positions.weight"},
        {"decoder.token_embedding.weight", "model.decoder.embed_tokens.weight"},
        {"decoder.ln.weight", "model.decoder.layer_norm.weight"},
        {"decoder.ln.bias", "model.decoder.layer_norm.bias"},
    };
    if (const auto it = wide.find(name); it != wide.end())
        return it->second;
    static const std::map<std::string, std::string> parts = {
        {"attn.query", "self_attn.q_proj"},         {"attn.key", "self_attn.k_proj"},
        {"attn.value", "self_attn.v_proj"},         {"attn.out", "self_attn.out_proj"},
        {"attn_ln", "self_attn_layer_norm"},        {"cross_attn.query", "encoder_attn.q_proj"},
        {"cross_attn.key", "encoder_attn.k_proj"},  {"cross_attn.value", "encoder_attn.v_proj"},
        {"cross_attn.out", "encoder_attn.out_proj"}, {"cross_attn_ln", "encoder_attn_layer_norm"},
        {"mlp.0", "fc1"},                           {"mlp.2", "fc2"},
        {"mlp_ln", "final_layer_norm"}};
    for (const std::string stack : {"encoder", "decoder"}) {
        const std::string prefix = stack + ".blocks.";
        if (name.rfind(prefix, 0) != 0)
            continue;
        const size_t dot = name.find('.', prefix.size());
        const size_t leaf = name.rfind('.');
        if (dot == std::string::npos || leaf <= dot)
            return {};
        const std::string layer = name.substr(prefix.size(), dot - prefix.size());
        if (layer.empty() || layer.size() > 3 || layer.find_first_not_of("0123456789") != std::string::npos)
            return {};
        const auto it = parts.find(name.substr(dot + 1, leaf - dot - 1));
        if (it == parts.end() || (stack == "encoder" && it->first.rfind("cross", 0) == 0))
            return {};
        return "model." + stack + ".layers." + layer + "." + it->second + name.substr(leaf);
    }
    return {};
}

} // namespace

Result<std::shared_ptr<TransformerModel>> openGgmlWhisperModel(const std::string &path)
{
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(path, ec);
    std::ifstream in(path, std::ios::binary);
    if (ec || !in)
        return fileError(path + ": cannot read the file");
    auto parsed = parseGgmlWhisper(in, size, path);
    if (!parsed)
        return parsed.error();
    const GgmlWhisperFile &f = parsed.value();

    // The tensors under transformers' names.
    std::map<std::string, const GgmlWhisperFile::Tensor *> byName;
    for (const auto &t : f.tensors) {
        const std::string hfName = transformersName(t.name);
        if (hfName.empty())
            return fileError(path + ": tensor \"" + t.name + "\" is not one of Whisper's; not a whisper.cpp Whisper model");
        byName[hfName] = &t;
    }
    auto ffnOf = [&](const char *stack) {
        const auto it = byName.find(std::string("model.") + stack + ".layers.0.fc1.weight");
        return it == byName.end() ? 4 * f.nAudioState : int(it->second->shape.front());
    };

    // whisper.cpp's conventions as a config.json and generation_config.json.
    const int eot = f.eot(), sot = f.sot(), translate = f.firstAfterLanguages();
    const int transcribe = translate + 1, solm = translate + 2, prev = translate + 3, nosp = translate + 4;
    const int noTimestamps = translate + 5, firstTimestamp = translate + 6;
    const bool multilingual = f.nVocab >= 51865;
    const int languages = std::min<int>(f.languages(), int(kLanguages.size()));
    std::vector<int> suppressed{noTimestamps, sot, nosp, solm, translate, transcribe, prev};
    for (int id = firstTimestamp; id < f.nVocab; ++id)
        suppressed.push_back(id);
    for (int i = 0; i < languages; ++i)
        suppressed.push_back(sot + 1 + i);
    std::vector<int> beginSuppressed{eot};
    for (size_t id = 0; id < f.tokens.size(); ++id)
        if (f.tokens[id] == " ") {
            beginSuppressed.push_back(int(id));
            break;
        }
    nlohmann::json config = {
        {"model_type", "whisper"}, {"architectures", {"WhisperForConditionalGeneration"}},
        {"vocab_size", f.nVocab}, {"d_model", f.nAudioState}, {"encoder_layers", f.nAudioLayer},
        {"decoder_layers", f.nTextLayer}, {"encoder_attention_heads", f.nAudioHead},
        {"decoder_attention_heads", f.nTextHead}, {"encoder_ffn_dim", ffnOf("encoder")},
        {"decoder_ffn_dim", ffnOf("decoder")}, {"num_mel_bins", f.nMels},
        {"max_source_positions", f.nAudioCtx}, {"max_target_positions", f.nTextCtx},
        {"pad_token_id", eot}, {"bos_token_id", eot}, {"eos_token_id", eot}, {"decoder_start_token_id", sot}};
    nlohmann::json generation = {{"suppress_tokens", suppressed}, {"begin_suppress_tokens", beginSuppressed},
                                 {"no_timestamps_token_id", noTimestamps}, {"max_length", f.nTextCtx / 2},
                                 {"max_initial_timestamp_index", 50}, // whisper.cpp's max_initial_ts, 1 s
                                 {"decoder_start_token_id", sot}, {"eos_token_id", eot}, {"pad_token_id", eot}};
    std::map<int, std::string> specials{{eot, "<|endoftext|>"}, {sot, "<|startoftranscript|>"},
                                        {translate, "<|translate|>"}, {transcribe, "<|transcribe|>"},
                                        {solm, "<|startoflm|>"}, {prev, "<|startofprev|>"},
                                        {nosp, "<|nospeech|>"}, {noTimestamps, "<|notimestamps|>"}};
    for (int i = 0; i < languages; ++i)
        specials[sot + 1 + i] = std::string("<|") + kLanguages[size_t(i)] + "|>";
    std::map<int, std::string> timestamps;
    for (int id = firstTimestamp; id < f.nVocab; ++id) {
        char text[32];
        std::snprintf(text, sizeof text, "<|%.2f|>", (id - firstTimestamp) * 0.02);
        timestamps[id] = text;
    }
    if (multilingual) {
        nlohmann::json langs = nlohmann::json::object();
        for (int i = 0; i < languages; ++i)
            langs[std::string("<|") + kLanguages[size_t(i)] + "|>"] = sot + 1 + i;
        generation["lang_to_id"] = langs;
        generation["task_to_id"] = {{"transcribe", transcribe}, {"translate", translate}};
        config["forced_decoder_ids"] = {{1, sot + 1}, {2, transcribe}, {3, noTimestamps}};
    } else {
        config["forced_decoder_ids"] = {{1, noTimestamps}};
    }
    auto modelConfig = hf::parseConfig(config.dump(), generation.dump());
    if (!modelConfig)
        return Error{modelConfig.error().kind, path + ": " + modelConfig.error().message};
    if (int(f.tokens.size()) > eot)
        return fileError(path + ": the vocabulary has " + std::to_string(f.tokens.size()) +
                         " tokens, more than the " + std::to_string(eot) + " before whisper.cpp's special tokens");
    auto tokenizer = hftok::makeWhisperTokenizer(f.tokens, specials, timestamps);
    if (!tokenizer)
        return tokenizer.error();

    const hf::TensorLookup lookup{
        fs::path(path).filename().string(),
        [&](const std::string &n) { return byName.count(n) > 0; },
        [&](const std::string &n) {
            const auto it = byName.find(n);
            return it == byName.end() ? std::vector<std::int64_t>{} : it->second->shape;
        },
        [&](const std::string &n, float *out) -> Result<void> {
            const GgmlWhisperFile::Tensor &t = *byName.at(n);
            std::uint64_t elements = 1;
            for (auto d : t.shape)
                elements *= std::uint64_t(d);
            std::vector<unsigned char> raw(size_t(ggmlTensorBytes(t.type, elements, t.shape.back())));
            in.clear();
            in.seekg(std::streamoff(t.offset));
            if (!in.read(reinterpret_cast<char *>(raw.data()), std::streamsize(raw.size())))
                return fileError("could not read tensor \"" + t.name + "\"");
            ggmlToFloat(t.type, raw.data(), elements, out); // float16 and quantised blocks widen as ggml does
            return {};
        }};
    auto built = hf::buildModel(modelConfig.value(), lookup, std::shared_ptr<const HfTokenizer>(std::move(tokenizer.value())),
                                path, {});
    if (!built)
        return built.error();
    std::shared_ptr<TransformerModel> model = std::move(built).value();

    WhisperFeatureConfig features;
    features.featureSize = f.nMels;
    features.chunkLength = 30;
    if (features.nbMaxFrames() != 2 * std::int64_t(f.nAudioCtx))
        return fileError(path + ": n_audio_ctx " + std::to_string(f.nAudioCtx) + " is not Whisper's 30 s window (" +
                         std::to_string(features.nbMaxFrames() / 2) + " frames)");
    if (f.filterMels == f.nMels && f.filterBins == features.frequencyBins()) {
        Matrix filters(f.filterMels, f.filterBins);
        for (int m = 0; m < f.filterMels; ++m)
            for (int b = 0; b < f.filterBins; ++b)
                filters(m, b) = f.filters[size_t(m) * size_t(f.filterBins) + size_t(b)];
        model->setAudioFrontEnd(features, std::move(filters));
    } else {
        model->setAudioFrontEnd(features); // filters of another shape: the computed Slaney ones
    }
    ModelDescription d = model->description();
    // The file's widest-spread storage: its matrices' type (f16 files keep vectors in f32).
    int stored = 0;
    for (const auto &t : f.tensors)
        stored = std::max(stored, t.type);
    const std::string kind = stored == 0 ? "float32" : stored == 1 ? "float16" : ggmlTypeName(stored) + ", quantised";
    d.summary = "whisper.cpp file (" + kind + "), " + d.summary;
    model->setDescription(std::move(d));
    model->setName(fs::path(path).stem().string());
    return model;
}

} // namespace alignscope
