#include "cli/modelargs.h"

namespace alignscope::cli {

Result<ModelConfig> modelConfigFromArgs(const Args &a, bool requireKinds, RnnRecipe recipe)
{
    if (requireKinds)
        for (const char *required : {"encoder", "decoder", "scorer"})
            if (!a.value(required))
                return usageError(std::string("--") + required + " is required");
    recipe.encoder = a.value("encoder").value_or(recipe.encoder);
    recipe.decoder = a.value("decoder").value_or(recipe.decoder);
    recipe.scorer = a.value("scorer").value_or(recipe.scorer);
    recipe.local = a.value("local").value_or("");
    if (a.value("local") && recipe.local.empty())
        return usageError("--local must be m or p");
    auto emb = a.integer("embedding", 64, 1, 4096);
    auto hidden = a.integer("hidden", 128, 1, 4096);
    auto layers = a.integer("layers", 1, 1, 4);
    auto window = a.integer("window", 3, 1, 1000);
    auto attDim = a.integer("attention-dim", 0, 0, 4096);
    auto maxLen = a.integer("max-source-length", recipe.maxSourceLength, 1, 100000);
    auto dropout = a.number("dropout", 0.1, 0.0, 0.9);
    for (const Result<int> *r : {&emb, &hidden, &layers, &window, &attDim, &maxLen})
        if (!*r)
            return r->error();
    if (!dropout)
        return dropout.error();
    recipe.embedding = emb.value();
    recipe.hidden = hidden.value();
    recipe.layers = layers.value();
    recipe.window = window.value();
    recipe.attentionDim = attDim.value();
    recipe.maxSourceLength = maxLen.value();
    recipe.dropout = static_cast<float>(dropout.value());
    return buildRnnConfig(recipe);
}

Result<void> checkFamilyOptions(const Args &a, bool transformer)
{
    static const char *const rnnOnly[] = {"decoder", "scorer", "local", "window", "embedding", "hidden",
                                           "attention-dim", "max-source-length"};
    static const char *const transformerOnly[] = {"heads", "d-model", "ffn", "norm", "norm-kind", "positions",
                                                  "activation"};
    if (transformer) {
        for (const char *name : rnnOnly)
            if (a.value(name))
                return usageError(std::string("--") + name +
                                  " is an RNN option; a Transformer takes --layers, --heads, --d-model, --ffn, --norm, "
                                  "--norm-kind, --positions, --activation and --gated-ffn");
    } else {
        for (const char *name : transformerOnly)
            if (a.value(name))
                return usageError(std::string("--") + name + " applies to --encoder transformer");
        if (a.has("gated-ffn"))
            return usageError("--gated-ffn applies to --encoder transformer");
    }
    return {};
}

Result<TransformerSpec> transformerSpecFromArgs(const Args &a)
{
    auto layers = a.integer("layers", 2, 1, 64);
    auto heads = a.integer("heads", 4, 1, 128);
    auto d = a.integer("d-model", 64, 1, 16384);
    auto ffn = a.integer("ffn", 0, 0, 65536);
    for (const Result<int> *r : {&layers, &heads, &d, &ffn})
        if (!*r)
            return r->error();
    TransformerRecipe r;
    r.layers = layers.value();
    r.heads = heads.value();
    r.dModel = d.value();
    r.ffn = ffn.value();
    r.norm = a.value("norm").value_or(r.norm);
    r.normKind = a.value("norm-kind").value_or(r.normKind);
    r.positions = a.value("positions").value_or(r.positions);
    r.activation = a.value("activation").value_or(r.activation);
    r.gatedFeedForward = a.has("gated-ffn");
    return buildTransformerSpec(r);
}

Result<HeadSelection> headSelectionFromArgs(const Args &a, const std::vector<const Seq2Seq *> &models)
{
    const auto layer = a.value("layer");
    const auto head = a.value("head");
    HeadSelection selection;
    for (const Seq2Seq *m : models) {
        const ModelDescription &d = m->description();
        auto s = parseHeadSelection(layer ? &*layer : nullptr, head ? &*head : nullptr, d.layers, d.heads);
        if (!s)
            return models.size() > 1 ? Error{s.error().kind, m->name() + ": " + s.error().message} : s.error();
        selection = s.value();
    }
    return selection;
}

} // namespace alignscope::cli

namespace alignscope::cli {

Result<Intervention> interventionFromArgs(const Args &a, const Seq2Seq &model)
{
    Intervention iv;
    for (const std::string &spec : a.list("edit-attention")) {
        auto edit = parseEditSpec(spec);
        if (!edit)
            return edit.error();
        iv.edits.push_back(edit.value());
    }
    for (const std::string &text : a.list("drop-source")) {
        const bool digits = !text.empty() && text.size() < 10 && text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits)
            return usageError("--drop-source \"" + text + "\" must be a 0-based source position, e.g. 0");
        iv.droppedSource.push_back(std::stoi(text));
    }
    const ModelDescription &d = model.description();
    for (const std::string &spec : a.list("ablate-heads")) {
        auto heads = parseAblateSpec(spec, d.layers, d.heads);
        if (!heads)
            return heads.error();
        iv.ablatedHeads.insert(iv.ablatedHeads.end(), heads->begin(), heads->end());
    }
    return iv;
}

} // namespace alignscope::cli
