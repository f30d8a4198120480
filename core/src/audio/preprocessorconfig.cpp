// preprocessor_config.json of a Whisper folder, read as transformers'
// WhisperFeatureExtractor.from_pretrained reads it. Text in, result out, so
// the fuzzer drives it directly; sizes are bounded before anything uses them.

#include "alignscope/logmel.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace alignscope {

namespace {

using nlohmann::json;

constexpr std::int64_t kMaxSamples = std::int64_t(1) << 24;  // ~17 min at 16 kHz
constexpr std::int64_t kMaxFeatures = std::int64_t(1) << 26; // M x T floats: 256 MB

/// Reads an optional integer field within [low, high] into `value`.
Result<void> readInt(const json &j, const char *key, std::int64_t low, std::int64_t high, const std::string &label,
                     int &value)
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return {};
    // transformers would take 80.0 as well; a whole-numbered float is accepted
    if (!it->is_number() || (it->is_number_float() && it->get<double>() != std::floor(it->get<double>())))
        return fileError(label + ": " + key + " is not a whole number");
    const double v = it->get<double>();
    if (v < double(low) || v > double(high))
        return fileError(label + ": " + key + " = " + it->dump() + " is outside " + std::to_string(low) + ".." +
                         std::to_string(high));
    value = int(v);
    return {};
}

/// n_samples and nb_max_frames are derived by transformers (which overwrites
/// the stored values); a file whose stored ones disagree was edited by hand.
Result<void> checkDerived(const json &j, const WhisperFeatureConfig &c, const std::string &label)
{
    for (const auto &[key, expected] : {std::pair<const char *, std::int64_t>{"n_samples", c.nSamples()},
                                        {"nb_max_frames", c.nbMaxFrames()}}) {
        const auto it = j.find(key);
        if (it != j.end() && !it->is_null() && !(it->is_number() && it->get<double>() == double(expected)))
            return fileError(label + ": " + key + " = " + it->dump() + " disagrees with chunk_length, " +
                             "sampling_rate and hop_length (" + std::to_string(expected) + ")");
    }
    return {};
}

} // namespace

Result<WhisperFeatureConfig> parsePreprocessorConfig(const std::string &text, const std::string &label)
{
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return fileError(label + " is not a JSON object; the folder's feature extractor settings are damaged");
    if (const auto type = j.find("feature_extractor_type");
        type != j.end() && !(type->is_string() && type->get<std::string>() == "WhisperFeatureExtractor"))
        return fileError(label + ": feature_extractor_type " + type->dump() +
                         " is not WhisperFeatureExtractor, the only one AlignScope computes");
    WhisperFeatureConfig c;
    for (auto check : {readInt(j, "feature_size", 1, 512, label, c.featureSize),
                       readInt(j, "sampling_rate", 1000, 192000, label, c.samplingRate),
                       readInt(j, "n_fft", 16, 16384, label, c.nFft),
                       readInt(j, "chunk_length", 1, 600, label, c.chunkLength)})
        if (!check)
            return check.error();
    if (auto hop = readInt(j, "hop_length", 1, c.nFft, label, c.hopLength); !hop)
        return hop.error();
    if (const auto pad = j.find("padding_value"); pad != j.end() && !pad->is_null()) {
        if (!pad->is_number() || !std::isfinite(pad->get<float>()))
            return fileError(label + ": padding_value is not a finite number");
        c.paddingValue = pad->get<float>();
    }
    if (const auto pad = j.find("pad_to_chunk"); pad != j.end() && !pad->is_null()) { // AlignScope's own models
        if (!pad->is_boolean())
            return fileError(label + ": pad_to_chunk is not true or false");
        c.padToChunk = pad->get<bool>();
    }
    if (c.nSamples() > kMaxSamples || c.nSamples() <= c.nFft)
        return fileError(label + ": chunk_length x sampling_rate = " + std::to_string(c.nSamples()) +
                         " samples; AlignScope takes more than n_fft and at most " + std::to_string(kMaxSamples));
    if (c.nbMaxFrames() * c.featureSize > kMaxFeatures)
        return fileError(label + ": feature_size x frames = " + std::to_string(c.nbMaxFrames() * c.featureSize) +
                         " values, more than the " + std::to_string(kMaxFeatures) + " AlignScope computes");
    if (auto derived = checkDerived(j, c, label); !derived)
        return derived.error();
    return c;
}

std::string preprocessorConfigToJson(const WhisperFeatureConfig &c)
{
    json j = {{"feature_extractor_type", "WhisperFeatureExtractor"},
              {"feature_size", c.featureSize},
              {"sampling_rate", c.samplingRate},
              {"hop_length", c.hopLength},
              {"chunk_length", c.chunkLength},
              {"n_fft", c.nFft},
              {"padding_value", c.paddingValue}};
    if (!c.padToChunk)
        j["pad_to_chunk"] = false;
    return j.dump();
}

Result<WhisperFeatureConfig> readPreprocessorConfig(const std::string &path)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec)
        return fileError(path + ": cannot read (" + ec.message() + ")");
    if (size > (1u << 20))
        return fileError(path + ": " + std::to_string(size) + " bytes; a preprocessor_config.json is a few hundred");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in)
        return fileError(path + ": cannot read");
    return parsePreprocessorConfig(text.str(), path);
}

} // namespace alignscope
