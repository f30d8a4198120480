// import --arch pytorch-tutorial|pytorch-chatbot: a tutorial's state_dicts
// (torch.save or safetensors) plus its vocabularies into a model file.
#include "cli/import.h"

#include "cli/args.h"

#include "alignscope/pytorch.h"

#include <iostream>

namespace alignscope::cli {

namespace {

const char *kUsage = "import --arch pytorch-tutorial|pytorch-chatbot [--attn dot|general|concat] [--layers N] "
                     "(--checkpoint FILE | --encoder FILE --decoder FILE) --source-vocab FILE --target-vocab FILE "
                     "--out FILE";

Result<PyTorchImportOptions> optionsFrom(const Args &a)
{
    PyTorchImportOptions o;
    const std::string arch = a.value("arch").value_or("");
    if (arch == "pytorch-tutorial")
        o.architecture = PyTorchArchitecture::Tutorial;
    else if (arch == "pytorch-chatbot")
        o.architecture = PyTorchArchitecture::Chatbot;
    else
        return usageError("import needs --arch pytorch-tutorial or --arch pytorch-chatbot; usage: " +
                          std::string(kUsage));
    if (const auto attn = a.value("attn")) {
        if (o.architecture == PyTorchArchitecture::Tutorial && *attn != "additive")
            return usageError("the translation tutorial's attention is additive (BahdanauAttention); drop --attn");
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
    for (const char *required : {"source-vocab", "target-vocab", "out"})
        if (!a.value(required))
            return usageError(std::string("import needs --") + required + "; usage: " + kUsage);
    auto source = readTokenListJson(*a.value("source-vocab"));
    if (!source)
        return source.error();
    auto target = readTokenListJson(*a.value("target-vocab"));
    if (!target)
        return target.error();
    o.sourceTokens = std::move(source.value());
    o.targetTokens = std::move(target.value());
    return o;
}

} // namespace

int importCommand(const Argv &argv)
{
    auto args = Args::parse(argv, {{}, {"arch", "attn", "layers", "checkpoint", "encoder", "decoder",
                                        "source-vocab", "target-vocab", "out"}, {}});
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
    std::cout << "wrote " << out << " (" << toString(c.decoder.kind) << " decoder, "
              << scorerDisplayName(c.attention) << " attention, hidden " << c.decoder.hidden << ", "
              << c.decoder.layers << " layer" << (c.decoder.layers > 1 ? "s" : "") << ")\n";
    return 0;
}

} // namespace alignscope::cli
