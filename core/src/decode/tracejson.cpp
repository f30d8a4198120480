// Trace JSON (DESIGN.md: `translate --json`). Extra fields extend the
// contract; the documented ones never change.
#include "alignscope/decode.h"

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

json stepJson(const DecodeNode &n)
{
    json topk = json::array();
    for (const TopToken &t : n.topk)
        topk.push_back({{"token", t.token}, {"prob", t.prob}});
    return {{"token", n.token}, {"scores", numbers(n.scores)}, {"weights", numbers(n.weights)},
            {"context", numbers(n.context)}, {"topk", topk}, {"query", numbers(n.query)},
            {"log_prob", n.logProb}, {"forced", n.forced}};
}

} // namespace

std::string traceToJson(const DecodeTrace &trace, const std::vector<int> &path, bool pretty)
{
    json j;
    j["model"] = trace.model;
    j["scorer"] = trace.scorer;
    j["input"] = trace.input;
    j["source_tokens"] = trace.sourceTokens;
    j["oov_positions"] = trace.oovPositions;
    const auto targets = trace.targetTokens(path);
    j["target_tokens"] = targets;
    j["translation"] = trace.translation(path);
    json steps = json::array();
    double logProb = 0.0;
    for (int n : path) {
        steps.push_back(stepJson(trace.nodes[n]));
        logProb += trace.nodes[n].logProb;
    }
    j["steps"] = steps;
    j["log_prob"] = logProb;
    json hyps = json::array();
    for (const Hypothesis &h : trace.hypotheses)
        hyps.push_back({{"target_tokens", trace.targetTokens(trace.path(h.node))}, {"log_prob", h.logProb},
                        {"score", h.score}});
    j["hypotheses"] = hyps;
    return pretty ? j.dump(2) : j.dump();
}

} // namespace alignscope
