// translate, inspect and init.
#include "cli/commands.h"

#include "cli/args.h"
#include "cli/image.h"
#include "cli/modelargs.h"
#include "cli/speech.h"

#include "alignscope/audio.h"
#include "alignscope/decode.h"
#include "alignscope/model.h"
#include "alignscope/rnnmodel.h"
#include "alignscope/transformermodel.h"
#include "alignscope/pytorch.h"
#include "alignscope/safetensors.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace alignscope::cli {

int fail(const Error &error)
{
    std::fprintf(stderr, "alignscope-cli: %s\n", error.message.c_str());
    return static_cast<int>(error.kind == ErrorKind::Cancelled ? ErrorKind::Internal : error.kind);
}

namespace {

void printTensor(const std::string &name, const std::string &dtype, const std::vector<std::int64_t> &shape)
{
    std::cout << "  " << name << " " << dtype << " [";
    for (size_t i = 0; i < shape.size(); ++i)
        std::cout << (i ? ", " : "") << shape[i];
    std::cout << "]\n";
}

/// The file's tensors under their own names: an AlignScope model's, or a
/// PyTorch checkpoint's (opened directly, with its state_dict keys).
Result<void> printTensors(const std::string &path)
{
    auto file = SafetensorsFile::open(path);
    if (file && file->metadata().count("alignscope.config")) {
        for (const TensorInfo &t : file->tensors())
            printTensor(t.name, toString(t.dtype), t.shape);
        return {};
    }
    auto checkpoint = PyTorchCheckpoint::open(path);
    if (!checkpoint)
        return checkpoint.error();
    for (const CheckpointTensorInfo &t : checkpoint->tensors())
        printTensor(t.name, t.dtype, t.shape);
    return {};
}

/// `translate -` or `translate` with no sentence while standard input is
/// not a terminal: the sentences are the lines of standard input.
bool sentencesOnStdin(const Args &a)
{
    const auto &p = a.positionals();
    return (p.size() == 1 && p[0] == "-") || (p.empty() && !isatty(STDIN_FILENO));
}

/// One output line per input line, so line N of the output is line N's
/// translation: a blank line gives an empty line ({} with --json); a line
/// that fails gives an empty line ({"error", "line"} with --json) and its
/// error on stderr, and the exit code is that of the last failure.
int translateLines(const Seq2Seq &model, const DecodeOptions &options, bool json, const HeadSelection &selection)
{
    int code = 0;
    long long lineNumber = 0;
    std::string line;
    for (; std::getline(std::cin, line); std::cout.flush()) {
        ++lineNumber;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) { // blank: nothing to translate, not an error
            std::cout << (json ? "{}\n" : "\n");
            continue;
        }
        auto trace = translate(model, line, options);
        if (!trace) {
            code = fail(Error{trace.error().kind, "line " + std::to_string(lineNumber) + ": " + trace.error().message});
            std::cout << (json ? nlohmann::json{{"error", trace.error().message}, {"line", lineNumber}}.dump() : "")
                      << "\n";
            continue;
        }
        const auto path = trace->bestPath();
        std::cout << (json ? traceToJson(trace.value(), path, false, selection) : trace->translation(path)) << "\n";
    }
    if (lineNumber == 0)
        return fail(usageError("no sentence on standard input (one sentence per line)"));
    return code;
}

Result<std::string> sentenceOf(const Args &a)
{
    if (a.positionals().empty())
        return usageError("no sentence given; pass it as the last argument, e.g. \"The cat sat on the mat\"");
    return a.joinedPositionals();
}

} // namespace

int translateCommand(const Argv &argv)
{
    auto args = Args::parse(argv, {{"json", "encoder-attention", "timestamps"},
                                   {"model", "beam", "prefix", "topk", "max-length", "layer", "head", "edit-attention",
                                    "drop-source", "ablate-heads", "audio", "language", "task", "image"},
                                   {}});
    if (!args)
        return fail(args.error());
    if (!args->value("model"))
        return fail(usageError("translate needs --model FILE or a bundled model name (e.g. --model additive)"));
    const bool audio = args->value("audio").has_value();
    const bool image = args->value("image").has_value();
    const bool stdinLines = !audio && !image && sentencesOnStdin(args.value());
    auto sentence = stdinLines || audio || image ? Result<std::string>(std::string()) : sentenceOf(args.value());
    if (!sentence)
        return fail(sentence.error());
    auto beam = args->integer("beam", 0, 1, 64);
    auto topk = args->integer("topk", 10, 1, 1000);
    auto maxLength = args->integer("max-length", -1, 1, 100000);
    for (const Result<int> *r : {&beam, &topk, &maxLength})
        if (!*r)
            return fail(r->error());
    auto model = openModel(*args->value("model"));
    if (!model)
        return fail(model.error());
    auto selection = headSelectionFromArgs(args.value(), {model->get()});
    if (!selection)
        return fail(selection.error());
    auto intervention = interventionFromArgs(args.value(), *model.value());
    if (!intervention)
        return fail(intervention.error());
    DecodeOptions options;
    options.beamWidth = beam.value();
    options.topK = topk.value();
    options.maxLength = maxLength.value();
    options.partner = true; // one decode: both cores
    options.intervention = intervention.value();
    if (args->has("encoder-attention")) // an image or audio encoder's self-attention is left out unless asked for
        options.encoderSelfAttention = true;
    if (args->has("timestamps")) {
        if (auto usable = checkTimestamps(*model.value(), audio); !usable)
            return fail(usable.error());
        options.timestamps = true;
    }
    if (args->value("language") || args->value("task")) {
        auto prompt = model.value()->decoderPrompt(args->value("language").value_or(""), args->value("task").value_or(""));
        if (!prompt)
            return fail(prompt.error());
        options.forcedPrompt = prompt.value();
    }
    if (auto prefix = args->value("prefix")) // a clip's after Whisper's prompt (language, task, no timestamps)
        options.prefix = audio ? model.value()->prepareForcedTarget(*prefix, forcedPromptOf(*model.value(), options))
                               : model.value()->prepareTarget(*prefix);
    if (image)
        return translateImage(args.value(), *model.value(), options, selection.value());
    if (stdinLines)
        return translateLines(*model.value(), options, args->has("json"), selection.value());
    if (audio)
        return translateAudio(args.value(), *model.value(), options, selection.value());
    auto trace = translate(*model.value(), sentence.value(), options);
    if (!trace)
        return fail(trace.error());
    const auto path = trace->bestPath();
    if (args->has("json"))
        std::cout << traceToJson(trace.value(), path, true, selection.value()) << "\n";
    else
        std::cout << trace->translation(path) << "\n";
    return 0;
}

int inspectCommand(const Argv &argv)
{
    auto args = Args::parse(argv, {{"json"}, {}, {}});
    if (!args)
        return fail(args.error());
    if (args->positionals().size() != 1)
        return fail(usageError("inspect needs exactly one model file or bundled model name"));
    auto path = resolveModelPath(args->positionals()[0]);
    if (!path)
        return fail(path.error());
    auto model = openModel(path.value());
    if (!model)
        return fail(model.error());
    const ModelDescription &d = model.value()->description();
    std::cout << "file: " << path.value() << "\n"
              << "architecture: " << d.architecture << " (" << d.summary << ")\n"
              << "cross-attention: " << d.layers << " layer(s) x " << d.heads << " head(s)\n"
              << "score: " << d.attention.score << "\n"
              << "scorer: " << d.scorer << "\n";
    if (const auto *rnn = dynamic_cast<const RnnModel *>(model.value().get()))
        std::cout << "config: " << configToJson(rnn->config()) << "\n"
                  << "source vocabulary: " << rnn->sourceVocab().size() << " tokens\n";
    if (const auto *t = dynamic_cast<const TransformerModel *>(model.value().get()))
        std::cout << "config: " << transformerConfigToJson(t->fileConfig()) << "\n"
                  << "source vocabulary: " << t->sourceVocab().size() << " tokens\n";
    std::cout << "target vocabulary: " << model.value()->targetVocab().size() << " tokens\n"
              << "parameters: " << d.parameters << "\n"
              << "tensors:\n";
    if (const auto *t = dynamic_cast<const TransformerModel *>(model.value().get()); t && t->tokenizer()) {
        // A Hugging Face folder: the weights under AlignScope's names (the folder's files may be shards).
        for (const auto &[name, m] : t->parameters())
            printTensor(name, "float32", {m.rows(), m.cols()});
        return 0;
    }
    if (auto listed = printTensors(path.value()); !listed)
        return fail(listed.error());
    return 0;
}

namespace {

/// `init --encoder transformer`: a randomly initialised Transformer model file.
int initTransformer(const Args &args, const Vocabulary &source, const Vocabulary &target, unsigned seed)
{
    auto spec = transformerSpecFromArgs(args);
    if (!spec)
        return fail(spec.error());
    const TransformerModel model = TransformerModel::initialise(spec.value(), source, target, seed);
    if (auto saved = model.save(*args.value("out")); !saved)
        return fail(saved.error());
    std::cout << "wrote " << *args.value("out") << " (" << model.description().parameters << " parameters, "
              << model.description().summary << ")\n";
    return 0;
}

} // namespace

int initCommand(const Argv &argv)
{
    OptionSpec spec{{"gated-ffn"}, {"source-vocab", "target-vocab", "seed", "out"}, {}};
    spec.values.insert(std::begin(kModelValueOptions), std::end(kModelValueOptions));
    spec.values.insert(std::begin(kTransformerValueOptions), std::end(kTransformerValueOptions));
    auto args = Args::parse(argv, spec);
    if (!args)
        return fail(args.error());
    for (const char *required : {"source-vocab", "target-vocab", "out"})
        if (!args->value(required))
            return fail(usageError(std::string("init needs --") + required));
    if (auto mixed = checkFamilyOptions(args.value(), args->value("encoder") == "transformer"); !mixed)
        return fail(mixed.error());
    if (args->value("encoder") == "transformer") {
        auto seed = args->integer("seed", 1, 0, 2147483647);
        auto source = Vocabulary::readFile(*args->value("source-vocab"));
        auto target = Vocabulary::readFile(*args->value("target-vocab"));
        if (!seed)
            return fail(seed.error());
        if (!source)
            return fail(source.error());
        if (!target)
            return fail(target.error());
        return initTransformer(args.value(), source.value(), target.value(), static_cast<unsigned>(seed.value()));
    }
    auto config = modelConfigFromArgs(args.value(), true);
    if (!config)
        return fail(config.error());
    auto seed = args->integer("seed", 1, 0, 2147483647);
    if (!seed)
        return fail(seed.error());
    auto source = Vocabulary::readFile(*args->value("source-vocab"));
    if (!source)
        return fail(source.error());
    auto target = Vocabulary::readFile(*args->value("target-vocab"));
    if (!target)
        return fail(target.error());
    const RnnModel model = RnnModel::initialise(config.value(), source.value(), target.value(),
                                          static_cast<unsigned>(seed.value()));
    auto saved = model.save(*args->value("out"));
    if (!saved)
        return fail(saved.error());
    std::cout << "wrote " << *args->value("out") << " (" << parameterCount(model.parameters()) << " parameters, "
              << scorerDisplayName(config->attention) << ")\n";
    return 0;
}

} // namespace alignscope::cli
