// export: attention of one sentence, or of every line of a file, as data
// (json, csv, pharaoh, nematus: always available) or as a figure (png, svg,
// pdf: only in builds with the UI, see exportimage.h).
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/image.h"
#include "cli/modelargs.h"
#include "cli/speech.h"
#ifdef ALIGNSCOPE_WITH_EXPORT
#include "cli/exportimage.h"
#endif

#include "alignscope/attentionexport.h"
#include "alignscope/decode.h"
#include "alignscope/model.h"
#include "alignscope/safetensors.h"
#include "alignscope/subtitles.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

namespace alignscope::cli {
namespace {

bool isImageFormat(const std::string &f) { return f == "png" || f == "svg" || f == "pdf"; }
bool isSubtitleFormat(const std::string &f) { return parseSubtitleFormat(f).has_value(); }

std::string extensionOf(const std::string &format)
{
    if (auto data = parseAttentionFormat(format))
        return attentionFormatExtension(*data);
    return format;
}

struct Job {
    std::vector<ModelPtr> models;
    std::vector<std::string> names;
    std::string format;
    std::string view = "heatmap";
    std::string sentence; // taken from the end of --models
    std::optional<AudioClip> clip; // --audio FILE instead of a sentence
    std::optional<RgbImage> picture; // --image FILE instead of a sentence
    DecodeOptions decode;
    AttentionExportOptions data;
#ifdef ALIGNSCOPE_WITH_EXPORT
    std::unique_ptr<ImageExport> image;
#endif
};

/// A model's name as a file name part: a bundled name as it is, a file by its stem.
std::string fileTag(const std::string &name)
{
    std::string tag = std::filesystem::path(name).stem().string();
    for (char &c : tag)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
            c = '_';
    return tag.empty() ? "model" : tag;
}

/// `--view compare` as data: JSON is one array of {"model", "trace"} (as
/// `compare --json` without the summary); the line formats have no place
/// for several matrices, so each model gets its own file, FILE's stem
/// followed by the model (cat.csv -> cat.additive.csv, cat.dot.csv).
Result<void> exportCompareData(const Job &job, const std::vector<std::shared_ptr<const DecodeTrace>> &traces,
                               AttentionFormat format, const AttentionExportOptions &options, const std::string &file)
{
    if (format == AttentionFormat::Json) {
        nlohmann::ordered_json out = nlohmann::ordered_json::array();
        for (std::size_t i = 0; i < traces.size(); ++i)
            out.push_back({{"model", job.names[i]},
                           {"trace", nlohmann::ordered_json::parse(traceToJson(*traces[i], traces[i]->bestPath(), false, options.selection))}});
        const std::string text = out.dump(2) + "\n";
        if (file.empty()) {
            std::cout << text;
            return {};
        }
        return writeFileAtomically(file, text);
    }
    if (file.empty())
        return usageError("--view compare --format " + job.format + " writes one file per model; give --out FILE");
    const std::filesystem::path base(file);
    for (std::size_t i = 0; i < traces.size(); ++i) {
        const std::filesystem::path one =
            base.parent_path() / (base.stem().string() + "." + fileTag(job.names[i]) + base.extension().string());
        if (auto ok = writeAttention(one.string(), format, *traces[i], traces[i]->bestPath(), options); !ok)
            return ok.error();
    }
    return {};
}

// Translates `sentence` with every model and writes one file (or stdout
// when `file` is empty, data formats only).
Result<void> exportOne(Job &job, const std::string &sentence, const std::string &file, int id)
{
    std::vector<std::shared_ptr<const DecodeTrace>> traces;
    for (const ModelPtr &m : job.models) {
        Result<DecodeTrace> trace = Error{ErrorKind::Internal, "not decoded"};
        if (job.clip || job.picture) {
            auto source = job.picture ? m->prepareImage(*job.picture) : m->prepareAudio(job.clip->samples);
            trace = source ? translateSource(*m, std::move(source).value(), job.decode) : Result<DecodeTrace>(source.error());
        } else {
            trace = translate(*m, sentence, job.decode);
        }
        if (!trace)
            return trace.error();
        traces.push_back(std::make_shared<const DecodeTrace>(std::move(trace).value()));
    }
#ifdef ALIGNSCOPE_WITH_EXPORT
    if (job.image)
        return job.image->write(traces, job.names, file, job.data.selection);
#endif
    const auto format = *parseAttentionFormat(job.format);
    AttentionExportOptions options = job.data;
    options.sentenceId = id;
    if (job.view == "compare")
        return exportCompareData(job, traces, format, options, file);
    const DecodeTrace &t = *traces.front();
    if (file.empty()) {
        std::cout << exportAttention(format, t, t.bestPath(), options);
        return {};
    }
    return writeAttention(file, format, t, t.bestPath(), options);
}

Result<std::vector<std::string>> readLines(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fileError("cannot read sentences from " + path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        lines.push_back(line);
    }
    return lines;
}

// One file per input line, named by line number (0001.png, ...). Bad lines
// are reported and skipped; the batch succeeds if any line did.
int exportBatch(Job &job, const std::string &input, const std::string &outDir)
{
    auto lines = readLines(input);
    if (!lines)
        return fail(lines.error());
    std::error_code ec;
    std::filesystem::create_directories(outDir, ec);
    if (ec)
        return fail(Error{ErrorKind::Internal, "cannot create output folder " + outDir + ": " + ec.message()});
    int written = 0;
    Error last = inputError(input + " has no sentences");
    for (size_t i = 0; i < lines->size(); ++i) {
        const std::string &line = (*lines)[i];
        const std::string where = input + ":" + std::to_string(i + 1);
        if (line.find_first_not_of(" \t") == std::string::npos) {
            std::fprintf(stderr, "alignscope-cli: %s: empty line, skipped\n", where.c_str());
            continue;
        }
        char name[32];
        std::snprintf(name, sizeof name, "%04zu.", i + 1);
        const std::string file = (std::filesystem::path(outDir) / (name + extensionOf(job.format))).string();
        auto r = exportOne(job, line, file, int(i));
        if (!r) {
            std::fprintf(stderr, "alignscope-cli: %s: %s, skipped\n", where.c_str(), r.error().message.c_str());
            last = r.error();
            continue;
        }
        ++written;
    }
    std::fprintf(stderr, "alignscope-cli: wrote %d of %zu files to %s\n", written, lines->size(), outDir.c_str());
    return written > 0 ? 0 : fail(last);
}

Result<void> loadModels(const Args &args, Job &job)
{
    std::vector<std::string> names = args.list("models");
    // `--models A B "SENTENCE"`: the list swallows the sentence; it is the last word.
    if (args.positionals().empty() && !args.value("input") && !args.value("audio") && !args.value("image") &&
        names.size() >= 2) {
        job.sentence = names.back();
        names.pop_back();
    }
    if (auto m = args.value("model"))
        names.insert(names.begin(), *m);
    if (names.empty())
        return usageError("export needs --model FILE or a bundled model name (e.g. --model additive)");
    if (job.view != "compare")
        names.resize(1);
    std::vector<const Seq2Seq *> opened;
    for (const std::string &name : names) {
        auto model = openModel(name);
        if (!model)
            return model.error();
        job.models.push_back(model.value());
        job.names.push_back(name);
        opened.push_back(job.models.back().get());
    }
    auto selection = headSelectionFromArgs(args, opened);
    if (!selection)
        return selection.error();
    job.data.selection = selection.value();
    return {};
}

Result<void> setUp(const Args &args, Job &job)
{
    if (!args.value("format"))
        return usageError("export needs --format png|svg|pdf|json|csv|pharaoh|nematus|srt|vtt");
    job.format = *args.value("format");
    if (!isImageFormat(job.format) && !parseAttentionFormat(job.format) && !isSubtitleFormat(job.format))
        return usageError("unknown --format \"" + job.format + "\"; use png, svg, pdf, json, csv, pharaoh, nematus, srt or vtt");
    if (isSubtitleFormat(job.format) && !args.value("audio"))
        return usageError("--format " + job.format + " writes subtitles of a clip; give --audio FILE");
    if (args.value("subtitle-timing") && !isSubtitleFormat(job.format))
        return usageError("--subtitle-timing is for --format srt or vtt");
    if (args.value("audio") && args.value("input"))
        return usageError("give either --input FILE or --audio FILE, not both");
    if (args.value("image") && args.value("input"))
        return usageError("give either --input FILE or --image FILE, not both");
    // --step, --strip and --opacity belong to a picture's overlay figure; --step also to a clip's spectrogram.
    const bool overlay = args.value("image") && isImageFormat(job.format);
    const bool spectrogram = args.value("audio") && isImageFormat(job.format) && !args.value("view");
    if (((args.has("strip") || args.value("opacity")) && !overlay) || (args.value("step") && !overlay && !spectrogram))
        return usageError("--step, --strip and --opacity draw the overlay figure of a picture; "
                          "give --image FILE and --format png, svg or pdf (with --audio FILE, --step N draws "
                          "one token's attention on the spectrogram)");
    if (args.has("encoder-attention"))
        job.decode.encoderSelfAttention = true;
    job.decode.timestamps = args.has("timestamps");
    job.view = args.value("view").value_or("heatmap");
    if (job.view != "heatmap" && job.view != "lines" && job.view != "heads" && job.view != "compare")
        return usageError("--view must be heatmap, lines, heads or compare");
    // A picture's figure is the overlay (--step N or the --strip of every word), of one model or of several.
    if (args.value("image") && isImageFormat(job.format) && job.view != "heatmap" && job.view != "compare")
        return usageError("with --image, --format " + job.format + " draws the overlay figure (--step N or --strip) "
                          "of one model, or of several with --view compare; --view " + job.view +
                          " does not apply");
    if ((job.view == "lines" || job.view == "heads") && !isImageFormat(job.format))
        return usageError("--view " + job.view + " is a figure; use --format png, svg or pdf");
    auto threshold = args.number("threshold", -1.0, -1.0, 1.0);
    auto beam = args.integer("beam", 0, 1, 64);
    if (!threshold)
        return threshold.error();
    if (!beam)
        return beam.error();
    job.data.threshold = threshold.value();
    job.decode.beamWidth = beam.value();
    if (isImageFormat(job.format)) {
#ifdef ALIGNSCOPE_WITH_EXPORT
        auto image = openImageExport(args, job.format);
        if (!image)
            return image.error();
        job.image = std::move(image).value();
#else
        return usageError("this build has no image export (built with ALIGNSCOPE_BUILD_UI=OFF); "
                          "use --format json, csv, pharaoh or nematus");
#endif
    }
    if (auto loaded = loadModels(args, job); !loaded)
        return loaded;
    for (const ModelPtr &m : job.models)
        if (job.decode.timestamps)
            if (auto usable = checkTimestamps(*m, args.value("audio").has_value()); !usable)
                return usable;
    if (args.value("image")) {
        auto picture = pictureOf(args);
        if (!picture)
            return picture.error();
        job.picture = std::move(picture).value();
        return {};
    }
    if (!args.value("audio"))
        return {};
    auto clip = clipOf(args);
    if (!clip)
        return clip.error();
    job.clip = std::move(clip).value();
    if (isSubtitleFormat(job.format))
        return {};
    for (const ModelPtr &m : job.models) // one decode per model: one window
        if (auto one = checkOneWindow(*m, *job.clip, "export --format " + job.format); !one)
            return one;
    return {};
}

/// `export --format srt|vtt --audio FILE`: every window's words as
/// subtitles, to --out (written atomically) or standard output.
Result<void> exportSubtitles(const Args &args, const Job &job, const std::string &out)
{
    const auto timing = parseSubtitleTiming(args.value("subtitle-timing").value_or("segment"));
    if (!timing)
        return usageError("--subtitle-timing must be word or segment");
    SubtitleOptions options;
    options.timing = *timing;
    std::vector<SubtitleCue> cues;
    if (job.decode.timestamps && *timing == SubtitleTiming::Segment) { // the model's own segments
        auto segments = clipSegments(*job.models.front(), *job.clip, job.decode);
        if (!segments)
            return segments.error();
        cues = subtitleCues(segments.value(), options);
    } else {
        auto words = clipWords(*job.models.front(), *job.clip, job.decode);
        if (!words)
            return words.error();
        cues = subtitleCues(words.value(), options);
    }
    const std::string text = formatSubtitles(cues, *parseSubtitleFormat(job.format));
    if (out.empty()) {
        std::cout << text;
        return {};
    }
    return writeFileAtomically(out, text);
}

} // namespace

int exportCommand(const Argv &argv)
{
    auto args = Args::parse(argv, {{"no-colorbar", "no-values", "transparent", "hide-special", "merge-words", "strip",
                                    "encoder-attention", "timestamps"},
                                   {"model", "format", "view", "scale", "out", "input", "title", "colormap", "page",
                                    "font", "font-size", "cell-size", "threshold", "beam", "dpi", "layer", "head",
                                    "audio", "subtitle-timing", "image", "step", "opacity"},
                                   {"models"}});
    if (!args)
        return fail(args.error());
    Job job;
    if (auto ok = setUp(args.value(), job); !ok)
        return fail(ok.error());
    const std::string out = args->value("out").value_or("");
    if (isSubtitleFormat(job.format)) {
        auto r = exportSubtitles(args.value(), job, out);
        return r ? 0 : fail(r.error());
    }
    if (auto input = args->value("input")) {
        if (out.empty())
            return fail(usageError("export --input needs --out FOLDER"));
        return exportBatch(job, *input, out);
    }
    const std::string sentence = job.sentence.empty() ? args->joinedPositionals() : job.sentence;
    if (sentence.empty() && !job.clip && !job.picture)
        return fail(usageError("no sentence given; pass it as the last argument or use --input FILE"));
    if (out.empty() && isImageFormat(job.format))
        return fail(usageError("export --format " + job.format + " needs --out FILE"));
    auto r = exportOne(job, sentence, out, 0);
    return r ? 0 : fail(r.error());
}

} // namespace alignscope::cli
