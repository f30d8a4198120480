// import [--arch pytorch-tutorial|pytorch-tutorial-legacy|pytorch-chatbot]: a
// tutorial's state_dicts (torch.save or safetensors) plus its vocabularies
// (JSON files, the tutorial's eng-fra.txt, or the chatbot's voc_dict) into
// a model file.
#include "cli/import.h"

#include "cli/args.h"

#include "alignscope/rnnmodel.h"
#include "alignscope/pytorch.h"

#include <iostream>

namespace alignscope::cli {

namespace {

const char *kUsage = "import [--arch pytorch-tutorial|pytorch-tutorial-legacy|pytorch-chatbot] "
                     "[--attn dot|general|concat] [--layers N] (--checkpoint FILE | --encoder FILE --decoder FILE) "
                     "[--source-vocab FILE --target-vocab FILE | --pairs eng-fra.txt [--max-length N] "
                     "[--reverse|--no-reverse]] --out FILE";

/// A model file AlignScope wrote has nothing to import.
Result<void> refuseAlignScopeModels(const Args &a)
{
    for (const char *option : {"checkpoint", "encoder", "decoder"}) {
        const auto path = a.value(option);
        if (!path)
            continue;
        if (RnnModel::isModelFile(*path))
            return fileError(*path + " is already an AlignScope model: open it as it is (--model " + *path +
                             "); import converts PyTorch tutorial checkpoints");
    }
    return {};
}

/// --arch, or without it the architecture the decoder's keys show (as
/// opening a checkpoint directly tells them apart).
Result<PyTorchArchitecture> architectureFrom(const Args &a)
{
    if (auto refused = refuseAlignScopeModels(a); !refused)
        return refused.error();
    if (const auto arch = a.value("arch")) {
        for (auto k : {PyTorchArchitecture::Tutorial, PyTorchArchitecture::TutorialLegacy, PyTorchArchitecture::Chatbot})
            if (*arch == architectureName(k))
                return k;
        return usageError("--arch must be pytorch-tutorial, pytorch-tutorial-legacy or pytorch-chatbot; usage: " +
                          std::string(kUsage));
    }
    const std::string file = a.value("checkpoint").value_or(a.value("decoder").value_or(""));
    if (file.empty())
        return usageError("give either --checkpoint FILE or both --encoder FILE and --decoder FILE");
    auto checkpoint = PyTorchCheckpoint::open(file);
    if (!checkpoint)
        return checkpoint.error();
    const PyTorchContents contents = detectPyTorchContents(checkpoint.value());
    if (contents.modules == PyTorchContents::Modules::EncoderOnly && a.value("checkpoint"))
        return fileError(file + " holds an encoder alone: give it as --encoder " + file + " with --decoder FILE");
    if (!contents.architecture)
        return fileError(file + ": its keys are none of the PyTorch tutorials' decoders (no attention.Wa, attn_combine "
                                "or concat weights); give --arch if you know which tutorial it comes from");
    return *contents.architecture;
}

/// filterPair's MAX_LENGTH when --max-length is not given: the tutorial's 10,
/// or the legacy decoder's own slot count (it was trained with that MAX_LENGTH).
/// An unreadable file keeps 10; importPyTorch reports it.
int defaultMaxLength(const PyTorchImportOptions &o)
{
    if (o.architecture != PyTorchArchitecture::TutorialLegacy)
        return 10;
    auto decoder = PyTorchCheckpoint::open(o.checkpoint.empty() ? o.decoder : o.checkpoint);
    const auto slots = decoder ? legacySlotCount(decoder.value()) : std::nullopt;
    return slots.value_or(10);
}

/// --source-vocab/--target-vocab, or --pairs rebuilt as the translation tutorial does.
Result<void> readVocabularies(const Args &a, PyTorchImportOptions &o)
{
    const bool files = a.value("source-vocab") || a.value("target-vocab");
    if (files && a.value("pairs"))
        return usageError("give either --source-vocab/--target-vocab or --pairs, not both");
    if (files) {
        if (!a.value("source-vocab") || !a.value("target-vocab"))
            return usageError("--source-vocab and --target-vocab go together; usage: " + std::string(kUsage));
        auto source = readTokenListJson(*a.value("source-vocab"));
        if (!source)
            return source.error();
        auto target = readTokenListJson(*a.value("target-vocab"));
        if (!target)
            return target.error();
        o.sourceTokens = std::move(source.value());
        o.targetTokens = std::move(target.value());
        return {};
    }
    if (!a.value("pairs")) {
        if (a.value("max-length") || a.has("reverse") || a.has("no-reverse"))
            return usageError("--max-length, --reverse and --no-reverse go with --pairs");
        return {}; // the chatbot's voc_dict, or an error from importPyTorch
    }
    if (o.architecture == PyTorchArchitecture::Chatbot)
        return usageError("--pairs rebuilds the translation tutorial's vocabularies; the chatbot reads voc_dict "
                          "or --source-vocab/--target-vocab");
    if (a.has("reverse") && a.has("no-reverse"))
        return usageError("give --reverse or --no-reverse, not both");
    auto maxLength = a.integer("max-length", defaultMaxLength(o), 1, 100000);
    if (!maxLength)
        return maxLength.error();
    TutorialPairsOptions p;
    p.maxLength = maxLength.value();
    p.reverse = !a.has("no-reverse");
    p.normalize = o.architecture == PyTorchArchitecture::TutorialLegacy ? TokenizerMode::LegacyTutorialNormalize
                                                                        : TokenizerMode::TutorialNormalize;
    auto vocabs = readTutorialPairs(*a.value("pairs"), p);
    if (!vocabs)
        return vocabs.error();
    o.sourceTokens = std::move(vocabs->source);
    o.targetTokens = std::move(vocabs->target);
    return {};
}

Result<PyTorchImportOptions> optionsFrom(const Args &a)
{
    PyTorchImportOptions o;
    auto arch = architectureFrom(a);
    if (!arch)
        return arch.error();
    o.architecture = arch.value();
    if (const auto attn = a.value("attn")) {
        if (o.architecture == PyTorchArchitecture::Tutorial && *attn != "additive")
            return usageError("the translation tutorial's attention is additive (BahdanauAttention); drop --attn");
        if (o.architecture == PyTorchArchitecture::TutorialLegacy)
            return usageError("the pre-2023 translation tutorial's attention is fixed (attn over MAX_LENGTH slots); "
                              "drop --attn");
        if (o.architecture == PyTorchArchitecture::Chatbot && *attn != "dot" && *attn != "general" && *attn != "concat")
            return usageError("--attn must be dot, general or concat (the chatbot tutorial's attn_model)");
        if (o.architecture == PyTorchArchitecture::Chatbot)
            o.scorer = parseScorer(*attn).value();
    }
    auto layers = a.integer("layers", 0, 1, 4);
    if (!layers)
        return layers.error();
    o.layers = layers.value();
    o.checkpoint = a.value("checkpoint").value_or("");
    o.encoder = a.value("encoder").value_or("");
    o.decoder = a.value("decoder").value_or("");
    const bool single = !o.checkpoint.empty(), anySeparate = !o.encoder.empty() || !o.decoder.empty();
    if (single == anySeparate || (anySeparate && (o.encoder.empty() || o.decoder.empty())))
        return usageError("give either --checkpoint FILE or both --encoder FILE and --decoder FILE");
    if (!a.value("out"))
        return usageError(std::string("import needs --out; usage: ") + kUsage);
    if (auto vocabs = readVocabularies(a, o); !vocabs)
        return vocabs.error();
    return o;
}

} // namespace

int importCommand(const Argv &argv)
{
    auto args = Args::parse(argv, {{"reverse", "no-reverse"},
                                   {"arch", "attn", "layers", "checkpoint", "encoder", "decoder", "source-vocab",
                                    "target-vocab", "pairs", "max-length", "out"},
                                   {}});
    if (!args)
        return fail(args.error());
    auto options = optionsFrom(args.value());
    if (!options)
        return fail(options.error());
    auto model = importPyTorch(options.value());
    if (!model)
        return fail(model.error());
    const std::string out = *args->value("out");
    if (auto saved = model->save(out); !saved)
        return fail(saved.error());
    const ModelConfig &c = model->config();
    const bool slots = c.decoder.kind == DecoderKind::TutorialLegacy;
    std::cout << "wrote " << out << " (" << toString(c.decoder.kind) << " decoder, "
              << scorerDisplayName(c.attention) << " attention"
              << (slots ? " over " + std::to_string(c.attention.maxSourceLength) + " slots" : std::string())
              << ", hidden " << c.decoder.hidden << ", " << c.decoder.layers << " layer"
              << (c.decoder.layers > 1 ? "s" : "") << ", vocabularies " << model->sourceVocab().size() << " + "
              << model->targetVocab().size() << ")\n";
    return 0;
}

} // namespace alignscope::cli
