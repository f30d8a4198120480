// Opening T5, BART, Marian and Whisper folders as TransformerModels:
// config.json to a spec, transformers' tensor names to the network's, tied
// weights resolved through their aliases, and the folder's tokenizer.
#include "alignscope/huggingface.h"

#include "alignscope/hftokenizer.h"
#include "alignscope/image.h"
#include "alignscope/logmel.h"
#include "hf/hfbuild_p.h"
#include "hf/hfconfig_p.h"
#include "hf/hfweights_p.h"
#include "transformer/network.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace alignscope {

namespace {

namespace fs = std::filesystem;
using hf::Family;

/// One of the network's parameter names, split: "decoder.layers.3.cross.q.weight"
/// -> stack "decoder", layer 3, part "cross.q", leaf "weight".
struct ParamName {
    std::string stack; ///< "encoder", "decoder", or "" for model-wide tensors
    int layer = -1;
    std::string part;
    std::string leaf;
};

ParamName split(const std::string &name)
{
    ParamName p;
    const size_t lastDot = name.rfind('.');
    p.leaf = name.substr(lastDot + 1);
    std::string rest = name.substr(0, lastDot);
    for (const char *stack : {"encoder.", "decoder."})
        if (rest.rfind(stack, 0) == 0) {
            p.stack = std::string(stack, 7);
            rest = rest.substr(8);
            if (rest.rfind("layers.", 0) == 0) {
                const size_t dot = rest.find('.', 7);
                p.layer = std::stoi(rest.substr(7, dot - 7));
                rest = rest.substr(dot + 1);
            }
        }
    p.part = rest;
    return p;
}

/// transformers' names for one of our parameters, preferred first: a tied
/// weight is stored once under any of its names (save_pretrained keeps one).
std::vector<std::string> t5Names(const ParamName &p, const TransformerSpec &s)
{
    const std::string L = p.stack + ".block." + std::to_string(p.layer) + ".layer.";
    const std::string w = "." + p.leaf;
    if (p.layer < 0)
        return p.part == "final_norm" ? std::vector<std::string>{p.stack + ".final_layer_norm" + w}
                                      : std::vector<std::string>{};
    const int ffnAt = p.stack == "encoder" ? 1 : 2;
    if (p.part.rfind("self.", 0) == 0)
        return {L + "0.SelfAttention." + p.part.substr(5) + w};
    if (p.part.rfind("cross.", 0) == 0)
        return {L + "1.EncDecAttention." + p.part.substr(6) + w};
    if (p.part == "self_norm")
        return {L + "0.layer_norm" + w};
    if (p.part == "cross_norm")
        return {L + "1.layer_norm" + w};
    if (p.part == "ffn_norm")
        return {L + std::to_string(ffnAt) + ".layer_norm" + w};
    const std::string ff = L + std::to_string(ffnAt) + ".DenseReluDense.";
    if (p.part == "ffn.in")
        return {ff + (s.gatedFeedForward ? "wi_1" : "wi") + w};
    if (p.part == "ffn.gate")
        return {ff + "wi_0" + w};
    if (p.part == "ffn.out")
        return {ff + "wo" + w};
    return {};
}

std::vector<std::string> bartNames(const ParamName &p)
{
    const std::string w = "." + p.leaf;
    if (p.layer < 0)
        return p.part == "embed_norm" ? std::vector<std::string>{"model." + p.stack + ".layernorm_embedding" + w}
                                      : std::vector<std::string>{};
    const std::string L = "model." + p.stack + ".layers." + std::to_string(p.layer) + ".";
    auto attention = [&](const std::string &module, const std::string &m) {
        return L + module + "." + (m == "o" ? std::string("out_proj") : m + "_proj") + w;
    };
    if (p.part.rfind("self.", 0) == 0)
        return {attention("self_attn", p.part.substr(5))};
    if (p.part.rfind("cross.", 0) == 0)
        return {attention("encoder_attn", p.part.substr(6))};
    if (p.part == "self_norm")
        return {L + "self_attn_layer_norm" + w};
    if (p.part == "cross_norm")
        return {L + "encoder_attn_layer_norm" + w};
    if (p.part == "ffn_norm")
        return {L + "final_layer_norm" + w};
    if (p.part == "ffn.in")
        return {L + "fc1" + w};
    if (p.part == "ffn.out")
        return {L + "fc2" + w};
    return {};
}

/// Whisper: BART's layer names (fairseq's), plus the convolutions, the
/// stacks' final layer_norm and proj_out.
std::vector<std::string> whisperNames(const ParamName &p)
{
    if (p.layer < 0 && p.part == "final_norm")
        return {"model." + p.stack + ".layer_norm." + p.leaf};
    if (p.layer < 0 && (p.part == "conv1" || p.part == "conv2"))
        return {"model." + p.stack + "." + p.part + "." + p.leaf};
    return bartNames(p);
}

std::string shapeText(const std::vector<std::int64_t> &shape)
{
    std::string s;
    for (auto d : shape)
        s += (s.empty() ? "" : ", ") + std::to_string(d);
    return "[" + s + "]";
}

/// VisionEncoderDecoderModel (ViT + GPT-2): where each of our parameters is stored.
std::vector<std::string> visionNames(const std::string &ours, bool tied)
{
    static const std::map<std::string, std::string> modelWide = {
        {"encoder.cls", "encoder.embeddings.cls_token"},
        {"encoder.positions", "encoder.embeddings.position_embeddings"},
        {"encoder.patch.weight", "encoder.embeddings.patch_embeddings.projection.weight"},
        {"encoder.patch.bias", "encoder.embeddings.patch_embeddings.projection.bias"},
        {"encoder.final_norm.weight", "encoder.layernorm.weight"},
        {"encoder.final_norm.bias", "encoder.layernorm.bias"},
        {"encoder.to_decoder.weight", "enc_to_dec_proj.weight"},
        {"encoder.to_decoder.bias", "enc_to_dec_proj.bias"},
        {"decoder.positions", "decoder.transformer.wpe.weight"},
        {"decoder.final_norm.weight", "decoder.transformer.ln_f.weight"},
        {"decoder.final_norm.bias", "decoder.transformer.ln_f.bias"},
        {"output.weight", "decoder.lm_head.weight"},
    };
    if (ours == "target.embed") // lm_head is wte when tied (safetensors keeps one of them)
        return tied ? std::vector<std::string>{"decoder.transformer.wte.weight", "decoder.lm_head.weight"}
                    : std::vector<std::string>{"decoder.transformer.wte.weight"};
    if (const auto it = modelWide.find(ours); it != modelWide.end())
        return {it->second};
    const ParamName p = split(ours);
    if (p.layer < 0)
        return {};
    static const std::map<std::string, std::string> vit = {
        {"self.q", "attention.attention.query"}, {"self.k", "attention.attention.key"},
        {"self.v", "attention.attention.value"}, {"self.o", "attention.output.dense"},
        {"self_norm", "layernorm_before"},      {"ffn_norm", "layernorm_after"},
        {"ffn.in", "intermediate.dense"},       {"ffn.out", "output.dense"}};
    // GPT-2's fused projections: self.q/k/v are thirds of attn.c_attn, cross.k/v halves of crossattention.c_attn.
    static const std::map<std::string, std::string> gpt2 = {
        {"self.q", "attn.c_attn"},          {"self.k", "attn.c_attn"},          {"self.v", "attn.c_attn"},
        {"self.o", "attn.c_proj"},          {"cross.q", "crossattention.q_attn"}, {"cross.k", "crossattention.c_attn"},
        {"cross.v", "crossattention.c_attn"}, {"cross.o", "crossattention.c_proj"}, {"self_norm", "ln_1"},
        {"cross_norm", "ln_cross_attn"},    {"ffn_norm", "ln_2"},               {"ffn.in", "mlp.c_fc"},
        {"ffn.out", "mlp.c_proj"}};
    const bool encoder = p.stack == "encoder";
    const auto &table = encoder ? vit : gpt2;
    const auto it = table.find(p.part);
    if (it == table.end())
        return {};
    const std::string layer = encoder ? "encoder.encoder.layer." : "decoder.transformer.h.";
    return {layer + std::to_string(p.layer) + "." + it->second + "." + p.leaf};
}

/// GPT-2's Conv1D stores a projection [in, out] (we keep [out, in]) and fuses
/// some: our parameter is slice `part` of `parts` along its output.
struct Conv1dSlice {
    bool conv1d = false;
    int part = 0, parts = 1;
};

Conv1dSlice conv1dSlice(const hf::ModelConfig &c, const std::string &ours)
{
    if (c.family != Family::VisionEncoderDecoder)
        return {};
    const ParamName p = split(ours);
    if (p.stack != "decoder" || p.layer < 0 || p.part.find("norm") != std::string::npos)
        return {};
    if (p.part == "self.q" || p.part == "self.k" || p.part == "self.v")
        return {true, p.part[5] == 'q' ? 0 : p.part[5] == 'k' ? 1 : 2, 3};
    if (p.part == "cross.k" || p.part == "cross.v")
        return {true, p.part[6] == 'k' ? 0 : 1, 2};
    return {true, 0, 1};
}

/// Reads a Conv1D slice into `m` (rows, cols): a weight's rows are a slice of
/// the stored columns, transposed; a bias (1, cols) is a slice of the stored vector.
Result<void> readConv1d(const hf::TensorLookup &files, const std::string &name, const Conv1dSlice &s, Matrix &m)
{
    const std::vector<std::int64_t> stored = files.shape(name);
    const bool bias = m.rows() == 1 && stored.size() == 1;
    const Eigen::Index out = bias ? m.cols() : m.rows();
    if (!(bias ? stored[0] == out * s.parts
               : stored.size() == 2 && stored[0] == m.cols() && stored[1] == out * s.parts))
        return fileError("tensor \"" + name + "\" has shape " + shapeText(stored) + " but config.json implies " +
                         (bias ? shapeText({out * s.parts}) : shapeText({m.cols(), out * s.parts})) +
                         " (Conv1D, [in, out]); config.json and the weights disagree");
    Matrix all(bias ? 1 : m.cols(), out * s.parts);
    if (auto read = files.readInto(name, all.data()); !read)
        return read.error();
    if (bias)
        m = all.middleCols(s.part * out, out);
    else
        m = all.middleCols(s.part * out, out).transpose();
    return {};
}

/// Whether a stored shape holds our (rows, cols): the same, a vector for a
/// (1, n) bias, a convolution's (out, in, k...) flattened, or (ViT) with
/// leading 1s ([CLS] (1, 1, d), positions (1, n, d)).
bool fits(std::vector<std::int64_t> stored, const std::string &ours, const std::pair<int, int> &shape)
{
    if (ours == "encoder.cls" || ours == "encoder.positions")
        while (stored.size() > 2 && stored.front() == 1)
            stored.erase(stored.begin());
    if (stored.size() == 2 && stored[0] == shape.first && stored[1] == shape.second)
        return true;
    if (stored.size() == 1 && shape.first == 1 && stored[0] == shape.second)
        return true;
    // A convolution's (out, in, k) or (out, in, k, k) is our (out, in·k...), the same bytes.
    const bool whisperConv = stored.size() == 3 && ours.find(".conv") != std::string::npos && stored[2] == 3;
    const bool patchConv = stored.size() == 4 && ours == "encoder.patch.weight" && stored[2] == stored[3];
    if (!whisperConv && !patchConv)
        return false;
    std::int64_t inner = 1;
    for (size_t i = 1; i < stored.size(); ++i)
        inner *= stored[i];
    return stored[0] == shape.first && inner == shape.second;
}

/// Every name transformers may have stored our parameter under.
std::vector<std::string> candidates(const hf::ModelConfig &c, const std::string &ours)
{
    if (c.family == Family::VisionEncoderDecoder)
        return visionNames(ours, c.spec.tiedOutput);
    const bool t5 = c.family == Family::T5;
    const std::string m = t5 ? "" : "model.";
    const bool tied = c.spec.tiedOutput;
    const std::string head = c.family == Family::Whisper ? "proj_out.weight" : "lm_head.weight";
    std::vector<std::string> names;
    if (ours == "shared.embed") {
        names = {m + "shared.weight", m + "encoder.embed_tokens.weight", m + "decoder.embed_tokens.weight"};
        if (tied)
            names.push_back(head);
    } else if (ours == "source.embed") {
        names = {m + "encoder.embed_tokens.weight"};
    } else if (ours == "target.embed") {
        names = {m + "decoder.embed_tokens.weight"};
        if (tied)
            names.push_back(head);
    } else if (ours == "output.weight") {
        names = {head};
    } else if (ours == "output.bias") {
        names = {"final_logits_bias"};
    } else if (ours == "encoder.positions" || ours == "decoder.positions") { // BART's learned table
        names = {m + ours.substr(0, 7) + ".embed_positions.weight"};
    } else if (ours == "encoder.relative_bias" || ours == "decoder.relative_bias") { // T5: layer 0's, shared
        names = {ours.substr(0, 7) + ".block.0.layer.0.SelfAttention.relative_attention_bias.weight"};
    } else {
        names = t5 ? t5Names(split(ours), c.spec)
                   : c.family == Family::Whisper ? whisperNames(split(ours)) : bartNames(split(ours));
    }
    // Checkpoints of the bare model (BartModel, MarianModel) lack "model.".
    const size_t n = names.size();
    for (size_t i = 0; i < n; ++i)
        if (names[i].rfind("model.", 0) == 0)
            names.push_back(names[i].substr(6));
    return names;
}

ModelDescription describe(const hf::ModelConfig &c, const TransformerSpec &spec, long long parameters)
{
    ModelDescription d = describeTransformer(spec, parameters);
    d.architecture = c.modelType;
    for (const auto &[layer, head] : c.whisper.alignmentHeads) // those the model has
        if (layer < spec.decoderLayers && head < spec.heads)
            d.alignmentHeads.emplace_back(layer, head);
    if (spec.patchSize > 0) {
        d.sourceKind = SourceKind::Image;
        d.attention.key = "k_j = W_k^{(h)} h_j, h_j the encoder's patch j ([CLS] first)";
        d.summary = std::to_string(spec.encoderLayers) + "-layer ViT (" + std::to_string(spec.imageWidth) + " x " +
                    std::to_string(spec.imageHeight) + ", patches of " + std::to_string(spec.patchSize) + ", d " +
                    std::to_string(spec.encoderWidth()) + ") + " + std::to_string(spec.decoderLayers) +
                    "-layer GPT-2 decoder (" + std::to_string(spec.heads) + " heads, d " + std::to_string(spec.dModel) + ")";
    }
    if (spec.melBins > 0) {
        d.sourceKind = SourceKind::Audio;
        d.attention.key = "k_j = W_k^{(h)} h_j, h_j the encoder's frame j (20 ms)";
    }
    const std::string cls = c.architecture.empty() ? c.modelType : c.architecture;
    d.summary = cls + ": " + d.summary;
    return d;
}

/// Whisper's front end: preprocessor_config.json, else WhisperFeatureExtractor's
/// defaults for the model's mel bins.
Result<void> setUpWhisper(TransformerModel &model, const hf::ModelConfig &config, const fs::path &folder)
{
    WhisperFeatureConfig features;
    features.featureSize = config.spec.melBins;
    std::error_code ec;
    if (fs::exists(folder / "preprocessor_config.json", ec)) {
        auto read = readPreprocessorConfig((folder / "preprocessor_config.json").string());
        if (!read)
            return read.error();
        features = read.value();
    }
    if (features.featureSize != config.spec.melBins || features.nbMaxFrames() != 2 * config.spec.encoderPositions())
        return fileError((folder / "preprocessor_config.json").string() + ": " + std::to_string(features.featureSize) +
                         " mels x " + std::to_string(features.nbMaxFrames()) + " frames, but config.json's encoder reads " +
                         std::to_string(config.spec.melBins) + " x " + std::to_string(2 * config.spec.encoderPositions()) +
                         " (num_mel_bins, 2 x max_source_positions)");
    model.setAudioFrontEnd(features);
    return {};
}

/// The image processor (preprocessor_config.json, else ViTImageProcessor's
/// defaults at the encoder's image size); it must give the pictures the encoder reads.
Result<void> setUpImages(TransformerModel &model, const hf::ModelConfig &config, const fs::path &folder)
{
    ImageProcessorConfig processor;
    processor.height = config.spec.imageHeight;
    processor.width = config.spec.imageWidth;
    std::error_code ec;
    const fs::path file = folder / "preprocessor_config.json";
    if (fs::exists(file, ec)) {
        auto read = readImageProcessorConfig(file.string());
        if (!read)
            return read.error();
        processor = read.value();
    }
    if (processor.doResize && (processor.height != config.spec.imageHeight || processor.width != config.spec.imageWidth))
        return fileError(file.string() + ": resizes to " + std::to_string(processor.width) + " x " +
                         std::to_string(processor.height) + ", but config.json's encoder reads " +
                         std::to_string(config.spec.imageWidth) + " x " + std::to_string(config.spec.imageHeight) +
                         " (image_size)");
    model.setImageProcessor(processor);
    return {};
}

} // namespace

namespace hf {

Result<std::shared_ptr<TransformerModel>> buildModel(const ModelConfig &config, const TensorLookup &files,
                                                     std::shared_ptr<const HfTokenizer> tok, const std::string &label,
                                                     const HuggingFaceOpenOptions &options)
{
    // Every parameter the spec needs, found under one of its names, with the shape config.json implies.
    const TransformerNetwork<float> network(config.spec, config.sourceVocab, config.targetVocab);
    double total = 0, done = 0;
    for (const auto &[name, shape] : network.shapes())
        total += double(shape.first) * shape.second;
    ParameterSet<float> params;
    for (const auto &[ours, shape] : network.shapes()) {
        if (options.cancel && options.cancel->load())
            return Error{ErrorKind::Cancelled, "opening " + label + " cancelled"};
        const std::vector<std::string> names = candidates(config, ours);
        const auto found = std::find_if(names.begin(), names.end(), [&](const std::string &n) { return files.has(n); });
        if (found == names.end())
            return fileError(label + ": " + files.description + " has no tensor \"" +
                             (names.empty() ? ours : names.front()) + "\", which config.json's model needs; " +
                             "the download is incomplete or config.json belongs to another model");
        const std::vector<std::int64_t> stored = files.shape(*found);
        Matrix m(shape.first, shape.second);
        const Conv1dSlice slice = conv1dSlice(config, ours);
        if (slice.conv1d) {
            if (auto read = readConv1d(files, *found, slice, m); !read)
                return Error{read.error().kind, label + ": " + read.error().message};
        } else if (!fits(stored, ours, shape)) {
            return fileError(label + ": tensor \"" + *found + "\" has shape " + shapeText(stored) +
                             " but config.json implies " +
                             (shape.first == 1 ? shapeText({shape.second}) : shapeText({shape.first, shape.second})) +
                             "; config.json and the weights disagree");
        } else if (auto read = files.readInto(*found, m.data()); !read) {
            return Error{read.error().kind, label + ": " + read.error().message};
        }
        params.emplace(ours, std::move(m));
        done += double(shape.first) * shape.second;
        if (options.progress)
            options.progress(done / std::max(1.0, total));
    }

    // Vocabularies: the tokenizer's pieces by id, ids it has no piece for named by number.
    auto vocabulary = [&](int size, SpecialIds specials) {
        std::vector<std::string> tokens(static_cast<size_t>(size));
        for (int id = 0; id < size; ++id) {
            tokens[size_t(id)] = id < tok->size() ? tok->piece(id) : std::string();
            if (tokens[size_t(id)].empty())
                tokens[size_t(id)] = "<id " + std::to_string(id) + ">";
        }
        return Vocabulary(std::move(tokens), specials);
    };
    const HfTokenizer::Specials ts = tok->specials();
    SpecialIds target{config.pad, config.decoderStart, config.eos, ts.unk};
    SpecialIds source{config.pad, ts.bos >= 0 ? ts.bos : config.decoderStart, config.eos, ts.unk};
    auto model = std::make_shared<TransformerModel>(config.spec, vocabulary(config.sourceVocab, source),
                                                    vocabulary(config.targetVocab, target), std::move(params));
    model->setTokenizer(tok);
    model->setGeneration(config.generation);
    if (config.family == Family::Whisper) { // generate()'s prompt settings
        GenerationDefaults g = config.generation;
        g.forcedPrompt = config.whisper.forcedPrompt;
        g.beginSuppressed = config.whisper.beginSuppressed;
        model->setGeneration(std::move(g));
        model->setPromptChooser([w = config.whisper](const std::string &language, const std::string &task) {
            return hf::whisperPrompt(w, language, task);
        });
    }
    model->setDescription(describe(config, config.spec, parameterCount(model->parameters())));
    // float16 / bfloat16 files (a whisper.cpp f16 model, a folder saved in half precision): the decoder
    // streams its weights in 16 bits, the same numbers in half the bytes.
    model->keepExactHalves();
    model->adviseLargePages(); // when the program asked for 2 MB pages: in the background
    return model;
}

} // namespace hf

bool isHuggingFaceFolder(const std::string &path)
{
    std::error_code ec;
    return fs::is_directory(path, ec) && fs::is_regular_file(fs::path(path) / "config.json", ec);
}

Result<std::shared_ptr<TransformerModel>> openHuggingFaceModel(const std::string &folderPath,
                                                               const HuggingFaceOpenOptions &options)
{
    const fs::path folder(folderPath);
    if (!isHuggingFaceFolder(folderPath))
        return fileError(folderPath + " is not a Hugging Face model folder (no config.json)");
    auto configText = hf::readSmallFile((folder / "config.json").string(), 4u << 20);
    if (!configText)
        return configText.error();
    std::string generationText;
    std::error_code ec;
    if (fs::exists(folder / "generation_config.json", ec)) {
        auto g = hf::readSmallFile((folder / "generation_config.json").string(), 4u << 20);
        if (!g)
            return g.error();
        generationText = std::move(g.value());
    }
    auto parsed = hf::parseConfig(configText.value(), generationText);
    if (!parsed)
        return Error{parsed.error().kind, folderPath + "/" + parsed.error().message};
    const hf::ModelConfig &config = parsed.value();

    auto tokenizer = loadHfTokenizer(folderPath, config.tokenizerType == "mt5" ? "t5" : config.tokenizerType);
    if (!tokenizer)
        return tokenizer.error();
    std::shared_ptr<const HfTokenizer> tok(std::move(tokenizer.value()));
    if (tok->size() > config.targetVocab)
        return fileError(folderPath + ": the tokenizer has " + std::to_string(tok->size()) +
                         " tokens but config.json's vocabulary only " + std::to_string(config.targetVocab) +
                         "; the tokenizer does not belong to this model");

    auto weights = hf::WeightFiles::open(folderPath);
    if (!weights)
        return Error{weights.error().kind, folderPath + ": " + weights.error().message};
    const hf::WeightFiles &files = weights.value();
    const hf::TensorLookup lookup{files.description(), [&](const std::string &n) { return files.has(n); },
                                  [&](const std::string &n) { return files.shape(n); },
                                  [&](const std::string &n, float *out) { return files.readInto(n, out); }};
    auto built = hf::buildModel(config, lookup, std::move(tok), folderPath, options);
    if (!built)
        return built.error();
    std::shared_ptr<TransformerModel> model = std::move(built).value();
    if (config.family == Family::Whisper)
        if (auto whisper = setUpWhisper(*model, config, folder); !whisper)
            return whisper.error();
    if (config.family == Family::VisionEncoderDecoder)
        if (auto vision = setUpImages(*model, config, folder); !vision)
            return vision.error();
    model->setName(folder.filename().empty() ? folder.parent_path().filename().string() : folder.filename().string());
    return model;
}

std::string huggingFaceCacheDir()
{
    if (const char *hub = std::getenv("HF_HUB_CACHE"); hub && *hub)
        return hub;
    if (const char *home = std::getenv("HF_HOME"); home && *home)
        return (fs::path(home) / "hub").string();
    if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
        return (fs::path(xdg) / "huggingface" / "hub").string();
    if (const char *home = std::getenv("HOME"); home && *home)
        return (fs::path(home) / ".cache" / "huggingface" / "hub").string();
    return {};
}

std::vector<HuggingFaceCachedModel> listHuggingFaceCache(const std::string &cacheDir)
{
    const fs::path root = cacheDir.empty() ? fs::path(huggingFaceCacheDir()) : fs::path(cacheDir);
    std::vector<HuggingFaceCachedModel> out;
    std::error_code ec;
    if (root.empty() || !fs::is_directory(root, ec))
        return out;
    for (const auto &repo : fs::directory_iterator(root, ec)) {
        const std::string dir = repo.path().filename().string();
        if (dir.rfind("models--", 0) != 0 || !repo.is_directory(ec))
            continue;
        // models--org--name -> org/name
        std::string id = dir.substr(8);
        for (size_t at = id.find("--"); at != std::string::npos; at = id.find("--", at + 1))
            id.replace(at, 2, "/");
        std::string current;
        if (std::ifstream ref(repo.path() / "refs" / "main"); ref)
            std::getline(ref, current);
        for (const auto &snap : fs::directory_iterator(repo.path() / "snapshots", ec))
            if (isHuggingFaceFolder(snap.path().string()))
                out.push_back({id, snap.path().filename().string(), snap.path().string(),
                               snap.path().filename().string() == current});
    }
    std::sort(out.begin(), out.end(), [](const HuggingFaceCachedModel &a, const HuggingFaceCachedModel &b) {
        return a.repository != b.repository ? a.repository < b.repository
               : a.current != b.current     ? a.current
                                            : a.revision < b.revision;
    });
    return out;
}

} // namespace alignscope
