// Trace JSON (DESIGN.md: `translate --json`). Extra fields extend the
// contract; the documented ones never change.
#include "alignscope/decode.h"
#include "alignscope/timestamps.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace alignscope {

namespace {

using json = nlohmann::ordered_json;

json numbers(const Vector &v)
{
    json a = json::array();
    for (Eigen::Index i = 0; i < v.size(); ++i)
        a.push_back(std::isfinite(v[i]) ? json(v[i]) : json(nullptr));
    return a;
}

/// [L][H][columns] of one step's stack.
json stackJson(const AttentionStack &a, const Matrix &rows)
{
    json layers = json::array();
    for (int l = 0; l < a.layers; ++l) {
        json heads = json::array();
        for (int h = 0; h < a.heads; ++h)
            heads.push_back(numbers(rows.row(a.rowOf(l, h)).transpose()));
        layers.push_back(std::move(heads));
    }
    return layers;
}

/// Image sources: the selected row on the patch grid, [rows][columns], and
/// the weight on the columns that are not patches (CLS), beside the row itself.
void addPatchGrid(json &step, const SourceAxis &source, const Vector &weights)
{
    const Matrix grid = source.patchGrid(weights);
    if (grid.size() == 0)
        return;
    json rows = json::array();
    for (Eigen::Index r = 0; r < grid.rows(); ++r)
        rows.push_back(numbers(grid.row(r).transpose()));
    step["patch_weights"] = std::move(rows);
    step["extra_weight"] = source.extraWeight(weights);
}

json stepJson(const DecodeNode &n, const SourceAxis &source, const HeadSelection &selection)
{
    const Vector weights = selectWeights(n.cross, selection);
    json topk = json::array();
    for (const TopToken &t : n.topk)
        topk.push_back({{"token", t.token}, {"prob", t.prob}});
    json j = {{"token", n.token}, {"scores", numbers(selectScores(n.cross, selection))},
              {"weights", numbers(weights)}, {"context", numbers(n.context)},
              {"topk", topk}, {"query", numbers(n.query)}, {"log_prob", n.logProb}, {"forced", n.forced},
              {"token_id", n.tokenId}, {"cross_attention", stackJson(n.cross, n.cross.weights)},
              {"cross_scores", stackJson(n.cross, n.cross.scores)}};
    if (!n.self.empty())
        j["self_attention"] = stackJson(n.self, n.self.weights);
    addPatchGrid(j, source, weights);
    if (n.edited) // the weights above are the edited ones the decoder used
        j["edited"] = true;
    return j;
}

/// What the decode changed; steps, layers and heads 1-based as the CLI spells them.
json interventionJson(const Intervention &iv)
{
    json edits = json::array();
    for (const AttentionEdit &e : iv.edits)
        edits.push_back({{"step", e.step + 1}, {"layer", e.layer < 0 ? json(nullptr) : json(e.layer + 1)},
                         {"head", e.head < 0 ? json(nullptr) : json(e.head + 1)},
                         {"position", e.position < 0 ? json(nullptr) : json(e.position)},
                         {"weights", e.position < 0 ? numbers(e.weights) : json(nullptr)}});
    json ablated = json::array();
    for (const HeadRef &r : iv.ablatedHeads)
        ablated.push_back(headRefName(r));
    return {{"edits", edits}, {"dropped_source", iv.droppedSource}, {"ablated_heads", ablated},
            {"summary", iv.summary()}};
}

json spansJson(const SourceAxis &s)
{
    json spans = json::array();
    for (const TextSpan &span : s.spans)
        spans.push_back(span.typed() ? json::array({span.begin, span.end}) : json(nullptr));
    return spans;
}

json sourceJson(const SourceAxis &s)
{
    json j = {{"kind", toString(s.kind)}, {"labels", s.labels}};
    std::vector<int> special;
    for (int k = 0; k < s.size(); ++k)
        if (s.isSpecial(k))
            special.push_back(k);
    j["special_positions"] = special;
    j["oov_positions"] = s.oovPositions();
    switch (s.kind) {
    case SourceKind::Text:
        j["text"] = s.text;
        j["ids"] = s.ids;
        j["spans"] = spansJson(s); // bytes [begin, end) of the UTF-8 text; null: not typed
        break;
    case SourceKind::Audio:
        j["hop_seconds"] = s.hopSeconds;
        j["first_frame_seconds"] = s.firstFrameSeconds;
        j["audio_columns"] = s.audioColumns; // the columns the clip fills; the rest is padding (0: unknown)
        break;
    case SourceKind::Image: {
        j["grid"] = {s.gridRows, s.gridColumns};
        j["extra_before"] = s.extraBefore;
        j["image_size"] = {s.image.width, s.image.height};
        json boxes = json::array();
        for (const PixelBox &b : s.boxes)
            boxes.push_back({b.x, b.y, b.width, b.height});
        j["boxes"] = boxes;
        break;
    }
    }
    return j;
}

/// Audio: each word's start and end in clip time (alignscope/timestamps.h)
/// and the heads they were read from; null when they cannot be computed.
json wordsJson(const DecodeTrace &trace, const std::vector<int> &path)
{
    auto timed = wordTimestamps(trace, path);
    if (!timed)
        return nullptr;
    json words = json::array();
    for (const TimedWord &w : timed->words) {
        std::vector<int> steps;
        for (int k : w.tokens)
            steps.push_back(timed->tokens[size_t(k)].step);
        words.push_back({{"word", w.text}, {"start", w.start}, {"end", w.end}, {"probability", w.probability},
                         {"steps", steps}});
    }
    return words;
}

json selectionJson(const DecodeTrace &trace, const HeadSelection &selection)
{
    return {{"layer", selection.layerIn(trace.layers()) + 1}, {"head", headName(selection)},
            {"label", selection.label(trace.layers(), trace.heads())}};
}

} // namespace

std::string traceToJson(const DecodeTrace &trace, const std::vector<int> &path, bool pretty,
                        const HeadSelection &selection)
{
    json j;
    j["model"] = trace.model;
    j["scorer"] = trace.scorer;
    j["input"] = trace.source.text;
    j["source_tokens"] = trace.source.labels;
    j["oov_positions"] = trace.source.oovPositions();
    const auto targets = trace.targetTokens(path);
    j["target_tokens"] = targets;
    j["translation"] = trace.translation(path);
    json steps = json::array();
    double logProb = 0.0;
    for (int n : path) {
        steps.push_back(stepJson(trace.nodes[n], trace.source, selection));
        logProb += trace.nodes[n].logProb;
    }
    j["steps"] = steps;
    j["log_prob"] = logProb;
    json hyps = json::array();
    for (const Hypothesis &h : trace.hypotheses)
        hyps.push_back({{"target_tokens", trace.targetTokens(trace.path(h.node))}, {"log_prob", h.logProb},
                        {"score", h.score}});
    j["hypotheses"] = hyps;
    j["architecture"] = trace.description.architecture;
    j["summary"] = trace.description.summary;
    j["layers"] = trace.layers();
    j["heads"] = trace.heads();
    j["selection"] = selectionJson(trace, selection);
    j["source"] = sourceJson(trace.source);
    if (trace.source.kind == SourceKind::Audio) {
        j["words"] = wordsJson(trace, path);
        json heads = json::array();
        for (const auto &[layer, head] : timestampHeads(trace.description))
            heads.push_back({layer + 1, head + 1});
        j["timestamp_heads"] = heads; // 1-based [layer, head], as the CLI counts them
        // The model's own timestamp tokens (translate --timestamps), as Whisper's offsets.
        if (const auto segments = timestampSegments(trace, path); !segments.empty()) {
            json list = json::array();
            for (const TimedSegment &s : segments)
                list.push_back({{"text", s.text}, {"start", s.start}, {"end", s.end},
                                {"steps", {s.firstStep, s.lastStep}}});
            j["segments"] = std::move(list);
        }
    }
    if (!trace.intervention.empty())
        j["intervention"] = interventionJson(trace.intervention);
    if (!trace.encoderSelf.empty()) { // [L][H][n][n], once per source
        const AttentionMaps &e = trace.encoderSelf;
        json layers = json::array();
        for (int l = 0; l < e.layers; ++l) {
            json heads = json::array();
            for (int h = 0; h < e.heads; ++h) {
                json rows = json::array();
                const Matrix &m = e.weights[size_t(e.indexOf(l, h))];
                for (Eigen::Index r = 0; r < m.rows(); ++r)
                    rows.push_back(numbers(m.row(r).transpose()));
                heads.push_back(std::move(rows));
            }
            layers.push_back(std::move(heads));
        }
        j["encoder_self_attention"] = std::move(layers);
    }
    return pretty ? j.dump(2) : j.dump();
}

} // namespace alignscope
