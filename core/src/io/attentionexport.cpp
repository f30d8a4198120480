// Attention as data files (JSON, CSV, Pharaoh, Nematus). Numbers use the
// shortest text that reads back to the same float, so exports round-trip.
#include "alignscope/attentionexport.h"

#include "alignscope/decode.h"
#include "alignscope/safetensors.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace alignscope {
namespace {

std::string number(float v)
{
    if (!std::isfinite(v))
        return "nan";
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// RFC 4180: fields holding a comma, quote, CR or LF are quoted, quotes doubled.
std::string csvField(const std::string &s)
{
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

// The last step of a finished path emits <eos>: it has weights but no word.
bool stepIsEos(const DecodeTrace &trace, int node)
{
    return trace.nodes[size_t(node)].tokenId == trace.eosId;
}

std::string joined(const std::vector<std::string> &tokens)
{
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i)
        out.append(i ? " " : "").append(tokens[i]);
    return out;
}

} // namespace

std::optional<AttentionFormat> parseAttentionFormat(const std::string &name)
{
    if (name == "json") return AttentionFormat::Json;
    if (name == "csv") return AttentionFormat::Csv;
    if (name == "pharaoh") return AttentionFormat::Pharaoh;
    if (name == "nematus") return AttentionFormat::Nematus;
    return std::nullopt;
}

std::string attentionFormatExtension(AttentionFormat format)
{
    switch (format) {
    case AttentionFormat::Json: return "json";
    case AttentionFormat::Csv: return "csv";
    case AttentionFormat::Pharaoh: return "align";
    case AttentionFormat::Nematus: return "txt";
    }
    return "txt";
}

std::string attentionToCsv(const DecodeTrace &trace, const std::vector<int> &path, const HeadSelection &selection)
{
    std::string out;
    for (const std::string &s : trace.source.labels)
        out.append(",").append(csvField(s));
    out += "\r\n";
    const Matrix w = trace.weightMatrix(path, selection); // (T, n)
    for (size_t t = 0; t < path.size(); ++t) {
        out += csvField(trace.nodes[size_t(path[t])].token);
        for (Eigen::Index j = 0; j < w.cols(); ++j)
            out.append(",").append(number(w(Eigen::Index(t), j)));
        out += "\r\n";
    }
    return out;
}

std::string attentionToPharaoh(const DecodeTrace &trace, const std::vector<int> &path, double threshold,
                               const HeadSelection &selection)
{
    const Matrix weights = trace.weightMatrix(path, selection); // (T, n)
    std::string out;
    auto add = [&out](size_t i, size_t t) { // appended piecewise: GCC 12 misreads `"" + std::string` (-Wrestrict)
        if (!out.empty())
            out += ' ';
        out += std::to_string(i);
        out += '-';
        out += std::to_string(t);
    };
    for (size_t t = 0; t < path.size(); ++t) {
        if (stepIsEos(trace, path[t]))
            continue;
        const auto w = weights.row(Eigen::Index(t)); // (n)
        int best = -1;
        for (Eigen::Index j = 0; j < w.size(); ++j) {
            if (trace.source.isSpecial(int(j)))
                continue;
            if (threshold >= 0 && w[j] >= threshold)
                add(size_t(j), t);
            else if (threshold < 0 && (best < 0 || w[j] > w[best]))
                best = int(j);
        }
        if (threshold < 0 && best >= 0)
            add(size_t(best), t);
    }
    return out + "\n";
}

std::string attentionToNematus(const DecodeTrace &trace, const std::vector<int> &path, int sentenceId,
                               const HeadSelection &selection)
{
    std::vector<std::string> source;
    for (int j = 0; j < trace.sourceLength(); ++j)
        if (!trace.source.isSpecial(j))
            source.push_back(trace.source.labels[size_t(j)]);
    double logProb = 0.0;
    for (int node : path)
        logProb += trace.nodes[size_t(node)].logProb;
    std::ostringstream out;
    out << sentenceId << " ||| " << joined(trace.targetTokens(path)) << " ||| " << number(float(logProb))
        << " ||| " << joined(source) << " ||| " << trace.sourceLength() << " " << path.size() << "\n";
    const Matrix w = trace.weightMatrix(path, selection); // (T, n)
    for (Eigen::Index t = 0; t < w.rows(); ++t) {
        for (Eigen::Index j = 0; j < w.cols(); ++j)
            out << (j ? " " : "") << number(w(t, j));
        out << "\n";
    }
    out << "\n";
    return out.str();
}

std::string exportAttention(AttentionFormat format, const DecodeTrace &trace, const std::vector<int> &path,
                            const AttentionExportOptions &options)
{
    switch (format) {
    case AttentionFormat::Json: return traceToJson(trace, path, true, options.selection) + "\n";
    case AttentionFormat::Csv: return attentionToCsv(trace, path, options.selection);
    case AttentionFormat::Pharaoh: return attentionToPharaoh(trace, path, options.threshold, options.selection);
    case AttentionFormat::Nematus: return attentionToNematus(trace, path, options.sentenceId, options.selection);
    }
    return {};
}

Result<void> writeAttention(const std::string &file, AttentionFormat format, const DecodeTrace &trace,
                            const std::vector<int> &path, const AttentionExportOptions &options)
{
    return writeFileAtomically(file, exportAttention(format, trace, path, options));
}

} // namespace alignscope
