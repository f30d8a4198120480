// translate, inspect and init.
#include "cli/commands.h"

#include "cli/args.h"
#include "cli/modelargs.h"

#include "alignscope/decode.h"
#include "alignscope/model.h"
#include "alignscope/rnnmodel.h"
#include "alignscope/transformermodel.h"
#include "alignscope/pytorch.h"
#include "alignscope/safetensors.h"

#include <cstdio>
#include <iostream>

namespace alignscope::cli {

int fail(const Error &error)
{
    std::fprintf(stderr, "alignscope-cli: %s\n", error.message.c_str());
    return static_cast<int>(error.kind == ErrorKind::Cancelled ? ErrorKind::Internal : error.kind);
}

std::string usage()
{
    return "usage: alignscope-cli COMMAND [options]\n"
           "\n"
           "  translate --model FILE|FOLDER|NAME [--beam K] [--prefix TEXT] [--max-length N] [--json]\n"
           "       [--layer L --head H|mean|max]\n"
           "       SENTENCE\n"
           "  inspect FILE|NAME\n"
           "  init --encoder gru|bigru|lstm|bilstm --decoder bahdanau|luong\n"
           "       --scorer additive|dot|general|scaled-dot|concat|location [--local m|p --window D]\n"
           "       --source-vocab FILE --target-vocab FILE [--embedding E] [--hidden H] [--layers L]\n"
           "       [--seed N] --out FILE\n"
           "  init --encoder transformer [--layers L] [--heads H] [--d-model D] [--ffn F] [--norm pre|post]\n"
           "       [--norm-kind layer|rms] [--positions sinusoidal|learned|relative]\n"
           "       [--activation relu|gelu|gelu-tanh|silu] [--gated-ffn]\n"
           "       --source-vocab FILE --target-vocab FILE [--seed N] --out FILE\n"
           "  train --task en-fr|dates|FILE [--format tsv|eng-fra] --encoder gru|bigru|lstm|bilstm\n"
           "       --decoder bahdanau|luong --scorer ... [--local m|p --window D] [--epochs N]\n"
           "       [--threads N] [--resume CKPT] [--batch B] [--lr X] [--hidden H] [--embedding E] --out FILE\n"
           "       [--watch SENTENCE --snapshots DIR [--snapshot-format json|png|svg]]\n"
           "  eval --model FILE|NAME --task en-fr|dates|FILE [--split dev|test] [--json]\n"
           "  compare --models A B ... [--target TEXT] [--beam K] [--json] [--layer L --head H|mean|max]\n"
           "       SENTENCE\n"
           "  export --model FILE|NAME --format png|svg|pdf|json|csv|pharaoh|nematus\n"
           "       [--view heatmap|lines|compare --models A B ...] [--layer L --head H|mean|max]\n"
           "       [--scale S] [--page fit|a4|letter]\n"
           "       [--title T] [--colormap NAME] [--font F] [--font-size PT] [--no-colorbar] [--no-values]\n"
           "       [--transparent] [--threshold X] [--out FILE|FOLDER] (SENTENCE | --input FILE)\n"
           "  import [--arch pytorch-tutorial|pytorch-tutorial-legacy|pytorch-chatbot] [--attn dot|general|concat]\n"
           "       [--layers N] (--checkpoint FILE | --encoder FILE --decoder FILE)\n"
           "       [--source-vocab JSON --target-vocab JSON | --pairs eng-fra.txt [--max-length N]\n"
           "       [--reverse|--no-reverse]] --out FILE\n"
           "  bench [--quick] [--json] [--model NAME] [--section all|scoring|decode|train|compare|ui] [--repeat N]\n"
           "  bench --section folder --model FOLDER [--steps N] [--repeat N] [--json]\n"
           "  --version\n"
           "\n"
           "A model FILE is an AlignScope model or a PyTorch tutorial checkpoint (.pt, .pth, or a safetensors\n"
           "state_dict) holding encoder and decoder; its vocabularies come from the chatbot's voc_dict or from\n"
           "STEM.source-vocab.json and STEM.target-vocab.json beside it (JSON arrays, index = id). A FOLDER is a\n"
           "Hugging Face model folder (T5, flan-T5, BART, Marian): config.json, weights and tokenizer files.\n"
           "\n"
           "Exit codes: 0 ok, 2 usage, 3 unreadable or invalid file, 4 invalid sentence.\n";
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

Result<std::string> sentenceOf(const Args &a)
{
    if (a.positionals().empty())
        return usageError("no sentence given; pass it as the last argument, e.g. \"The cat sat on the mat\"");
    return a.joinedPositionals();
}

} // namespace

int translateCommand(const Argv &argv)
{
    auto args = Args::parse(argv, {{"json"}, {"model", "beam", "prefix", "topk", "max-length", "layer", "head"}, {}});
    if (!args)
        return fail(args.error());
    if (!args->value("model"))
        return fail(usageError("translate needs --model FILE or a bundled model name (e.g. --model additive)"));
    auto sentence = sentenceOf(args.value());
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
    DecodeOptions options;
    options.beamWidth = beam.value();
    options.topK = topk.value();
    options.maxLength = maxLength.value();
    options.partner = true; // one decode: both cores
    if (auto prefix = args->value("prefix"))
        options.prefix = model.value()->prepareTarget(*prefix);
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
